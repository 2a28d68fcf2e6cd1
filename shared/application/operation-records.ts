/**
 * Operation records (shared/domain/operation-log.ts) from what the use cases learn: the platforms'
 * answers mapped to a reason code and a reason in plain words that names the fix, per recipient
 * where the platform answers per recipient.
 *
 * Two ways in, one log:
 *  - use cases that know the outcome of a delivery append its records and await the write
 *    (`OperationLog.append`): WeCom sends and updates, DingTalk calls in dispatch;
 *  - decisions not to deliver that the use cases hand to their `record(outcome, details)` sink as
 *    operation details (shared/application/drops.ts) are taken from the sink by OperationRecorder,
 *    whose writes start at once and are awaited by `settle()` before the invocation ends (a Lambda
 *    freezes work left running after it returns).
 * Writing the log never fails a delivery: a failed write is reported to `onError` and dropped.
 */
import { operationRecordSchema, type OperationLogQuery, type OperationReasonCode, type OperationRecord, type OperationResult } from '../domain/operation-log';
import type { ConversationTarget, OutgoingCall } from '../domain/outgoing-call';
import type { DispatchOutcome } from './dispatch';
import type { DingTalkCallFailure } from './dispatch-ports';
import type { OperationLog, WeComCallFailure } from './ports';

type RecordSink = (outcome: string, details: Record<string, unknown>) => void;

/** Where a record belongs, shared by the records of one delivery. */
export interface OperationContext {
  readonly incidentId?: string;
  readonly integrationId: string;
  readonly platform: 'wecom' | 'dingtalk';
  readonly channel?: string;
  readonly requestKind?: string;
  /** The app needs API access licenses (a WeCom suite app): 81013 may mean nobody had one. */
  readonly licensesApply?: boolean;
}

const MAX_REASON = 1000;

function make(atMs: number, ctx: OperationContext, result: OperationResult, reasonCode: OperationReasonCode, reason: string, extra: { recipient?: string; platformCode?: string | number } = {}): OperationRecord {
  return {
    atMs,
    result,
    reasonCode,
    reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason,
    ...(ctx.incidentId ? { incidentId: ctx.incidentId } : {}),
    integrationId: ctx.integrationId,
    platform: ctx.platform,
    ...(ctx.channel ? { channel: ctx.channel } : {}),
    ...(ctx.requestKind ? { requestKind: ctx.requestKind } : {}),
    ...(extra.recipient ? { recipient: extra.recipient } : {}),
    ...(extra.platformCode !== undefined ? { platformCode: extra.platformCode } : {}),
  };
}

// ---- WeCom ------------------------------------------------------------------------------------

/** The reason code of a WeCom errcode. */
export function weComReasonCode(errcode: number | undefined, kind?: WeComCallFailure['kind']): OperationReasonCode {
  switch (errcode) {
    case 48002:
    case 60011:
    case 301002:
      return 'permission_missing';
    case 60020:
      return 'untrusted_ip';
    // No API access license for the member (接口调用许可, DOC-95652): third-party and 代开发 apps.
    case 701099:
      return 'not_licensed';
    case 60111:
    case 81013:
    case 46004:
    case 82001:
      return 'invalid_user';
    case 93000:
    case 93004:
      return 'robot_removed';
    case 45002:
    case 40058:
      return 'message_too_long';
    case 40008:
    case 42017:
    case 42018:
    case 44004:
      return 'template_error';
    case 45009:
    case 45011:
    case 45033:
      return 'qps_throttled';
  }
  if (kind === 'throttled') return 'qps_throttled';
  if (kind === 'retry' || kind === 'token') return 'transient_error';
  return 'platform_error';
}

