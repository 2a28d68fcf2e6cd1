/**
 * A fake OpenAI-compatible model for the simulator (issue 15): `POST <sim>/_model/v1/chat/completions`,
 * so an integration's model base URL is `<sim>/_model/v1`. It answers deterministically from the
 * request (the incident id found in the prompt and the user's question), streamed as server-sent
 * `chat.completion.chunk` events or as one `chat.completion`, and it can misbehave on demand
 * (hang, 500, 429 with Retry-After, non-JSON events) so dutybridge's handling of a bad model is
 * testable offline. Control: `PUT /_sim/model`, `GET /_sim/model`, `GET /_sim/model/requests`.
 */
import { SimContext, SimRequest, SimResponse } from '../core/contract';

/** The key a fresh simulator accepts, so the local stack works before anyone calls `PUT /_sim/model`. */
export const DEFAULT_FAKE_MODEL_API_KEY = 'sim-model-key';
export const DEFAULT_FAKE_MODEL_CHUNKS = 6;
export const DEFAULT_FAKE_MODEL_CHUNK_DELAY_MS = 50;
export const DEFAULT_FAKE_MODEL_RETRY_AFTER_SECONDS = 1;
export const FAKE_MODEL_COMPLETIONS_PATH = '/_model/v1/chat/completions';

export const fakeModelBehaviours = ['normal', 'hang', 'error500', 'error429', 'garbage'] as const;
export type FakeModelBehaviour = (typeof fakeModelBehaviours)[number];

export interface FakeModelSettings {
  readonly apiKey: string;
  /** How many pieces a streamed answer is cut into (fewer when the answer is shorter). */
  readonly chunks: number;
  /** Pause between two streamed chunks (real time). */
  readonly chunkDelayMs: number;
  readonly behaviour: FakeModelBehaviour;
  /** Fixed answer instead of the summary built from the request. */
  readonly reply?: string;
  /** Retry-After of `error429`, in seconds. */
  readonly retryAfterSeconds: number;
}

export interface FakeModelMessage {
  readonly role: string;
  readonly content: string;
}

/** One request as received, newest last in `GET /_sim/model/requests`. */
export interface FakeModelRequest {
  readonly seq: number;
  /** Simulator clock, epoch ms. */
  readonly at: number;
  readonly model: string | null;
  readonly messages: readonly FakeModelMessage[];
  readonly stream: boolean;
  readonly authOk: boolean;
  readonly behaviour: FakeModelBehaviour;
  status: number;
  /** `answered`: everything was sent; `aborted`: the client went away first; `refused`: an error status. */
  outcome: 'answering' | 'answered' | 'aborted' | 'refused';
}

export class FakeModelControlError extends Error {
  override readonly name = 'FakeModelControlError';
}

type Json = Record<string, unknown>;

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
const SETTING_FIELDS = ['apiKey', 'chunks', 'chunkDelayMs', 'behaviour', 'reply', 'retryAfterSeconds'];
const QUESTION_MAX_CHARS = 160;
const INCIDENT_ID = /INC[-\w]*/;

function defaults(): FakeModelSettings {
  return {
    apiKey: DEFAULT_FAKE_MODEL_API_KEY,
    chunks: DEFAULT_FAKE_MODEL_CHUNKS,
    chunkDelayMs: DEFAULT_FAKE_MODEL_CHUNK_DELAY_MS,
    behaviour: 'normal',
    retryAfterSeconds: DEFAULT_FAKE_MODEL_RETRY_AFTER_SECONDS,
  };
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OpenAI's error body: `{error: {message, type, code}}` (`param` null: the fake does not point at fields). */
function openAiError(status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): SimResponse {
  return { status, headers, body: { error: { message, type, param: null, code } } };
}

/**
 * The deterministic answer: the incident id found in the prompt (last user message first) and the
 * first line of the last user message, so a test can tell the answer belongs to its request.
 */
export function fakeModelAnswer(messages: readonly FakeModelMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const searchOrder = [lastUser, ...[...messages].reverse().map((m) => m.content)];
  const incidentId = searchOrder.map((text) => INCIDENT_ID.exec(text)?.[0]).find((id) => id !== undefined);
  const firstLine = lastUser.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== '') ?? '';
  const question = [...firstLine].length > QUESTION_MAX_CHARS ? `${[...firstLine].slice(0, QUESTION_MAX_CHARS).join('')}…` : firstLine;
  return (
    `Summary of ${incidentId ?? 'the conversation'}: you asked "${question}". ` +
    `The fake model read ${messages.length} message${messages.length === 1 ? '' : 's'}` +
    `${incidentId ? ` about ${incidentId}` : ''}. Next step: check the timeline and the latest change.`
  );
}

