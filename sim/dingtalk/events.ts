/**
 * HTTP-push events to dutybridge's events URL, sent and judged as DingTalk does (research §1, §3):
 * `POST <eventsUrl>?msg_signature=…&signature=…&timestamp=…&nonce=…` with `{"encrypt":"…"}`,
 * a camelCase payload plus `EventType` and `eventId`, encrypted with the app's Client ID as owner
 * key. The answer must be exactly `{msg_signature, timeStamp, nonce, encrypt}` decrypting to
 * "success"; otherwise DingTalk retries after 10 s and again 30 s later.
 */
import { z } from 'zod';
import { DingTalkCrypto } from '../../shared/crypto';
import { SimContext } from '../core/contract';
import { DingTalkControlError } from './errors';
import { AppState, EventAttempt, EventReportState } from './model';
import { DingTalkState } from './state';
import { isRecord, newHexId, parseJson, randomAlphanumeric, sleep } from './util';

/** `obtain-the-event-list-of-failed-push-messages`: 1st retry +10 s, 2nd retry +30 s. */
export const DINGTALK_EVENT_RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000];
/** Every pushed event must be answered within 2.5 s in HTTP mode (appendix-b). */
export const DINGTALK_EVENT_DEADLINE_MS = 2500;

export const EVENT_TYPES = ['check_url', 'im_cool_app_install', 'im_cool_app_uninstall', 'chat_update_title', 'chat_disband'] as const;
export type DingTalkEventType = (typeof EVENT_TYPES)[number];

export const eventRequestSchema = z.looseObject({
  clientId: z.string().min(1),
  eventType: z.enum(EVENT_TYPES),
  openConversationId: z.string().min(1).optional(),
  operator: z.string().min(1).optional(),
  title: z.string().min(1).optional(),
  coolAppCode: z.string().min(1).optional(),
  robotCode: z.string().min(1).optional(),
  /** Wait for the retries too (otherwise the answer comes after the first attempt). */
  wait: z.boolean().optional(),
});
export type DingTalkEventRequest = z.input<typeof eventRequestSchema>;

export interface EventSenderOptions {
  readonly retryDelaysMs: readonly number[];
  readonly deadlineMs: number;
}

/** Public view of an event push. */
export interface DingTalkEventReport {
  readonly eventId: string;
  readonly clientId: string;
  readonly eventType: string;
  readonly payload: Record<string, unknown>;
  readonly attempts: readonly EventAttempt[];
  readonly outcome: 'pending' | 'delivered' | 'failed';
}

const SUCCESS_MAP_KEYS = ['encrypt', 'msg_signature', 'nonce', 'timeStamp'];

/**
 * Judges dutybridge's answer. Stricter than DingTalk where DingTalk's tolerance is unknown:
 * `encrypt` must be single-line base64 and `timeStamp` 10 or 13 digits (a "749" was refused).
 */
export function judgeSuccessAnswer(status: number, text: string, crypto: DingTalkCrypto, ownerKey: string): string | undefined {
  if (status !== 200) return `HTTP ${status}, expected 200`;
  const parsed = parseJson(text);
  if (!parsed.ok || !isRecord(parsed.value)) return 'answer is not a JSON object';
  const answer = parsed.value;
  const keys = Object.keys(answer).sort();
  if (keys.join(',') !== SUCCESS_MAP_KEYS.join(',')) {
    return `answer keys are [${keys.join(', ')}]; exactly msg_signature, timeStamp (capital S), nonce, encrypt are required`;
  }
  for (const key of SUCCESS_MAP_KEYS) if (typeof answer[key] !== 'string') return `${key} must be a string`;
  const { msg_signature: signature, timeStamp, nonce, encrypt } = answer as Record<string, string>;
  if (!/^(\d{10}|\d{13})$/.test(timeStamp)) return `timeStamp "${timeStamp}" is not a 13-digit millisecond (or 10-digit second) time`;
  if (nonce === '') return 'nonce is empty';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypt)) return 'encrypt is not single-line standard base64';
  if (crypto.signature(timeStamp, nonce, encrypt) !== signature) return 'msg_signature is not sha1(sort(token, timeStamp, nonce, encrypt))';
  let message: string;
  try {
    message = crypto.decrypt(encrypt).message;
  } catch (error) {
    return `encrypt does not decrypt with the app's aesKey and owner key ${ownerKey} (${(error as Error).message})`;
  }
  if (message !== 'success') return `encrypt decrypts to ${JSON.stringify(message.slice(0, 40))}, not "success"`;
  return undefined;
}

function requireField<T>(value: T | undefined, field: string, eventType: string): T {
  if (value === undefined) throw new DingTalkControlError(400, `${eventType} needs ${field}`);
  return value;
}