/** What to do about a WeCom refusal, in plain words (the errcode's meaning comes with the failure). */
export function weComFix(code: OperationReasonCode, integrationId: string): string {
  switch (code) {
    case 'permission_missing':
      return `give the app the permission and put the members in its visible range (WeCom admin console → the app of ${integrationId} → 可见范围)`;
    case 'untrusted_ip':
      return "add dutybridge's egress IP to the app's trusted IPs (企业可信IP) in the WeCom admin console";
    case 'invalid_user':
      return `the linked WeCom userid does not exist, is outside the app's visible range or (third-party apps, 81013 when nobody is deliverable) has no license: fix the link with \`npx dutybridge links set --integration ${integrationId} …\`, widen the visible range, or activate the member's license (\`npx dutybridge licenses show --integration ${integrationId}\`)`;
    case 'not_licensed':
      return `WeCom license not activated: activate an API access license (基础账号) for the member in the provider console (接口调用许可); \`npx dutybridge licenses show --integration ${integrationId}\` shows the trial end and the active accounts`;
    case 'robot_removed':
      return 'add the robot to the group again and update its webhook';
    case 'message_too_long':
      return 'shorten the incident title or description';
    case 'template_error':
      return 'the card was refused as malformed: report it with this record';
    case 'qps_throttled':
      return 'WeCom rate-limited the app; dutybridge retries later';
    case 'quota_exhausted':
      return "the app's daily message quota is used up; WeCom accepts messages again tomorrow";
    case 'transient_error':
      return 'WeCom was busy or unreachable; dutybridge retries';
    default:
      return 'see the WeCom error code documentation';
  }
}

export interface WeComSendAnswer {
  readonly invalidUsers: readonly string[];
  readonly unlicensedUsers?: readonly string[];
}

/**
 * One record per recipient of a message/send that WeCom answered: delivered, or refused for that
 * person (`invaliduser`: unknown or outside the visible range; `unlicenseduser`: no license).
 * `emailOf` maps a userid back to the member's email when the link is known.
 */
export function weComSendRecords(atMs: number, ctx: OperationContext, userIds: readonly string[], answer: WeComSendAnswer, emailOf: (userId: string) => string | undefined): OperationRecord[] {
  const invalid = new Set(answer.invalidUsers.map((u) => u.toLowerCase()));
  const unlicensed = new Set((answer.unlicensedUsers ?? []).map((u) => u.toLowerCase()));
  return userIds.map((userId) => {
    const email = emailOf(userId);
    const who = email ? `${email} (WeCom userid ${userId})` : `WeCom userid ${userId}`;
    const recipient = email ?? userId;
    if (unlicensed.has(userId.toLowerCase())) {
      return make(atMs, ctx, 'failed', 'not_licensed', `WeCom license not activated: ${who} did not get the card (message/send listed them in unlicenseduser). Activate an API access license (基础账号) for them: for a third-party app the provider does it (provider console → 接口调用许可; \`dutybridge licenses show --integration ${ctx.integrationId}\` lists the active accounts and the trial end), otherwise the corp's admin (账号许可). The next card then reaches them.`, { recipient });
    }
    if (invalid.has(userId.toLowerCase())) {
      return make(atMs, ctx, 'failed', 'invalid_user', `${who} did not get the card: WeCom listed the userid as invalid (invaliduser). ${capitalise(weComFix('invalid_user', ctx.integrationId))}.`, { recipient });
    }
    return make(atMs, ctx, 'sent', 'delivered', `card delivered to ${who}`, { recipient });
  });
}

/** A batch WeCom had already taken (42014: task_id used): delivered by an earlier attempt. */
export function weComAlreadyDeliveredRecords(atMs: number, ctx: OperationContext, userIds: readonly string[], emailOf: (userId: string) => string | undefined): OperationRecord[] {
  return userIds.map((userId) => {
    const email = emailOf(userId);
    return make(atMs, ctx, 'sent', 'already_delivered', `card to ${email ?? `WeCom userid ${userId}`} was delivered by an earlier attempt (WeCom: task_id already used, 42014); not sent twice`, { recipient: email ?? userId, platformCode: 42014 });
  });
}

/** One record per card update of a WeCom task (its recipients share one response code). */
export function weComUpdateRecord(atMs: number, ctx: OperationContext, taskId: string, recipients: number, result: 'updated' | 'stale'): OperationRecord {
  return result === 'updated'
    ? make(atMs, ctx, 'sent', 'updated', `card of task ${taskId} updated for its ${recipients} recipient(s)`)
    : make(
        atMs,
        ctx,
        'dropped',
        'card_stale',
        `card of task ${taskId} (${recipients} recipient(s)) shows an old state: WeCom allows one update per response code and none is left. It catches up when someone clicks Refresh Status on it.`,
      );
}

