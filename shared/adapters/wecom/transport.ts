/**
 * One WeCom HTTP exchange, shared by the app client and the suite client: the request with a
 * deadline, and everything that can go wrong before an errcode is read — no answer, a cut-off
 * answer, a non-200 status, a body that is not JSON. Errors name the endpoint only: the URL holds
 * a token and the body may hold a secret (DOC-90313 classes: transient → retry, wrong base → permanent).
 */
import { WeComPermanentError, WeComRetryableError } from './errors';

export interface WeComHttpCall {
  readonly endpoint: string;
  readonly method: 'GET' | 'POST';
  readonly query?: Record<string, string>;
  readonly body?: unknown;
}

/** The parsed JSON answer of `${apiBase}/cgi-bin/${endpoint}`; its errcode is the caller's to judge. */
export async function fetchWeComJson(
  call: WeComHttpCall,
  options: { readonly apiBase: string; readonly fetchImpl: typeof fetch; readonly timeoutMs: number; readonly wrongBaseHint: string },
): Promise<unknown> {
  const { endpoint } = call;
  const retry = (reason: string) => new WeComRetryableError({ endpoint, errcode: undefined, errmsg: '', reason });
  const url = `${options.apiBase}/cgi-bin/${endpoint}${call.query ? `?${new URLSearchParams(call.query).toString()}` : ''}`;
  let response: Response;
  try {
    response = await options.fetchImpl(url, {
      method: call.method,
      headers: call.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    // Checked by name: the abort's DOMException may come from another realm than this Error.
    const name = errorName(error);
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw retry(timedOut ? `no answer within ${options.timeoutMs} ms` : `network failure (${networkFailureCode(error)})`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw retry(`the answer was cut off (HTTP ${response.status})`);
  }
  if (response.status !== 200) {
    const reason = `HTTP ${response.status} from WeCom`;
    // 5xx, 408 and 429 are passing trouble; other statuses mean the apiBase or path is wrong.
    if (response.status >= 500 || response.status === 408 || response.status === 429) throw retry(reason);
    throw new WeComPermanentError({ endpoint, errcode: undefined, errmsg: '', reason: `${reason}; ${options.wrongBaseHint}` });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw retry('the answer is not JSON (a proxy or gateway page?)');
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : undefined;
}

/** e.g. ECONNREFUSED: undici puts the socket error under `cause`. */
function networkFailureCode(error: unknown): string {
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: { code?: unknown } }).cause : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return errorName(error) ?? 'unknown';
}