/** Cuts `text` into at most `pieces` parts of near-equal length, never inside a character. */
export function splitIntoChunks(text: string, pieces: number): string[] {
  const characters = [...text];
  const count = Math.max(1, Math.min(pieces, characters.length));
  const size = Math.ceil(characters.length / count);
  const out: string[] = [];
  for (let start = 0; start < characters.length; start += size) out.push(characters.slice(start, start + size).join(''));
  return out.length > 0 ? out : [''];
}

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `data: <json>\n\n`: one server-sent event. */
function sseEvent(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

interface ParsedCompletionRequest {
  readonly model: string;
  readonly messages: FakeModelMessage[];
  readonly stream: boolean;
}

class BadCompletionRequestError extends Error {
  override readonly name = 'BadCompletionRequestError';
}

function parseCompletionRequest(body: Buffer): ParsedCompletionRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadCompletionRequestError('We could not parse the JSON body of your request.');
  }
  if (!isRecord(parsed)) throw new BadCompletionRequestError('The request body must be a JSON object.');
  const { model, messages, stream } = parsed;
  if (typeof model !== 'string' || model === '') throw new BadCompletionRequestError("'model' is required and must be a non-empty string.");
  if (stream !== undefined && typeof stream !== 'boolean') throw new BadCompletionRequestError("'stream' must be a boolean.");
  if (!Array.isArray(messages) || messages.length === 0) throw new BadCompletionRequestError("'messages' must be a non-empty array.");
  const normalised = messages.map((message: unknown, index): FakeModelMessage => {
    if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.includes(message.role)) {
      throw new BadCompletionRequestError(`'messages[${index}].role' must be one of ${ROLES.join(', ')}.`);
    }
    const { content } = message;
    if (typeof content === 'string') return { role: message.role, content };
    // The API also takes content as parts; the text parts are what the fake reads.
    if (Array.isArray(content) && content.every((part) => isRecord(part) && part.type === 'text' && typeof part.text === 'string')) {
      return { role: message.role, content: content.map((part) => (part as Json).text as string).join('\n') };
    }
    throw new BadCompletionRequestError(`'messages[${index}].content' must be a string or an array of text parts.`);
  });
  return { model, messages: normalised, stream: stream === true };
}