/** One record per recipient of a WeCom call that failed as a whole. */
export function weComFailureRecords(atMs: number, ctx: OperationContext, userIds: readonly string[], failure: WeComCallFailure, emailOf: (userId: string) => string | undefined): OperationRecord[] {
  const code = weComReasonCode(failure.errcode, failure.kind);
  const retrying = failure.kind !== 'permanent';
  const result: OperationResult = retrying ? 'retrying' : 'failed';
  return userIds.map((userId) => {
    const email = emailOf(userId);
    const who = email ? `${email} (WeCom userid ${userId})` : `WeCom userid ${userId}`;
    const what = retrying ? `the card to ${who} is not sent yet` : `${who} did not get the card`;
    // 81013 = nobody in the send was deliverable; for a suite app WeCom counts members without a
    // license among them (DOC-90372), so a one-person send to an unlicensed member ends here.
    const licenseHint = failure.errcode === 81013 && ctx.licensesApply ? 'WeCom license not activated, or not a member in the app\'s visible range: ' : '';
    return make(atMs, ctx, result, code, `${licenseHint}${what}: WeCom refused ${ctx.requestKind ?? 'the call'}: ${failure.reason}. ${capitalise(weComFix(code, ctx.integrationId))}.`, {
      recipient: email ?? userId,
      ...(failure.errcode !== undefined ? { platformCode: failure.errcode } : {}),
    });
  });
}

// ---- DingTalk (dispatch) ----------------------------------------------------------------------

/** The reason code of a DingTalk failure. */
export function dingTalkReasonCode(failure: Pick<DingTalkCallFailure, 'kind' | 'code' | 'message'>): OperationReasonCode {
  if (failure.kind === 'quota') return 'quota_exhausted';
  if (failure.kind === 'throttled') return 'qps_throttled';
  if (failure.kind === 'retry' || failure.kind === 'token') return 'transient_error';
  const code = String(failure.code ?? '').toLowerCase();
  const text = failure.message.toLowerCase();
  // Custom robot (group bot) errcodes (dingtalk.md §6).
  if (code === '310000') return 'robot_security_failed';
  if (['400101', '400102', '400106'].includes(code)) return 'robot_removed';
  if (code === '400013') return 'group_unavailable';
  if (/permission|accessdenied|forbidden/.test(code) || code === '60011' || /permission|无权限|not authori[sz]ed/.test(text)) return 'permission_missing';
  if (/\bip\b/.test(text) && /white|allow|trust/.test(text)) return 'untrusted_ip';
  if (/template|callbackroutekey/.test(code) || /template|callbackroutekey/.test(text)) return 'template_error';
  if (code === '60121' || code === '33012' || /(user|staff)\w*.{0,20}(not (exist|found)|invalid)|invalid.{0,10}(user|staff)/.test(text)) return 'invalid_user';
  if (/(robot|chatbot).{0,30}(removed|not (exist|found)|invalid)/.test(text)) return 'robot_removed';
  if (/too long|too large|exceed\w* .{0,20}length/.test(text)) return 'message_too_long';
  return 'platform_error';
}

export function dingTalkFix(code: OperationReasonCode): string {
  switch (code) {
    case 'permission_missing':
      return 'grant the app the permission in the DingTalk developer console (cards: Card.Streaming.Write / Card.Instance.Write; robot messages: the robot permission) and publish a new version';
    case 'untrusted_ip':
      return "add dutybridge's egress IP to the app's IP allowlist in the DingTalk developer console";
    case 'template_error':
      return 'check the integration\u2019s cardTemplateId and that the template is published (shared/adapters/dingtalk/card-template)';
    case 'invalid_user':
      return 'the linked DingTalk userId is not in the org: fix the link with `npx dutybridge links set …`';
    case 'robot_removed':
      return 'add the app\u2019s robot (cool app) to the group again';
    case 'message_too_long':
      return 'shorten the incident title or description';
    case 'quota_exhausted':
      return 'the org\u2019s monthly DingTalk API quota is used up: buy more calls or wait for next month (Critical incidents keep going out until 100 %)';
    case 'quota_deferred':
      return 'more than 95 % of the monthly quota is used: only Critical calls go out now; this one goes out in the 10-minute digest';
    case 'qps_throttled':
      return 'DingTalk rate-limited the app; dutybridge retries after a short wait';
    case 'transient_error':
      return 'DingTalk was busy or unreachable; dutybridge retries';
    default:
      return 'see the DingTalk error code documentation';
  }
}

