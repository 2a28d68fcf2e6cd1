/**
 * Sends platform callbacks to dutybridge the way the platforms do, with their retry schedules.
 * WeCom: "企业微信服务器在五秒内收不到响应会断掉连接，并且重新发起请求，总共重试三次" (DOC-90930), i.e.
 * one attempt plus up to 3 retries on timeout / connection failure; DOC-90238 adds that any
 * non-200 answer is treated as a failure and retried too.
 */
export interface CallbackAttempt {
  readonly attempt: number;
  readonly status?: number;
  readonly error?: string;
  readonly elapsedMs: number;
}

export interface CallbackOutcome {
  /** HTTP status of the last attempt, 0 when no attempt got an answer. */
  readonly status: number;
  readonly body: string;
  readonly attempts: readonly CallbackAttempt[];
  readonly delivered: boolean;
}

export interface CallbackPost {
  readonly fetch: typeof fetch;
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Per-attempt patience (WeCom 5000 ms). */
  readonly timeoutMs: number;
  /** Retries after the first attempt (WeCom 3). */
  readonly maxRetries: number;
  readonly retryOnHttpError?: boolean;
  /** Aborts everything when the simulator stops. */
  readonly stopSignal?: AbortSignal;
}

/** What the call log says about a delivery: nothing when the first attempt was answered. */
export function callbackDeliveryProblem(outcome: CallbackOutcome): string | undefined {
  if (!outcome.delivered) return `not delivered: ${outcome.attempts.map((a) => a.error ?? `HTTP ${a.status}`).join('; ')}`;
  if (outcome.attempts.length > 1) return `delivered after ${outcome.attempts.length} attempts`;
  return undefined;
}

export async function sendCallbackWithRetries(post: CallbackPost): Promise<CallbackOutcome> {
  const attempts: CallbackAttempt[] = [];
  let lastStatus = 0;
  let lastBody = '';
  for (let attempt = 1; attempt <= post.maxRetries + 1; attempt += 1) {
    if (post.stopSignal?.aborted) break;
    const controller = new AbortController();
    const onStop = () => controller.abort();
    post.stopSignal?.addEventListener('abort', onStop);
    const timer = setTimeout(() => controller.abort(), post.timeoutMs);
    const startedAt = Date.now();
    try {
      const response = await post.fetch(post.url, {
        method: post.method ?? 'POST',
        headers: post.headers,
        body: post.body,
        signal: controller.signal,
      });
      lastBody = await response.text();
      lastStatus = response.status;
      attempts.push({ attempt, status: response.status, elapsedMs: Date.now() - startedAt });
      if (response.status === 200 || post.retryOnHttpError === false) {
        return { status: lastStatus, body: lastBody, attempts, delivered: response.status === 200 };
      }
    } catch (error) {
      const timedOut = controller.signal.aborted && !post.stopSignal?.aborted;
      attempts.push({
        attempt,
        error: timedOut ? `timeout after ${post.timeoutMs} ms` : `connection failed: ${(error as Error).message}`,
        elapsedMs: Date.now() - startedAt,
      });
      lastStatus = 0;
      lastBody = '';
    } finally {
      clearTimeout(timer);
      post.stopSignal?.removeEventListener('abort', onStop);
    }
  }
  return { status: lastStatus, body: lastBody, attempts, delivered: false };
}