/** Builds the decrypted payload and applies the event's effect on the simulated org. */
export function buildEventPayload(
  state: DingTalkState,
  app: AppState,
  ctx: SimContext,
  request: z.output<typeof eventRequestSchema>,
  eventId: string,
): Record<string, unknown> {
  const now = ctx.clock.now();
  if (request.eventType === 'check_url') return { EventType: 'check_url' };
  const { corpId } = app.config;
  const openConversationId = requireField(request.openConversationId, 'openConversationId', request.eventType);
  const group = state.groups.get(openConversationId);
  if (!group || group.corpId !== corpId) throw new DingTalkControlError(404, `no group ${openConversationId} in org ${corpId}`);
  const operatorId = requireField(request.operator, 'operator', request.eventType);
  const operator = state.findUser(app, ctx, operatorId);
  if (!operator) throw new DingTalkControlError(400, `operator ${operatorId} is not in org ${corpId}`);
  const common = { EventType: request.eventType, eventId, EventTime: now, timeStamp: now, CorpId: corpId, corpId, BizId: String(now), openConversationId };
  switch (request.eventType) {
    case 'chat_update_title': {
      const title = requireField(request.title, 'title', request.eventType);
      group.title = title;
      return { ...common, chatId: group.chatId, title, operator: operator.userId, operatorUnionId: operator.unionId ?? '' };
    }
    case 'chat_disband':
      group.disbanded = true;
      return { ...common, chatId: group.chatId, operator: operator.userId, operatorUnionId: operator.unionId ?? '' };
    case 'im_cool_app_install': {
      const coolAppCode = requireField(request.coolAppCode, 'coolAppCode', request.eventType);
      const robotCode = request.robotCode ?? app.config.robotCode;
      group.coolApp = { coolAppCode, robotCode };
      return { ...common, coolAppCode, robotCode, operateTime: now, openConversationCorpId: corpId, operator: operator.userId };
    }
    case 'im_cool_app_uninstall': {
      const coolAppCode = requireField(request.coolAppCode, 'coolAppCode', request.eventType);
      if (group.coolApp?.coolAppCode !== coolAppCode) throw new DingTalkControlError(400, `cool app ${coolAppCode} is not installed in ${openConversationId}`);
      const robotCode = group.coolApp.robotCode;
      group.coolApp = undefined;
      return { ...common, coolAppCode, robotCode, operateTime: now, openConversationCorpId: corpId, operator: operator.userId };
    }
  }
}

async function pushOnce(app: AppState, payload: Record<string, unknown>, crypto: DingTalkCrypto, ctx: SimContext, deadlineMs: number): Promise<{ status: number; why?: string }> {
  const timestamp = String(ctx.clock.now());
  const nonce = randomAlphanumeric(8);
  const encrypt = crypto.encrypt(JSON.stringify(payload));
  const signature = crypto.signature(timestamp, nonce, encrypt);
  const url = new URL(app.config.eventsUrl);
  // A real push carried both spellings of the signature (crypto issue #9).
  url.searchParams.set('msg_signature', signature);
  url.searchParams.set('signature', signature);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  let status = 0;
  let text = '';
  try {
    const response = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt }),
      signal: AbortSignal.timeout(deadlineMs),
      redirect: 'manual', // "No forwarding or redirects" (http-callback-overview)
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const name = (error as Error).name;
    return { status: 0, why: name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${deadlineMs} ms` : `connection failed: ${(error as Error).message}` };
  }
  return { status, why: judgeSuccessAnswer(status, text, crypto, app.config.clientId) };
}

/** Sends the event with DingTalk's retry schedule; resolves when the outcome is final. */
export async function deliverEvent(
  app: AppState,
  ctx: SimContext,
  report: EventReportState,
  options: EventSenderOptions,
  onFirstAttempt?: () => void,
): Promise<void> {
  const crypto = new DingTalkCrypto({ token: app.config.token, aesKey: app.config.aesKey, ownerKey: app.config.clientId });
  const startedAt = Date.now();
  const schedule = [0, ...options.retryDelaysMs];
  for (let index = 0; index < schedule.length; index += 1) {
    if (index > 0) await sleep(schedule[index] as number);
    const { status, why } = await pushOnce(app, report.payload, crypto, ctx, options.deadlineMs);
    report.attempts.push({ attempt: index + 1, afterMs: Date.now() - startedAt, status, passed: why === undefined, ...(why ? { why } : {}) });
    ctx.record({
      platform: 'dingtalk',
      endpoint: `push:event/${report.eventType}`,
      method: 'POST',
      path: new URL(app.config.eventsUrl).pathname,
      query: {},
      requestBody: report.payload,
      status,
      resultCode: why === undefined ? 'ok' : 'fail',
      responseBody: undefined,
      reason: why === undefined ? undefined : `event ${report.eventId} attempt ${index + 1}: ${why}`,
      metered: false,
    });
    if (why === undefined) {
      report.outcome = 'delivered';
    } else {
      ctx.log(`dingtalk event ${report.eventType} ${report.eventId} attempt ${index + 1} failed: ${why}`);
      if (index === schedule.length - 1) report.outcome = 'failed';
    }
    if (index === 0) onFirstAttempt?.();
    if (why === undefined) return;
  }
}

export function newEventReport(clientId: string, eventType: string, payload: Record<string, unknown>, eventId: string): EventReportState {
  return { eventId, clientId, eventType, payload, attempts: [], outcome: 'pending' };
}

export function newEventId(): string {
  return newHexId();
}
