/**
 * WeCom group robot webhook (DOC-99110): `POST <webhook URL>` (`…/cgi-bin/webhook/send?key=KEY`),
 * JSON, UTF-8. The key is the robot's only credential: the URL is never logged. HTTP 200 alone
 * means nothing; the errcode is classified (shared/domain/group-bot.ts).
 */
import type { WeComRobotSender } from '../../application/group-bots';
import { classifyWeComRobot, type BotOutcome } from '../../domain/group-bot';

const TIMEOUT_MS = 5000;

export class WeComRobotClient implements WeComRobotSender {
  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  async send(webhookUrl: string, body: Readonly<Record<string, unknown>>): Promise<BotOutcome> {
    let response: Response;
    try {
      response = await this.fetchImpl(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return { kind: 'retry', reasonCode: 'transient_error', reason: timedOut ? `no answer from the WeCom robot within ${TIMEOUT_MS} ms` : 'network failure reaching the WeCom robot', retryAfterMs: 1000 };
    }
    const text = await response.text();
    if (response.status >= 500) return { kind: 'retry', reasonCode: 'transient_error', reason: `WeCom answered HTTP ${response.status}`, retryAfterMs: 1000 };
    let parsed: { errcode?: unknown; errmsg?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed.errcode !== 'number') return { kind: 'retry', reasonCode: 'transient_error', reason: `WeCom answered HTTP ${response.status} without an errcode`, retryAfterMs: 1000 };
    return classifyWeComRobot(parsed.errcode, typeof parsed.errmsg === 'string' ? parsed.errmsg : '');
  }
}