function parseSettings(input: Json): FakeModelSettings {
  const unknown = Object.keys(input).filter((key) => !SETTING_FIELDS.includes(key));
  // Refused rather than ignored, so `behavior` (US spelling) does not silently leave `normal` on.
  if (unknown.length > 0) throw new FakeModelControlError(`unknown field(s) ${unknown.join(', ')}; known: ${SETTING_FIELDS.join(', ')}`);
  const base = defaults();
  if (typeof input.apiKey !== 'string' || input.apiKey === '' || input.apiKey.length > 256 || /\s/.test(input.apiKey)) {
    throw new FakeModelControlError('apiKey is required: 1..256 characters without spaces');
  }
  const integer = (field: string, fallback: number, min: number, max: number): number => {
    const value = input[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new FakeModelControlError(`${field} must be an integer ${min}..${max}`);
    return value;
  };
  const behaviour = input.behaviour ?? base.behaviour;
  if (!fakeModelBehaviours.includes(behaviour as FakeModelBehaviour)) throw new FakeModelControlError(`behaviour must be one of ${fakeModelBehaviours.join(', ')}`);
  if (input.reply !== undefined && (typeof input.reply !== 'string' || input.reply === '')) throw new FakeModelControlError('reply must be a non-empty string');
  return {
    apiKey: input.apiKey,
    chunks: integer('chunks', base.chunks, 1, 1000),
    chunkDelayMs: integer('chunkDelayMs', base.chunkDelayMs, 0, 60_000),
    behaviour: behaviour as FakeModelBehaviour,
    ...(typeof input.reply === 'string' ? { reply: input.reply } : {}),
    retryAfterSeconds: integer('retryAfterSeconds', base.retryAfterSeconds, 0, 3600),
  };
}

export class FakeModel {
  private settings: FakeModelSettings = defaults();
  private readonly received: FakeModelRequest[] = [];
  private seq = 0;

  reset(): void {
    this.settings = defaults();
    this.received.length = 0;
    this.seq = 0;
  }

  configure(input: Json): FakeModelSettings {
    this.settings = parseSettings(input);
    return this.settings;
  }

  current(): FakeModelSettings {
    return this.settings;
  }

  /** Oldest first. */
  requests(): readonly FakeModelRequest[] {
    return this.received;
  }

  /** `POST /_model/v1/chat/completions`; undefined for paths outside `/_model/`. */
  handle(req: SimRequest, ctx: SimContext): SimResponse | undefined {
    if (!req.path.startsWith('/_model/')) return undefined;
    if (req.path !== FAKE_MODEL_COMPLETIONS_PATH) return openAiError(404, `Unknown request URL: ${req.method} ${req.path}. The fake model serves POST ${FAKE_MODEL_COMPLETIONS_PATH}.`, 'invalid_request_error', 'unknown_url');
    if (req.method !== 'POST') return openAiError(405, `Method ${req.method} is not allowed; use POST.`, 'invalid_request_error', 'method_not_allowed');
    const settings = this.settings;
    const authOk = req.headers.authorization === `Bearer ${settings.apiKey}`;
    let parsed: ParsedCompletionRequest | undefined;
    let badBody: string | undefined;
    try {
      parsed = parseCompletionRequest(req.body);
    } catch (error) {
      if (!(error instanceof BadCompletionRequestError)) throw error;
      badBody = error.message;
    }
    const record: FakeModelRequest = {
      seq: ++this.seq,
      at: ctx.clock.now(),
      model: parsed?.model ?? null,
      messages: parsed?.messages ?? [],
      stream: parsed?.stream ?? false,
      authOk,
      behaviour: settings.behaviour,
      status: 0,
      outcome: 'answering',
    };
    this.received.push(record);
    const refuse = (response: SimResponse): SimResponse => {
      record.status = response.status;
      record.outcome = 'refused';
      return response;
    };
    // OpenAI checks the key before the body.
    if (!authOk) {
      return refuse(openAiError(401, 'Incorrect API key provided (the fake model expects the key set with PUT /_sim/model).', 'invalid_request_error', 'invalid_api_key'));
    }
    if (!parsed) return refuse(openAiError(400, badBody!, 'invalid_request_error', null));
    if (settings.behaviour === 'error500') return refuse(openAiError(500, 'The server had an error while processing your request (fake model behaviour error500).', 'server_error', null));
    if (settings.behaviour === 'error429') {
      return refuse(openAiError(429, 'Rate limit reached (fake model behaviour error429).', 'requests', 'rate_limit_exceeded', { 'retry-after': String(settings.retryAfterSeconds) }));
    }
    const content = settings.reply ?? fakeModelAnswer(parsed.messages);
    const id = `chatcmpl-sim${String(record.seq).padStart(6, '0')}`;
    const created = Math.floor(ctx.clock.now() / 1000);
    record.status = 200;
    return parsed.stream ? this.streamed(record, settings, parsed.model, id, created, content) : this.whole(record, settings, parsed, id, created, content);
  }

  private whole(record: FakeModelRequest, settings: FakeModelSettings, request: ParsedCompletionRequest, id: string, created: number, content: string): SimResponse {
    if (settings.behaviour === 'hang') {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        stream: async (_write, signal) => {
          await untilAborted(signal);
          record.outcome = 'aborted';
        },
      };
    }
    record.outcome = 'answered';
    if (settings.behaviour === 'garbage') return { status: 200, headers: { 'content-type': 'application/json' }, body: 'this is not JSON {' };
    const promptChars = request.messages.reduce((sum, m) => sum + m.content.length, 0);
    const promptTokens = Math.ceil(promptChars / 4);
    const completionTokens = Math.ceil(content.length / 4);
    return {
      status: 200,
      body: {
        id,
        object: 'chat.completion',
        created,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      },
    };
  }

  private streamed(record: FakeModelRequest, settings: FakeModelSettings, model: string, id: string, created: number, content: string): SimResponse {
    const chunk = (delta: Json, finishReason: string | null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
    const pieces = splitIntoChunks(content, settings.chunks);
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' },
      stream: async (write, signal) => {
        if (settings.behaviour === 'garbage') {
          write(sseEvent('this is not JSON {'));
          write(sseEvent('{"id": "chatcmpl-broken", "choices": ['));
          record.outcome = 'answered';
          return;
        }
        if (settings.behaviour === 'hang') {
          write(sseEvent(chunk({ role: 'assistant', content: pieces[0] }, null)));
          await untilAborted(signal);
          record.outcome = 'aborted';
          return;
        }
        for (const [index, piece] of pieces.entries()) {
          if (index > 0) await waitOrAbort(settings.chunkDelayMs, signal);
          if (signal.aborted) {
            record.outcome = 'aborted';
            return;
          }
          write(sseEvent(chunk(index === 0 ? { role: 'assistant', content: piece } : { content: piece }, null)));
        }
        write(sseEvent(chunk({}, 'stop')));
        write(sseEvent('[DONE]'));
        record.outcome = 'answered';
      },
    };
  }

  /** `PUT|GET /_sim/model`, `GET /_sim/model/requests`; undefined for other paths. */
  handleControl(req: SimRequest, parse: () => Json): SimResponse | undefined {
    if (req.path === '/_sim/model') {
      try {
        if (req.method === 'PUT') return { status: 200, body: { ok: true, settings: this.configure(parse()) } };
      } catch (error) {
        if (error instanceof FakeModelControlError) return { status: 400, body: { error: error.message } };
        throw error;
      }
      if (req.method === 'GET') return { status: 200, body: { settings: this.settings, baseUrlPath: '/_model/v1' } };
      return undefined;
    }
    if (req.path === '/_sim/model/requests' && req.method === 'GET') return { status: 200, body: { requests: this.received } };
    return undefined;
  }
}
