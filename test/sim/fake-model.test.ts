/**
 * The simulator's fake OpenAI-compatible model (sim/model/fake-model.ts) at <sim>/_model/v1:
 * streamed chunks, the whole answer, the key check and the misbehaviours a client must survive.
 */
import { createSimulator, Simulator } from '../../sim/server';
import { DEFAULT_FAKE_MODEL_API_KEY, fakeModelAnswer, splitIntoChunks } from '../../sim/model/fake-model';

type Json = Record<string, any>;

const apiKey = 'sk-test-fake-1';
const messages = [
  { role: 'system', content: 'You summarise incidents for the on-call team.' },
  { role: 'user', content: 'What is going on with INC-42?\nTitle: Payments API 5xx above 5%\nSeverity: Critical' },
];

/** The `data:` payloads of an event stream, in order. */
function dataLines(body: string): string[] {
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

describe('sim: fake OpenAI-compatible model', () => {
  let sim: Simulator;
  let baseUrl: string;

  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  };
  /** `key` null sends no Authorization header. */
  const complete = (body: unknown, key: string | null = apiKey, signal?: AbortSignal) =>
    fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const configure = async (settings: Json) => {
    const put = await control('PUT', '/_sim/model', { apiKey, ...settings });
    expect(put.status).toBe(200);
    return put.body;
  };

  beforeEach(async () => {
    sim = await createSimulator({ port: 0 });
    baseUrl = `${sim.url}/_model/v1`;
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('streams chat.completion.chunk events that join to the non-streamed answer', async () => {
    await configure({ chunks: 4, chunkDelayMs: 40 });
    const started = Date.now();
    const streamed = await complete({ model: 'gpt-test', messages, stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines = dataLines(await streamed.text());
    // Three pauses of 40 ms between four chunks.
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);

    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as Json);
    expect(chunks).toHaveLength(5);
    for (const chunk of chunks) {
      expect(Object.keys(chunk)).toEqual(['id', 'object', 'created', 'model', 'choices']);
      expect(chunk).toMatchObject({ id: chunks[0]!.id, object: 'chat.completion.chunk', model: 'gpt-test' });
      expect(Number.isInteger(chunk.created)).toBe(true);
    }
    expect(chunks[0]!.id).toMatch(/^chatcmpl-/);
    expect(chunks[0]!.choices[0].delta.role).toBe('assistant');
    expect(chunks.slice(1, 4).every((c) => c.choices[0].delta.role === undefined)).toBe(true);
    expect(chunks.slice(0, 4).every((c) => c.choices[0].finish_reason === null && c.choices[0].index === 0)).toBe(true);
    expect(chunks[4]!.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    const joined = chunks.slice(0, 4).map((c) => c.choices[0].delta.content as string).join('');

    const whole = await complete({ model: 'gpt-test', messages, stream: false });
    expect(whole.status).toBe(200);
    const completion = (await whole.json()) as Json;
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }] });
    expect(completion.choices[0].message.content).toBe(joined);
    expect(joined).toBe('Summary of INC-42: you asked "What is going on with INC-42?". The fake model read 2 messages about INC-42. Next step: check the timeline and the latest change.');
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);

    // Another prompt, another answer; a fixed reply replaces the summary.
    const other = (await (await complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'INC-7 timeline please' }] })).json()) as Json;
    expect(other.choices[0].message.content).toBe('Summary of INC-7: you asked "INC-7 timeline please". The fake model read 1 message about INC-7. Next step: check the timeline and the latest change.');
    await configure({ reply: '固定的回答 fixed answer', chunks: 3, chunkDelayMs: 0 });
    const fixed = dataLines(await (await complete({ model: 'm', messages, stream: true })).text());
    expect(fixed.slice(0, 3).map((line) => JSON.parse(line).choices[0].delta.content).join('')).toBe('固定的回答 fixed answer');
  });

  it('cuts answers into at most N pieces without splitting a character', () => {
    expect(splitIntoChunks('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(splitIntoChunks('ab', 6)).toEqual(['a', 'b']);
    expect(splitIntoChunks('😀😀😀', 2)).toEqual(['😀😀', '😀']);
    expect(fakeModelAnswer([{ role: 'user', content: 'no id here' }])).toContain('Summary of the conversation: you asked "no id here"');
  });

  it('answers 401 invalid_api_key to a wrong or missing key, and 400 to a bad body', async () => {
    await configure({});
    for (const key of ['sk-wrong', null]) {
      const refused = await complete({ model: 'gpt-test', messages, stream: true }, key);
      expect(refused.status).toBe(401);
      const body = (await refused.json()) as Json;
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
      expect(typeof body.error.message).toBe('string');
    }
    for (const bad of ['{not json', { model: 'gpt-test', messages: [] }, { messages }, { model: 'gpt-test', messages: [{ role: 'robot', content: 'x' }] }]) {
      const refused = await complete(bad);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as Json).error).toMatchObject({ type: 'invalid_request_error' });
    }
    // The default key works until PUT /_sim/model changes it.
    await control('POST', '/_sim/reset');
    expect((await complete({ model: 'gpt-test', messages }, DEFAULT_FAKE_MODEL_API_KEY)).status).toBe(200);
  });

  it('hangs after the first chunk until the client aborts', async () => {
    await configure({ behaviour: 'hang' });
    const controller = new AbortController();
    const response = await complete({ model: 'gpt-test', messages, stream: true }, apiKey, controller.signal);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(dataLines(first)[0]!).choices[0].delta.role).toBe('assistant');
    const next = reader.read();
    const quiet = await Promise.race([next.then(() => 'data'), new Promise((resolve) => setTimeout(() => resolve('quiet'), 200))]);
    expect(quiet).toBe('quiet');
    controller.abort();
    await expect(next).rejects.toThrow(/abort/i);

    let outcome: string | undefined;
    for (let i = 0; i < 50 && outcome !== 'aborted'; i++) {
      outcome = ((await control('GET', '/_sim/model/requests')).body.requests as Json[]).at(-1)!.outcome;
      if (outcome !== 'aborted') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(outcome).toBe('aborted');
  });

  it('answers error429 with Retry-After, error500, and garbage events on demand', async () => {
    await configure({ behaviour: 'error429', retryAfterSeconds: 7 });
    const throttled = await complete({ model: 'gpt-test', messages, stream: true });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(((await throttled.json()) as Json).error.code).toBe('rate_limit_exceeded');

    await configure({ behaviour: 'error500' });
    const failed = await complete({ model: 'gpt-test', messages, stream: true });
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as Json).error.type).toBe('server_error');

    await configure({ behaviour: 'garbage' });
    const garbage = await complete({ model: 'gpt-test', messages, stream: true });
    expect(garbage.status).toBe(200);
    expect(garbage.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines = dataLines(await garbage.text());
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).toThrow();

    expect((await control('PUT', '/_sim/model', { apiKey, behavior: 'hang' })).status).toBe(400);
    expect((await control('PUT', '/_sim/model', { behaviour: 'hang' })).status).toBe(400);
  });

  it('records the requests, newest last, and forgets them on reset', async () => {
    await configure({ chunkDelayMs: 0 });
    await (await complete({ model: 'gpt-a', messages, stream: true })).text();
    await (await complete({ model: 'gpt-b', messages: [{ role: 'user', content: [{ type: 'text', text: 'parts' }] }] }, 'sk-wrong')).text();
    const { requests } = (await control('GET', '/_sim/model/requests')).body as { requests: Json[] };
    expect(requests.map((r) => [r.model, r.stream, r.authOk, r.status, r.outcome])).toEqual([
      ['gpt-a', true, true, 200, 'answered'],
      ['gpt-b', false, false, 401, 'refused'],
    ]);
    expect(requests[0]!.messages).toEqual(messages);
    expect(requests[1]!.messages).toEqual([{ role: 'user', content: 'parts' }]);

    await control('POST', '/_sim/reset');
    expect((await control('GET', '/_sim/model/requests')).body).toEqual({ requests: [] });
    expect((await control('GET', '/_sim/model')).body.settings.apiKey).toBe(DEFAULT_FAKE_MODEL_API_KEY);
  });
});
