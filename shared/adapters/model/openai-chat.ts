/**
 * A streamed chat completion from any OpenAI-compatible endpoint (issue 15): POST
 * `<baseUrl>/chat/completions` with `stream: true`, read as Server-Sent Events: `data: <chunk JSON>`
 * lines whose `choices[0].delta.content` add to the answer, ended by `data: [DONE]`. This is the
 * shape Amazon Bedrock's OpenAI-compatible endpoint, DeepSeek, Qwen (DashScope compatible mode),
 * Moonshot and local servers (vLLM, Ollama) answer with.
 *
 * No client library: the official `openai` package alone is larger than a function's bundle budget,
 * and the protocol here is one request and a line reader (./sse.ts, tested on its own).
 *
 * Every failure is a ModelCallError, so the caller can fall back to the deterministic answer:
 * `timeout` when the caller's signal aborts (AbortSignal.timeout), `http` for a non-2xx answer
 * (status kept; the body's message is kept short and never includes the key), `protocol` for a body
 * that is not the expected stream, `network` when the connection fails.
 */
import { ModelCallError, type ChatMessage, type ChatModel } from '../../application/smart-bot-ports';
import { readSse } from './sse';

export interface OpenAiChatModelOptions {
  /** Base URL ending before `/chat/completions`, e.g. `https://api.deepseek.com/v1`. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey: string;
  /** Longest answer kept, in characters (a runaway model must not grow memory without bound); default 32,768. */
  readonly maxChars?: number;
  /** Sampling temperature sent to the model; default 0.2 (summaries, not creativity). */
  readonly temperature?: number;
  readonly fetch?: typeof fetch;
}

const DEFAULT_MAX_CHARS = 32_768;

export class OpenAiChatModel implements ChatModel {
  private readonly url: string;

  constructor(private readonly options: OpenAiChatModelOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async complete(input: { readonly messages: readonly ChatMessage[]; readonly signal: AbortSignal; readonly onText?: (cumulative: string) => void | Promise<void> }): Promise<string> {
    const { signal } = input;
    try {
      const response = await (this.options.fetch ?? fetch)(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${this.options.apiKey}` },
        body: JSON.stringify({ model: this.options.model, messages: input.messages, stream: true, temperature: this.options.temperature ?? 0.2 }),
        signal,
      });
      if (!response.ok) throw new ModelCallError('http', `model answered HTTP ${response.status}: ${await errorMessage(response)}`, response.status);
      if (!response.body) throw new ModelCallError('protocol', 'model answered without a body');
      const type = response.headers.get('content-type') ?? '';
      // A server that ignores `stream: true` answers one chat.completion JSON: take it as is.
      if (type.includes('application/json')) return this.whole(await response.json().catch(() => undefined));
      if (!type.includes('text/event-stream')) throw new ModelCallError('protocol', `model answered content-type "${type}", not an event stream`);
      return await this.stream(response.body, input.onText);
    } catch (error) {
      throw asModelCallError(error, signal);
    }
  }

  private async stream(body: ReadableStream<Uint8Array>, onText?: (cumulative: string) => void | Promise<void>): Promise<string> {
    const maxChars = this.options.maxChars ?? DEFAULT_MAX_CHARS;
    let text = '';
    let ended = false;
    for await (const event of readSse(body)) {
      if (event.data === '[DONE]') {
        ended = true;
        break;
      }
      const chunk = parseJson(event.data);
      if (chunk === undefined) throw new ModelCallError('protocol', 'model sent an event that is not JSON');
      const failure = errorOf(chunk);
      if (failure) throw new ModelCallError('http', `model reported an error mid-stream: ${failure}`);
      const choice = firstChoice(chunk);
      const piece = choice?.delta?.content;
      if (typeof piece === 'string' && piece.length > 0) {
        text += piece;
        if (text.length >= maxChars) {
          text = text.slice(0, maxChars);
          ended = true;
        }
        await onText?.(text);
        if (ended) break;
      }
      // Some servers end with finish_reason and close without [DONE].
      if (typeof choice?.finish_reason === 'string') ended = true;
    }
    if (!ended) throw new ModelCallError('protocol', 'model stream ended before it was complete');
    if (text.trim() === '') throw new ModelCallError('protocol', 'model answered with no text');
    return text;
  }

  private whole(body: unknown): string {
    const content = (firstChoice(body) as { message?: { content?: unknown } } | undefined)?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new ModelCallError('protocol', 'model answer has no choices[0].message.content');
    return content.slice(0, this.options.maxChars ?? DEFAULT_MAX_CHARS);
  }
}

interface ChunkChoice {
  readonly delta?: { readonly content?: unknown };
  readonly finish_reason?: unknown;
}

function firstChoice(body: unknown): ChunkChoice | undefined {
  const choices = (body as { choices?: unknown } | undefined)?.choices;
  return Array.isArray(choices) && choices.length > 0 ? (choices[0] as ChunkChoice) : undefined;
}

function errorOf(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (error === undefined || error === null) return undefined;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message.slice(0, 200) : 'unknown error';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return errorOf(parseJson(text)) ?? (text.slice(0, 200) || response.statusText);
}

function asModelCallError(error: unknown, signal: AbortSignal): ModelCallError {
  if (signal.aborted) return new ModelCallError('timeout', 'model did not answer in time');
  if (error instanceof ModelCallError) return error;
  // readSse's line limit, a body that broke off, a refused connection: the model is unusable now.
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof Error && error.name === 'SseLimitError' ? new ModelCallError('protocol', message) : new ModelCallError('network', `model unreachable: ${message}`);
}