/** Where a DingTalk call went: one entry per recipient (email when known) or one for the call. */
function dingTalkRecipients(call: OutgoingCall): { key?: string; recipient?: string; label: string }[] {
  const emails = call.recipientEmails ?? {};
  const ofTarget = (t: ConversationTarget) =>
    t.type === 'group'
      ? { key: `group:${t.openConversationId}`, recipient: t.openConversationId, label: `group ${t.openConversationId}` }
      : { key: `user:${t.userId}`, recipient: emails[t.userId] ?? t.userId, label: emails[t.userId] ? `${emails[t.userId]} (DingTalk userId ${t.userId})` : `DingTalk userId ${t.userId}` };
  switch (call.kind) {
    case 'dingtalk.createAndDeliver':
      return call.payload.targets.map(ofTarget);
    case 'dingtalk.oneToOneMessage':
      return call.payload.userIds.map((userId) => ofTarget({ type: 'user', userId }));
    case 'dingtalk.groupMessage':
      return [ofTarget({ type: 'group', openConversationId: call.payload.openConversationId })];
    case 'dingtalk.updateCard':
      return [{ label: `the cards of ${call.payload.outTrackId}` }];
    case 'dingtalk.robotWebhook':
      return [{ recipient: `bot:${call.payload.bot}`, label: `group bot ${call.payload.bot}` }];
    case 'dingtalk.sceneGroupCreate':
      return [{ label: `scene group "${call.payload.title}" (uuid ${call.payload.uuid})` }];
    case 'dingtalk.sceneGroupAddMembers':
    case 'dingtalk.sceneGroupRemoveMembers':
      return [ofTarget({ type: 'group', openConversationId: call.payload.openConversationId })];
  }
}

const CHANNEL_OF: Readonly<Record<OutgoingCall['kind'], string>> = {
  'dingtalk.createAndDeliver': 'card',
  'dingtalk.updateCard': 'card_update',
  'dingtalk.groupMessage': 'message',
  'dingtalk.oneToOneMessage': 'message',
  'dingtalk.robotWebhook': 'group_bot',
  'dingtalk.sceneGroupCreate': 'war_room',
  'dingtalk.sceneGroupAddMembers': 'war_room',
  'dingtalk.sceneGroupRemoveMembers': 'war_room',
};
const REQUEST_OF: Readonly<Record<OutgoingCall['kind'], string>> = {
  'dingtalk.createAndDeliver': 'card/instances/createAndDeliver',
  'dingtalk.updateCard': 'card/instances',
  'dingtalk.groupMessage': 'robot/groupMessages/send',
  'dingtalk.oneToOneMessage': 'robot/oToMessages/batchSend',
  'dingtalk.robotWebhook': 'robot/send',
  'dingtalk.sceneGroupCreate': 'im/sceneGroups',
  'dingtalk.sceneGroupAddMembers': 'im/sceneGroup/member/add',
  'dingtalk.sceneGroupRemoveMembers': 'im/sceneGroup/member/delete',
};

/** A dispatch outcome, or a call that will be tried again after this failure. */
export type DispatchResult = DispatchOutcome | { readonly kind: 'retrying'; readonly failure: Pick<DingTalkCallFailure, 'kind' | 'code' | 'message'> };

/** The key a createAndDeliver deliverResult names (`IM_GROUP` spaces are groups, the others users). */
export function spaceKey(spaceType: string, spaceId: string): string {
  return spaceType.toUpperCase().includes('GROUP') ? `group:${spaceId}` : `user:${spaceId}`;
}

