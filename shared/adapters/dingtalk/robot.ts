/**
 * DingTalk custom robot webhook (dingtalk.md §6): `POST https://oapi.dingtalk.com/robot/send?
 * access_token=…`, with signing `&timestamp=<ms>&sign=urlEncode(base64(HmacSHA256(secret,
 * timestamp+"\n"+secret)))` computed per request (a cached timestamp fails after 1 h with 310000).
 * The errcode is classified (shared/domain/group-bot.ts); a failure throws a DingTalkApiError so
 * dispatch treats it like every other DingTalk call. The URL (access_token) is never logged.
 */
import { dingTalkRobotSign } from '../../crypto';
import { classifyDingTalkRobot, type BotSecrets } from '../../domain/group-bot';
import { DingTalkApiError } from './errors';

const TIMEOUT_MS = 5000;
const ENDPOINT = 'oapi:/robot/send';

/** The webhook URL with a fresh timestamp and sign (URL-encoded exactly once, by URLSearchParams). */
export function signedRobotUrl(secrets: BotSecrets, nowMs: number): string {
  const url = new URL(secrets.webhookUrl);
  if (secrets.signSecret) {
    const timestamp = String(nowMs);
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('sign', dingTalkRobotSign(secrets.signSecret, timestamp));
  }
  return url.toString();
}

export async function postDingTalkRobot(secrets: BotSecrets, body: Readonly<Record<string, unknown>>, options: { fetchImpl?: typeof fetch; nowMs?: () => number } = {}): Promise<void> {
  const fetchImpl = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(signedRobotUrl(secrets, (options.nowMs ?? Date.now)()), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new DingTalkApiError('retry', timedOut ? `no answer within ${TIMEOUT_MS} ms` : 'network failure', { endpoint: ENDPOINT, answered: false, retryAfterMs: 1000 });
  }
  const text = await response.text();
  let parsed: { errcode?: unknown; errmsg?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  // The doc sample shows errcode as a string ("0"); treat it as a number.
  const errcode = parsed && (typeof parsed.errcode === 'number' || typeof parsed.errcode === 'string') ? Number(parsed.errcode) : Number.NaN;
  if (!Number.isFinite(errcode)) {
    // During the 10-minute block DingTalk is reported to answer HTTP 302 instead of JSON.
    if (response.status === 302) throw new DingTalkApiError('throttled', 'HTTP 302 (robot blocked for sending too fast)', { endpoint: ENDPOINT, httpStatus: 302, answered: true, retryAfterMs: 10 * 60_000 });
    throw new DingTalkApiError('retry', `HTTP ${response.status} without an errcode`, { endpoint: ENDPOINT, httpStatus: response.status, answered: response.status < 500 });
  }
  const outcome = classifyDingTalkRobot(errcode, typeof parsed?.errmsg === 'string' ? parsed.errmsg : '');
  if (outcome.kind === 'ok') return;
  throw new DingTalkApiError(outcome.kind, outcome.reason, { endpoint: ENDPOINT, httpStatus: response.status, code: errcode, answered: true, ...(outcome.retryAfterMs ? { retryAfterMs: outcome.retryAfterMs } : {}) });
}
