/**
 * Imported first by bench/cost.ts, before any handler module loads: the functions log at INFO and
 * publish metrics (EMF) as they do on Lambda (LOG_LEVEL=INFO in lib/constructs/dutybridge-function.ts),
 * because log bytes are part of the bill. Everything the process writes to stdout/stderr is counted
 * and swallowed (the bench prints through `print`), and every fetch is seen, so a call made inside
 * an invocation counts as a platform API call of that invocation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
// A call held back by the QPS limiter waits at most this long in the queue, so the sample ends.
process.env.QUEUE_RETRY_MAX_SECONDS ??= '5';

/** The invocation a piece of async work belongs to (set by the handler wrapper in cost-meter.ts). */
export interface Invocation {
  readonly fn: string;
  /** Assumed network time of the AWS calls it made (added to the measured duration). */
  awsMs: number;
  platformCalls: number;
  /** Wall time with at least one AWS or platform call outstanding: local servers, not Lambda compute. */
  waitedMs: number;
  outstanding: number;
  waitStartedAt: number;
}

export const invocationScope = new AsyncLocalStorage<Invocation>();

/**
 * Runs an outgoing call, timing it as waiting of the current invocation: the bench replaces that
 * local wait (dynalite, fauxqs and the simulator share this thread) with modelled network time.
 */
export async function awaitingCall<T>(call: () => Promise<T>): Promise<T> {
  const invocation = invocationScope.getStore();
  if (!invocation) return call();
  if (invocation.outstanding++ === 0) invocation.waitStartedAt = performance.now();
  try {
    return await call();
  } finally {
    if (--invocation.outstanding === 0) invocation.waitedMs += performance.now() - invocation.waitStartedAt;
  }
}

/** Filled in by the meter; no-ops until then. */
export const outputSink = {
  log: (_bytes: number, _text: string): void => undefined,
  fetched: (_requestBytes: number, _responseBytes: number): void => undefined,
};

const writeStdout = process.stdout.write.bind(process.stdout);
const writeStderr = process.stderr.write.bind(process.stderr);

/** The bench's own output, past the capture. */
export function print(line = '', stream: 'stdout' | 'stderr' = 'stdout'): void {
  (stream === 'stdout' ? writeStdout : writeStderr)(`${line}\n`);
}

function capture(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  outputSink.log(Buffer.byteLength(text), text);
  const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
  if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
  return true;
}
process.stdout.write = capture as typeof process.stdout.write;
process.stderr.write = capture as typeof process.stderr.write;

const realFetch = globalThis.fetch;
const bodyBytes = (body: unknown): number => (typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : 0);
globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const response = await awaitingCall(() => realFetch(input, init));
  if (invocationScope.getStore()) outputSink.fetched(bodyBytes(init?.body), Number(response.headers.get('content-length') ?? 0));
  return response;
};