/** One record per recipient (or one per card update) of a DingTalk call dispatch finished or will retry. */
export function dispatchRecords(atMs: number, call: OutgoingCall, result: DispatchResult): OperationRecord[] {
  const ctx: OperationContext = { integrationId: call.integrationId, platform: 'dingtalk', channel: CHANNEL_OF[call.kind], requestKind: REQUEST_OF[call.kind], ...(call.incidentId ? { incidentId: call.incidentId } : {}) };
  const sceneGroup = call.kind === 'dingtalk.sceneGroupCreate' || call.kind === 'dingtalk.sceneGroupAddMembers' || call.kind === 'dingtalk.sceneGroupRemoveMembers';
  const what = call.kind === 'dingtalk.updateCard' ? 'card update' : call.kind === 'dingtalk.createAndDeliver' ? 'card' : sceneGroup ? 'War Room change' : 'message';
  return dingTalkRecipients(call).flatMap(({ key, recipient, label }): OperationRecord[] => {
    const record = recordFor(key, recipient, label);
    return record ? [record] : [];
  });

  function recordFor(key: string | undefined, recipient: string | undefined, label: string): OperationRecord | undefined {
    const extra = recipient ? { recipient } : {};
    switch (result.kind) {
      case 'duplicate':
        return undefined;
      case 'sent': {
        const r = result.recipients ?? {};
        const failed = key ? r.failedSpaces?.find((f) => f.key === key) : undefined;
        if (failed) {
          const code = dingTalkReasonCode({ kind: 'permanent', message: failed.error });
          return make(atMs, ctx, 'failed', code, `${label} did not get the ${what}: DingTalk answered "${failed.error}". ${capitalise(dingTalkFix(code))}.`, extra);
        }
        const userId = key?.startsWith('user:') ? key.slice(5) : undefined;
        if (userId && r.flowControlled?.includes(userId)) {
          return r.flowControlParked
            ? make(atMs, ctx, 'failed', 'qps_throttled', `${label} did not get the ${what}: DingTalk kept flow-controlling this recipient through every follow-up; the call is parked on the outgoing-im dead-letter queue`, extra)
            : make(atMs, ctx, 'retrying', 'qps_throttled', `the ${what} to ${label} is not sent yet: DingTalk flow-controlled this recipient; a follow-up call is queued`, extra);
        }
        if (userId && r.invalidUsers?.includes(userId)) {
          return make(atMs, ctx, 'failed', 'invalid_user', `${label} did not get the ${what}: DingTalk answered the userId is not in the org. ${capitalise(dingTalkFix('invalid_user'))}.`, extra);
        }
        if (call.kind === 'dingtalk.updateCard') return make(atMs, ctx, 'sent', 'updated', `${label} updated`, extra);
        if (r.alreadyExisted) return make(atMs, ctx, 'sent', 'already_delivered', `${what} to ${label} was delivered by an earlier attempt (DingTalk: param.cardAlreadyExist)`, extra);
        return make(atMs, ctx, 'sent', 'delivered', `${what} delivered to ${label}`, extra);
      }
      case 'deferred':
        return make(atMs, ctx, 'deferred', 'quota_deferred', `the ${what} to ${label} was not sent on its own: ${result.reason}. ${capitalise(dingTalkFix('quota_deferred'))}.`, extra);
      case 'parked':
        return make(atMs, ctx, 'failed', 'quota_exhausted', `${label} did not get the ${what}: ${result.reason}. ${capitalise(dingTalkFix('quota_exhausted'))}.`, extra);
      case 'rejected': {
        const code = dingTalkReasonCode({ kind: 'permanent', code: result.code, message: result.reason });
        const fix = /callbackroutekey/i.test(`${String(result.code ?? '')} ${result.reason}`)
          ? `Register the card callback with DingTalk: \`npx dutybridge integrations register-callback ${call.integrationId}\``
          : call.kind === 'dingtalk.robotWebhook' || sceneGroup
            ? 'The fix is in the reason' // group bot and scene-group refusals name their own fix (group-bot.ts, adapters/dingtalk/errors.ts)
            : capitalise(dingTalkFix(code));
        return make(atMs, ctx, 'failed', code, `${label} did not get the ${what}: DingTalk refused it (${result.reason}). ${fix}.`, {
          ...extra,
          ...(result.code !== undefined ? { platformCode: result.code } : {}),
        });
      }
      case 'unconfirmed':
        return make(atMs, ctx, 'failed', 'platform_error', `the ${what} to ${label} may or may not have arrived: ${result.reason}`, extra);
      case 'retrying': {
        const code = dingTalkReasonCode(result.failure);
        return make(atMs, ctx, 'retrying', code, `the ${what} to ${label} is not sent yet: ${result.failure.message}. ${capitalise(dingTalkFix(code))}.`, {
          ...extra,
          ...(result.failure.code !== undefined ? { platformCode: result.failure.code } : {}),
        });
      }
    }
  }
}

