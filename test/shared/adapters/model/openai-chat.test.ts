/**
 * OpenAiChatModel over real HTTP (a node:http server in the test playing an OpenAI-compatible
 * endpoint): the request it sends, the streamed answer with cumulative onText, and each failure
 * typed as ModelCallError so the bot can fall back: HTTP status, abort (timeout), non-JSON events,
 * a stream cut short, a refused connection; and a server that ignores stream:true.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAiChatModel } from '../../../../shared/adapters/model/openai-chat';
import { ModelCallError } from '../../../../shared/application/smart-bot-ports';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const chunk = (content: string, finish: string | null = null) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: finish }] })}\n\n`;
const model = () => new OpenAiChatModel({ baseUrl: base, model: 'm-1', apiKey: 'sk-test' });
const messages = [{ role: 'user' as const, content: 'INC-1?' }];

async function failure(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe('OpenAiChatModel', () => {
  it('posts a streamed chat completion and reports the cumulative text after each chunk', async () => {
    let seen: { url?: string; auth?: string; body?: unknown } = {};
    handler = (req, body, res) => {
      seen = { url: req.url, auth: req.headers.authorization, body: JSON.parse(body) };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive\n\n');
      res.write(chunk('Disk '));
      res.write(chunk('is '));
      res.end(chunk('full.') + chunk('', 'stop') + 'data: [DONE]\n\n');
    };
    const seenText: string[] = [];
    const text = await model().complete({ messages, signal: AbortSignal.timeout(5000), onText: (t) => void seenText.push(t) });
    expect(text).toBe('Disk is full.');
    expect(seenText).toEqual(['Disk ', 'Disk is ', 'Disk is full.']);
    expect(seen).toEqual({ url: '/v1/chat/completions', auth: 'Bearer sk-test', body: { model: 'm-1', messages, stream: true, temperature: 0.2 } });
  });

  it('accepts a stream that ends with finish_reason and no [DONE]', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.end(chunk('ok') + chunk('', 'stop'));
    };
    expect(await model().complete({ messages, signal: AbortSignal.timeout(5000) })).toBe('ok');
  });

  it('takes a whole chat.completion when the server ignores stream:true', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'whole answer' }, finish_reason: 'stop' }] }));
    };
    expect(await model().complete({ messages, signal: AbortSignal.timeout(5000) })).toBe('whole answer');
  });

  it('types an HTTP error with its status and the server message, without the key', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit' } }));
    };
    const error = await failure(model().complete({ messages, signal: AbortSignal.timeout(5000) }));
    expect(error).toMatchObject({ kind: 'http', status: 429 });
    expect(error.message).toContain('Rate limit reached');
    expect(error.message).not.toContain('sk-test');
  });

  it('types an abort as timeout, even mid-stream', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('partial'));
      // then nothing: a hung model
    };
    const seenText: string[] = [];
    const error = await failure(model().complete({ messages, signal: AbortSignal.timeout(300), onText: (t) => void seenText.push(t) }));
    expect(error.kind).toBe('timeout');
    expect(seenText).toEqual(['partial']);
  });

  it('types non-JSON events, an empty answer and a stream cut short as protocol errors', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: <html>oops</html>\n\n');
    };
    expect((await failure(model().complete({ messages, signal: AbortSignal.timeout(5000) }))).kind).toBe('protocol');
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk('', 'stop') + 'data: [DONE]\n\n');
    };
    expect((await failure(model().complete({ messages, signal: AbortSignal.timeout(5000) }))).message).toContain('no text');
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk('half'));
    };
    expect((await failure(model().complete({ messages, signal: AbortSignal.timeout(5000) }))).message).toContain('ended before');
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    };
    expect((await failure(model().complete({ messages, signal: AbortSignal.timeout(5000) }))).kind).toBe('protocol');
  });

  it('reports an error object sent mid-stream', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(chunk('a') + `data: ${JSON.stringify({ error: { message: 'overloaded' } })}\n\n`);
    };
    const error = await failure(model().complete({ messages, signal: AbortSignal.timeout(5000) }));
    expect(error.message).toContain('overloaded');
  });

  it('types a refused connection as network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(new OpenAiChatModel({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', apiKey: 'k' }).complete({ messages, signal: AbortSignal.timeout(5000) }));
    expect(error.kind).toBe('network');
  });

  it('stops at maxChars', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('x'.repeat(30)));
      res.write(chunk('y'.repeat(30)));
      // never ends: the cap ends the read
    };
    const capped = new OpenAiChatModel({ baseUrl: base, model: 'm', apiKey: 'k', maxChars: 40 });
    expect(await capped.complete({ messages, signal: AbortSignal.timeout(5000) })).toBe('x'.repeat(30) + 'y'.repeat(10));
  });
});
