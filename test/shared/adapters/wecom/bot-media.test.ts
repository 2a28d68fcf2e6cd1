/**
 * HttpBotMediaFetcher against a tiny local HTTP server: the encrypted file is downloaded and
 * decrypted; an oversize file is refused by Content-Length before the body is read and, without
 * one, cut off while reading; 4xx, unreachable hosts, timeouts and non-http URLs are 'unavailable';
 * bytes that do not decrypt are 'undecryptable'; no error shows the URL's signed query.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { HttpBotMediaFetcher } from '../../../../shared/adapters/wecom/bot-media';
import { BotMediaError } from '../../../../shared/application/smart-bot-ports';
import { encryptWeComMedia } from '../../../../shared/crypto/wecom-media';

const KEY43 = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const OTHER_KEY43 = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const SECRET_QUERY = 'authkey=VERY-SECRET-SIGNATURE';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
let handler: Handler;
/** Bytes the server managed to write on the last streaming response, and whether the client hung up. */
let written = 0;
let clientClosed = false;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  written = 0;
  clientClosed = false;
});

async function mediaError(promise: Promise<unknown>): Promise<BotMediaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BotMediaError);
  expect((error as Error).message).not.toContain('VERY-SECRET');
  return error as BotMediaError;
}

it('downloads and decrypts the file', async () => {
  const plain = Buffer.concat([Buffer.from('PNG…告警截图'), randomBytes(5000)]);
  let path = '';
  handler = (req, res) => {
    path = req.url ?? '';
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(encryptWeComMedia(plain, KEY43));
  };
  const out = await new HttpBotMediaFetcher().fetch(`${base}/media/abc?${SECRET_QUERY}`, KEY43, 10_000);
  expect(out.equals(plain)).toBe(true);
  expect(path).toBe(`/media/abc?${SECRET_QUERY}`);
});

it('accepts a file of exactly maxBytes (its ciphertext is 32 bytes more) streamed in chunks', async () => {
  const plain = randomBytes(4096);
  const encrypted = encryptWeComMedia(plain, KEY43);
  expect(encrypted.length).toBe(4096 + 32);
  handler = (_req, res) => {
    res.writeHead(200);
    for (let at = 0; at < encrypted.length; at += 1000) res.write(encrypted.subarray(at, at + 1000));
    res.end();
  };
  expect((await new HttpBotMediaFetcher().fetch(`${base}/f`, KEY43, 4096)).equals(plain)).toBe(true);
});

it('refuses by Content-Length before reading the body', async () => {
  handler = (_req, res) => {
    res.on('close', () => (clientClosed = true));
    // Declares 1 MB and sends only a little, then waits: reading the body would hang until the timeout.
    res.writeHead(200, { 'content-length': String(1024 * 1024) });
    res.write(Buffer.alloc(64));
  };
  const started = Date.now();
  const error = await mediaError(new HttpBotMediaFetcher({ timeoutMs: 5000 }).fetch(`${base}/big?${SECRET_QUERY}`, KEY43, 1000));
  expect(error.kind).toBe('too_large');
  expect(Date.now() - started).toBeLessThan(2000);
  await waitFor(() => clientClosed);
});

it('cuts off a chunked body once it passes maxBytes + 32', async () => {
  handler = (_req, res) => {
    res.on('close', () => (clientClosed = true));
    res.writeHead(200);
    // Without a Content-Length, an endless body: only counting while reading stops it.
    const timer = setInterval(() => {
      if (res.destroyed || clientClosed) return clearInterval(timer);
      res.write(Buffer.alloc(1024));
      written += 1024;
    }, 1);
  };
  const error = await mediaError(new HttpBotMediaFetcher({ timeoutMs: 5000 }).fetch(`${base}/endless?${SECRET_QUERY}`, KEY43, 10_000));
  expect(error.kind).toBe('too_large');
  await waitFor(() => clientClosed);
  // Stopped soon after the limit, not after the server ran out of patience.
  expect(written).toBeLessThan(2 * 1024 * 1024);
});

it('counts the limit on the plaintext too: maxBytes + 1 is refused although its ciphertext fits maxBytes + 32', async () => {
  const encrypted = encryptWeComMedia(randomBytes(1001), KEY43);
  expect(encrypted.length).toBe(1024);
  handler = (_req, res) => res.writeHead(200).end(encrypted);
  expect((await mediaError(new HttpBotMediaFetcher().fetch(`${base}/f`, KEY43, 1000))).kind).toBe('too_large');
});

it.each([403, 404, 500])('calls HTTP %i unavailable (an expired link)', async (status) => {
  handler = (_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('expired');
  const error = await mediaError(new HttpBotMediaFetcher().fetch(`${base}/gone?${SECRET_QUERY}`, KEY43, 1000));
  expect(error.kind).toBe('unavailable');
  expect(error.message).toContain(String(status));
});

it('calls a refused connection unavailable', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const error = await mediaError(new HttpBotMediaFetcher().fetch(`http://127.0.0.1:${port}/x?${SECRET_QUERY}`, KEY43, 1000));
  expect(error.kind).toBe('unavailable');
});

it('gives up on a server that never answers after timeoutMs', async () => {
  handler = () => undefined;
  const started = Date.now();
  const error = await mediaError(new HttpBotMediaFetcher({ timeoutMs: 200 }).fetch(`${base}/hang?${SECRET_QUERY}`, KEY43, 1000));
  expect(error.kind).toBe('unavailable');
  expect(error.message).toContain('200 ms');
  expect(Date.now() - started).toBeLessThan(3000);
});

it('calls bytes that do not decrypt undecryptable (wrong key, bad length)', async () => {
  const encrypted = encryptWeComMedia(Buffer.from('hello'), KEY43);
  handler = (_req, res) => res.writeHead(200).end(encrypted);
  expect((await mediaError(new HttpBotMediaFetcher().fetch(`${base}/f?${SECRET_QUERY}`, OTHER_KEY43, 1000))).kind).toBe('undecryptable');
  handler = (_req, res) => res.writeHead(200).end(Buffer.alloc(40));
  expect((await mediaError(new HttpBotMediaFetcher().fetch(`${base}/f?${SECRET_QUERY}`, KEY43, 1000))).kind).toBe('undecryptable');
});

it('fetches only http and https URLs', async () => {
  let called = false;
  const fetchSpy: typeof fetch = async () => {
    called = true;
    throw new Error('not to be called');
  };
  for (const url of ['file:///etc/passwd', `ftp://example.com/x?${SECRET_QUERY}`, 'not a url']) {
    expect((await mediaError(new HttpBotMediaFetcher({ fetch: fetchSpy }).fetch(url, KEY43, 1000))).kind).toBe('unavailable');
  }
  expect(called).toBe(false);
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