// ---- The recorder -------------------------------------------------------------------------------

/** The operation details a `record` sink call carries (see shared/application/drops.ts), as a record. */
export function operationFromDetails(details: Record<string, unknown>, atMs: number): OperationRecord | undefined {
  if (typeof details.result !== 'string' || typeof details.reasonCode !== 'string' || typeof details.reason !== 'string') return undefined;
  const parsed = operationRecordSchema.safeParse({ ...details, atMs: typeof details.atMs === 'number' ? details.atMs : atMs, reason: details.reason.slice(0, MAX_REASON) });
  return parsed.success ? parsed.data : undefined;
}

type RecordsListener = (records: readonly OperationRecord[]) => void;
const recordsListeners = new Set<RecordsListener>();

/**
 * Tells `listener` of every record any OperationRecorder of this process takes, before it is
 * written (a delivery happened even when its log write fails). The runtime counts deliveries per
 * platform from them (shared/runtime/observability.ts), so the use cases need no metrics port.
 * Returns the unsubscribe function; a listener that throws never affects the recorder.
 */
export function onOperationRecords(listener: RecordsListener): () => void {
  recordsListeners.add(listener);
  return () => recordsListeners.delete(listener);
}

/**
 * The operation log as the use cases see it: `append` writes and is awaited by the caller; the
 * `record` sink forwards every call to the next sink and starts writing those that carry operation
 * details; `settle()` waits for every write started so far. Failed writes go to `onError`. Every
 * record is also shown to the `onOperationRecords` listeners.
 */
export class OperationRecorder implements OperationLog {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly log: OperationLog,
    private readonly next: RecordSink,
    private readonly nowMs: () => number,
    private readonly onError: (error: unknown, records: readonly OperationRecord[]) => void,
  ) {}

  readonly record: RecordSink = (outcome, details) => {
    this.next(outcome, details);
    const record = operationFromDetails(details, this.nowMs());
    if (record) void this.append([record]);
  };

  append(records: readonly OperationRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    for (const listener of recordsListeners) {
      try {
        listener(records);
      } catch {
        // Counting is best effort: it never fails a delivery or its record.
      }
    }
    const write: Promise<void> = this.log.append(records).catch((error: unknown) => this.onError(error, records));
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
    return write;
  }

  query(query: OperationLogQuery): Promise<OperationRecord[]> {
    return this.log.query(query);
  }

  /** Waits for every write started so far (call before the invocation returns). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

/** Keeps records in memory (tests, single-process tools). */
export class InMemoryOperationLog implements OperationLog {
  readonly records: OperationRecord[] = [];

  async append(records: readonly OperationRecord[]): Promise<void> {
    this.records.push(...records);
  }

  async query(query: OperationLogQuery): Promise<OperationRecord[]> {
    const member = query.member?.trim().toLowerCase();
    return this.records
      .filter(
        (r) =>
          (!query.incidentId || r.incidentId === query.incidentId) &&
          (!query.integrationId || r.integrationId === query.integrationId) &&
          (!member || r.recipient?.toLowerCase() === member) &&
          (query.sinceMs === undefined || r.atMs >= query.sinceMs),
      )
      .sort((a, b) => b.atMs - a.atMs)
      .slice(0, query.limit ?? 200);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
