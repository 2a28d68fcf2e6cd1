/**
 * Dispatch of one `outgoing-im` message = one metered DingTalk call (dingtalk.md §5, §8.6–8.7):
 *
 *   idempotency claim → monthly quota (95 % policy) → QPS slot → call → classify the answer
 *
 *  - ok         → recorded as sent. Recipients batchSend answers as flow-controlled get a follow-up
 *                 call, queued (delayed, with its own idempotency key) before the ledger is finished.
 *                 `param.cardAlreadyExist` on createAndDeliver is delivered too (an earlier attempt).
 *  - throttled  → waited in process (≥ 1 s, "sleep 1秒，然后继续执行") and retried with a fresh QPS
 *                 slot, up to `throttleRetries` times; after that DispatchRetryLaterError with
 *                 `waiting: true`, so the handler parks the message on the queue with that delay
 *                 (no receive spent). In-process waiting keeps the backlog moving; the queue path
 *                 bounds a Lambda's billed idle time. A saturated QPS limiter (no slot within its
 *                 horizon) and a key leased by another attempt are waits the same way.
 *  - retry / token (after the client's own refresh-and-retry) → DispatchRetryLaterError.
 *  - quota      → the month is closed (markExhausted), the call parked with the reason, never retried.
 *  - permanent  → recorded with the reason and parked for a human; never retried.
 *
 * From 95 % of the monthly quota only Critical calls are made; the others become one line in a
 * digest per conversation per 10 minutes, sent by `flushDigests` (a scheduled job).
 *
 * Idempotency: the ledger claims the idempotency key with a conditional put and a lease before
 * the call, records the final state after it, and a redelivered message finds that record and
 * calls nothing. The one unavoidable gap: if DingTalk never answered (timeout, lost answer) or the
 * process died mid-call, a redelivery calls again — harmless for cards (same outTrackId: the card
 * is not created twice, or DingTalk answers param.cardAlreadyExist) and card updates, a possible
 * duplicate for robot messages (no idempotency key). The ledger counts unanswered attempts per key:
 * a robot message is sent at most `maxUnansweredAttempts` times without an answer (then recorded as
 * `unconfirmed`, not retried), and a later success records how many duplicates it may have made.
 */
import { QpsLimiterSaturatedError, isDingTalkCallFailure, webhookQuotaKey, type DingTalkCallFailure, type DingTalkMessaging, type QpsLimiter, type QuotaConsumption, type QuotaMeter, type RobotWebhookDispatch } from './dispatch-ports';
import { digestMessage, type DigestLine } from '../domain/dingtalk-card';
import type { Severity } from '../domain/incident';
import { digestTargetsOf, type ConversationTarget, type OutgoingCall } from '../domain/outgoing-call';
import { DIGEST_WINDOW_MS, digestWindowStart, type QuotaThreshold } from '../domain/rate-limit';
import { systemClock, type Clock, type OperationLog, type OutgoingCalls } from './ports';
import { dispatchRecords, spaceKey } from './operation-records';

export type { DingTalkMessaging } from './dispatch-ports';

export interface DispatchTarget {
  readonly client: DingTalkMessaging;
  /** QPS is per app: the Client ID. */
  readonly appKey: string;
  /** The monthly quota is per org (all its apps share it): the corpId, or the Client ID when one app per org. */
  readonly orgKey: string;
}

/** `unconfirmed`: a call without idempotency key got no answer too often; it may have been delivered, it is not retried. */
export type LedgerOutcome = 'sent' | 'deferred' | 'parked' | 'rejected' | 'unconfirmed';

export interface LedgerRecord {
  readonly outcome: LedgerOutcome;
  readonly reason?: string;
  readonly atMs: number;
  /** What the call produced that a caller needs again, e.g. a scene group's `openConversationId`: a duplicate returns it. */
  readonly result?: Readonly<Record<string, string>>;
}

export type LedgerClaim =
  /** `unanswered`: earlier attempts of this key that DingTalk never answered (each may have been executed). */
  | { readonly kind: 'claimed'; readonly unanswered?: number }
  | { readonly kind: 'finished'; readonly record: LedgerRecord }
  | { readonly kind: 'busy'; readonly retryAfterMs: number };

/** One record per idempotency key (DynamoDB: conditional put with a lease). */
export interface DispatchLedger {
  /** Claims the key for one attempt; `finished` when a previous attempt completed; `busy` while another holds the lease. */
  begin(idempotencyKey: string, leaseMs: number): Promise<LedgerClaim>;
  finish(idempotencyKey: string, record: LedgerRecord): Promise<void>;
  /**
   * The attempt failed in a way worth retrying: let a redelivery claim the key again. `unanswered`:
   * DingTalk never answered this attempt — count it (the next claim reports the count).
   */
  abandon(idempotencyKey: string, options?: { unanswered?: boolean }): Promise<void>;
  /**
   * Records that card `outTrackId` is being brought to render `version`; false when a newer render
   * was already sent (equal is a retry of the same update and passes). A card PUT overwrites, so an
   * update that waited its turn (or was retried) must not land over a newer one.
   */
  advanceCardVersion?(outTrackId: string, version: number): Promise<boolean>;
}

/** Calls that must not be retried, with the reason (the lead routes it to the DLQ / an alarm). */
export interface ParkedCallSink {
  park(call: OutgoingCall, reason: string, cause: 'quota' | 'permanent'): Promise<void>;
}

export interface DigestEntry {
  readonly integrationId: string;
  readonly target: ConversationTarget;
  readonly windowStartMs: number;
  readonly line: DigestLine;
}

export interface DueDigest {
  readonly integrationId: string;
  readonly target: ConversationTarget;
  readonly windowStartMs: number;
  readonly lines: readonly DigestLine[];
}

export interface DigestBuffer {
  add(entry: DigestEntry): Promise<void>;
  /** Removes and returns every digest of the integration whose window ended at or before `nowMs`; each is handed to one caller only. */
  takeDue(integrationId: string, nowMs: number): Promise<DueDigest[]>;
}

/** Metrics/alarms for quota thresholds (80/95/100 %), each reported once per month. */
export interface QuotaAlerts {
  thresholdCrossed(orgKey: string, threshold: QuotaThreshold, usage: { used: number; quota: number; month: string }): void | Promise<void>;
}

export interface DispatchDeps {
  readonly targetFor: (integrationId: string) => Promise<DispatchTarget>;
  readonly limiter: QpsLimiter;
  readonly quota: QuotaMeter;
  readonly ledger: DispatchLedger;
  readonly parked: ParkedCallSink;
  readonly digests: DigestBuffer;
  /** The outgoing-im queue: follow-ups to flow-controlled recipients go back on it. */
  readonly outgoing: OutgoingCalls;
  readonly alerts?: QuotaAlerts;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In-process retries after a throttle answer before handing back to SQS (default 2). */
  readonly throttleRetries?: number;
  /** Lease on the idempotency key while a call is in flight (default 60 s, the queue's visibility timeout). */
  readonly leaseMs?: number;
  /** Notified for every throttle answer (bench and metrics). */
  readonly onThrottled?: (call: OutgoingCall, error: DingTalkCallFailure) => void;
  /** Unanswered attempts after which a call without idempotency key (robot message) is not retried (default 3: ≤ 2 duplicates). */
  readonly maxUnansweredAttempts?: number;
  /** Follow-up generations for recipients DingTalk keeps flow-controlling before they are parked (default 6). */
  readonly maxFlowControlFollowUps?: number;
  /** Every finished call and every retry is recorded, per recipient (shared/application/operation-records.ts). */
  readonly operationLog?: Pick<OperationLog, 'append'>;
  /** DingTalk custom robots (group bots): their sends, metered against the Webhook & Stream quota. */
  readonly robots?: RobotWebhookDispatch;
}

/** Who a sent call did not reach, per recipient (for the operation log). */
export interface SentRecipients {
  /** createAndDeliver spaces DingTalk did not deliver to: `user:<id>` / `group:<id>` and its error. */
  readonly failedSpaces?: readonly { readonly key: string; readonly error: string }[];
  readonly invalidUsers?: readonly string[];
  readonly flowControlled?: readonly string[];
  /** The flow-controlled recipients were parked (no follow-up left). */
  readonly flowControlParked?: boolean;
  readonly alreadyExisted?: boolean;
}

export type DispatchOutcome =
  | {
      readonly kind: 'sent';
      readonly attempts: number;
      readonly detail?: string;
      /** Queued on the outgoing-im queue for the recipients DingTalk flow-controlled. */
      readonly followUp?: OutgoingCall;
      /** Earlier unanswered attempts of a call without idempotency key: up to this many duplicates. */
      readonly possibleDuplicates?: number;
      readonly recipients?: SentRecipients;
      /** What the call produced (also kept in the ledger record), e.g. `{openConversationId}` of a created scene group. */
      readonly result?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'unconfirmed'; readonly reason: string; readonly unanswered: number }
  | { readonly kind: 'duplicate'; readonly previous: LedgerRecord }
  | { readonly kind: 'deferred'; readonly reason: string; readonly digestTargets: number }
  | { readonly kind: 'parked'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string; readonly code?: string | number };

/**
 * Try this message again after `retryAfterMs`. Two causes, which the queue handler treats apart:
 *  - `waiting: true` — nothing failed, the call only has to wait its turn: the QPS limiter has no
 *    slot free within its horizon, DingTalk throttled (QPS), or another attempt holds the key's
 *    lease. The handler parks the message on its queue with that delay without spending a receive
 *    (shared/runtime/queue.ts), so a long backlog never dead-letters for waiting.
 *  - otherwise — the attempt failed (5xx, timeout, token): the handler changes the message's
 *    visibility to the delay and the receive counts towards maxReceiveCount (then the DLQ).
 */
export class DispatchRetryLaterError extends Error {
  override readonly name = 'DispatchRetryLaterError';
  readonly waiting: boolean;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown; waiting?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.waiting = options?.waiting ?? false;
  }
}

/** QPS API keys: the endpoint each kind calls (DingTalk limits per app × API). */
export const QPS_API_OF: Readonly<Record<OutgoingCall['kind'], string>> = {
  'dingtalk.createAndDeliver': 'card/instances/createAndDeliver',
  'dingtalk.updateCard': 'card/instances',
  'dingtalk.groupMessage': 'robot/groupMessages/send',
  'dingtalk.oneToOneMessage': 'robot/oToMessages/batchSend',
  'dingtalk.robotWebhook': 'robot/send',
  'dingtalk.sceneGroupCreate': 'im/sceneGroups',
  'dingtalk.sceneGroupAddMembers': 'im/sceneGroup/member/add',
  'dingtalk.sceneGroupRemoveMembers': 'im/sceneGroup/member/delete',
};

/**
 * Calls DingTalk de-duplicates itself (same outTrackId; an update sets the same values): a resend is harmless.
 * Scene groups: creation by `uuid` ("建群去重的业务ID", create-a-scene-group); adding or removing the
 * same members again leaves the same group (whether removing a non-member is refused is unconfirmed).
 */
const IDEMPOTENT_KINDS: ReadonlySet<OutgoingCall['kind']> = new Set([
  'dingtalk.createAndDeliver',
  'dingtalk.updateCard',
  'dingtalk.robotWebhook', // robot: msgUuid
  'dingtalk.sceneGroupCreate',
  'dingtalk.sceneGroupAddMembers',
  'dingtalk.sceneGroupRemoveMembers',
]);

/** `<key>#flow<n>`: the n-th follow-up of a call to the recipients DingTalk flow-controlled. */
const FLOW_SUFFIX = /#flow(\d+)$/;

/** Delay before the n-th follow-up: 2 s, doubling, at most 60 s. */
export function flowFollowUpDelaySeconds(generation: number): number {
  return Math.min(60, 2 ** Math.max(1, generation));
}

function unansweredFailure(error: unknown): boolean {
  const cause = error instanceof DispatchRetryLaterError ? error.cause : error;
  return isDingTalkCallFailure(cause) && !cause.answered;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function targetKey(target: ConversationTarget): string {
  return target.type === 'group' ? `group:${target.openConversationId}` : `user:${target.userId}`;
}

export class DispatchUseCase {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly throttleRetries: number;
  private readonly leaseMs: number;
  private readonly maxUnanswered: number;
  private readonly maxFollowUps: number;

  constructor(private readonly deps: DispatchDeps) {
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? defaultSleep;
    this.throttleRetries = deps.throttleRetries ?? 2;
    this.leaseMs = deps.leaseMs ?? 60_000;
    this.maxUnanswered = Math.max(1, deps.maxUnansweredAttempts ?? 3);
    this.maxFollowUps = Math.max(1, deps.maxFlowControlFollowUps ?? 6);
  }

  /** Processes one call. Throws DispatchRetryLaterError when SQS should redeliver it. */
  async execute(call: OutgoingCall): Promise<DispatchOutcome> {
    return this.logged(call, () => this.run(call, call.severity, false));
  }

  /**
   * Sends every digest whose 10-minute window has ended. Digests may use the 95–100 % band
   * (they are what replaces the deferred calls) but stop at 100 % like everything else.
   */
  async flushDigests(integrationId: string): Promise<{ sent: number; outcomes: DispatchOutcome[] }> {
    const due = await this.deps.digests.takeDue(integrationId, this.clock.nowMs());
    const outcomes: DispatchOutcome[] = [];
    for (const digest of due) {
      const message = digestMessage(digest.lines, digest.windowStartMs);
      const common = {
        integrationId,
        idempotencyKey: `digest:${integrationId}:${targetKey(digest.target)}:${digest.windowStartMs}`,
        severity: 'Info' as const,
        summary: `digest of ${digest.lines.length} deferred notifications`,
      };
      const call: OutgoingCall =
        digest.target.type === 'group'
          ? { ...common, kind: 'dingtalk.groupMessage', payload: { openConversationId: digest.target.openConversationId, ...(digest.target.coolAppCode ? { coolAppCode: digest.target.coolAppCode } : {}), msgKey: message.msgKey, msgParam: message.msgParam } }
          : { ...common, kind: 'dingtalk.oneToOneMessage', payload: { userIds: [digest.target.userId], msgKey: message.msgKey, msgParam: message.msgParam } };
      try {
        outcomes.push(await this.logged(call, () => this.run(call, 'Critical', true)));
      } catch (error) {
        // Put the lines back so the next flush tries again.
        for (const line of digest.lines) await this.deps.digests.add({ integrationId, target: digest.target, windowStartMs: digest.windowStartMs, line });
        throw error;
      }
    }
    return { sent: outcomes.filter((o) => o.kind === 'sent').length, outcomes };
  }

  private async run(call: OutgoingCall, ceilingSeverity: Severity, isDigest: boolean): Promise<DispatchOutcome> {
    const claim = await this.deps.ledger.begin(call.idempotencyKey, this.leaseMs);
    if (claim.kind === 'finished') return { kind: 'duplicate', previous: claim.record };
    if (claim.kind === 'busy') throw new DispatchRetryLaterError(`another attempt of ${call.idempotencyKey} is in flight`, claim.retryAfterMs, { waiting: true });

    try {
      const superseded = await this.supersededUpdate(call);
      if (superseded) {
        await this.deps.ledger.finish(call.idempotencyKey, superseded);
        return { kind: 'duplicate', previous: superseded };
      }
      const appTarget = await this.deps.targetFor(call.integrationId);
      // Custom-robot sends spend the org's Webhook & Stream quota, not its API quota (dingtalk.md §5.1).
      const robot = call.kind === 'dingtalk.robotWebhook';
      const target = robot ? { ...appTarget, orgKey: webhookQuotaKey(appTarget.orgKey) } : appTarget;
      const ceiling = robot && call.payload.digest ? 'Critical' : ceilingSeverity;
      const consumption = await this.deps.quota.tryConsume(target.orgKey, 1, { severity: ceiling });
      await this.report(target.orgKey, consumption);
      if (!consumption.granted) return await this.refused(call, consumption, isDigest);
      return await this.callWithRetries(call, target, consumption, claim.unanswered ?? 0);
    } catch (error) {
      if (error instanceof FinishedError) return error.outcome;
      await this.deps.ledger.abandon(call.idempotencyKey, { unanswered: unansweredFailure(error) });
      throw error;
    }
  }

  private async refused(call: OutgoingCall, consumption: QuotaConsumption, isDigest: boolean): Promise<DispatchOutcome> {
    const usage = `${consumption.used}/${consumption.quota} calls used in ${consumption.month}`;
    if (consumption.refusal === 'critical-only' && !isDigest && call.kind === 'dingtalk.robotWebhook' && !call.payload.digest && this.deps.robots) {
      // Critical first: the bot's alert waits for its 10-minute digest instead.
      await this.deps.robots.holdBack(call.integrationId, call.payload.bot, { severity: call.severity, text: call.summary }, digestWindowStart(this.clock.nowMs()) + DIGEST_WINDOW_MS);
      const reason = `${usage} of the Webhook & Stream quota (≥ 95 %): ${call.severity} bot alert deferred into bot ${call.payload.bot}'s digest`;
      await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'deferred', reason, atMs: this.clock.nowMs() });
      return { kind: 'deferred', reason, digestTargets: 1 };
    }
    if (consumption.refusal === 'critical-only' && !isDigest) {
      const targets = digestTargetsOf(call);
      const windowStartMs = digestWindowStart(this.clock.nowMs());
      for (const target of targets) {
        await this.deps.digests.add({ integrationId: call.integrationId, target, windowStartMs, line: { severity: call.severity, text: call.summary } });
      }
      const reason =
        targets.length > 0
          ? `${usage} (≥ 95 %): ${call.severity} call deferred into the digest of ${targets.length} conversation(s)`
          : `${usage} (≥ 95 %): ${call.severity} call skipped, it names no conversation for a digest`;
      await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'deferred', reason, atMs: this.clock.nowMs() });
      return { kind: 'deferred', reason, digestTargets: targets.length };
    }
    const reason = `monthly DingTalk quota used up (${usage}${consumption.exhausted ? ', DingTalk reported it exhausted' : ''}); not sent, not retried`;
    await this.deps.parked.park(call, reason, 'quota');
    await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'parked', reason, atMs: this.clock.nowMs() });
    return { kind: 'parked', reason };
  }

  private async callWithRetries(call: OutgoingCall, target: DispatchTarget, consumption: QuotaConsumption, unanswered: number): Promise<DispatchOutcome> {
    const api = QPS_API_OF[call.kind];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deps.limiter.acquire(target.appKey, api);
      } catch (error) {
        if (error instanceof QpsLimiterSaturatedError) {
          await this.deps.quota.refund(target.orgKey, 1, consumption.month);
          // Waiting, not failing: every slot within the limiter's horizon is taken by calls ahead of
          // this one, so come back about one horizon later (at least 1 s).
          throw new DispatchRetryLaterError((error as Error).message, Math.max(1000, error.maxWaitMs), { cause: error, waiting: true });
        }
        throw error;
      }
      let performed: Awaited<ReturnType<DispatchUseCase['perform']>>;
      try {
        performed = await this.perform(call, target.client);
      } catch (error) {
        if (!isDingTalkCallFailure(error)) throw error;
        const outcome = await this.onFailure(call, target, consumption, error, attempt, unanswered);
        if (outcome) throw new FinishedError(outcome);
        continue;
      }
      const { followUp, refused, recipients, result } = performed;
      // DingTalk refused the call (the card already existed): not metered, like any answered refusal.
      if (refused) await this.deps.quota.refund(target.orgKey, 1, consumption.month);
      // Queued before the ledger is finished: if this throws, the message is retried, not lost; if
      // the process dies after it, the retry queues the same key (`<key>#flow<n>`), which dispatch
      // then finds in the ledger or claims once.
      if (followUp) await this.deps.outgoing.enqueue(followUp, { delaySeconds: flowFollowUpDelaySeconds(Number(FLOW_SUFFIX.exec(followUp.idempotencyKey)?.[1] ?? 1)) });
      const duplicates = unanswered > 0 && !IDEMPOTENT_KINDS.has(call.kind) ? unanswered : 0;
      const notes = [
        performed.detail,
        unanswered === 0
          ? undefined
          : duplicates > 0
            ? `${unanswered} earlier attempt(s) got no answer and may also have been delivered (up to ${duplicates} duplicate(s))`
            : `after ${unanswered} unanswered attempt(s); harmless, DingTalk de-duplicates this call`,
      ].filter((note): note is string => note !== undefined);
      const detail = notes.length > 0 ? notes.join('; ') : undefined;
      await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'sent', ...(detail ? { reason: detail } : {}), atMs: this.clock.nowMs(), ...(result ? { result } : {}) });
      return { kind: 'sent', attempts: attempt, ...(detail ? { detail } : {}), ...(followUp ? { followUp } : {}), ...(duplicates > 0 ? { possibleDuplicates: duplicates } : {}), ...(recipients ? { recipients } : {}), ...(result ? { result } : {}) };
    }
  }

  /** Returns a final outcome, throws DispatchRetryLaterError, or returns undefined to try again. */
  private async onFailure(call: OutgoingCall, target: DispatchTarget, consumption: QuotaConsumption, error: DingTalkCallFailure, attempt: number, unanswered: number): Promise<DispatchOutcome | undefined> {
    const reason = error.message;
    switch (error.kind) {
      case 'throttled': {
        this.deps.onThrottled?.(call, error);
        const waitMs = Math.max(1000, error.retryAfterMs ?? 1000);
        if (attempt <= this.throttleRetries && waitMs <= 5000) {
          await this.sleep(waitMs);
          return undefined;
        }
        // Throttled calls are not metered ("因限流…导致的失败不会被统计到调用次数中").
        await this.deps.quota.refund(target.orgKey, 1, consumption.month);
        throw new DispatchRetryLaterError(`still throttled after ${attempt} attempt(s): ${reason}`, waitMs, { cause: error, waiting: true });
      }
      case 'retry':
      case 'token': {
        // An unanswered call may have been executed and metered; only a definite rejection is refunded.
        if (error.answered) await this.deps.quota.refund(target.orgKey, 1, consumption.month);
        const unansweredNow = unanswered + (error.answered ? 0 : 1);
        if (!error.answered && !IDEMPOTENT_KINDS.has(call.kind) && unansweredNow >= this.maxUnanswered) {
          // No idempotency key: every resend of an unanswered message may be a duplicate. Stop here.
          const why = `unanswered; may have been delivered: no answer from DingTalk in ${unansweredNow} attempt(s) (last: ${reason}); not sent again, so at most ${unansweredNow - 1} duplicate(s)`;
          await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'unconfirmed', reason: why, atMs: this.clock.nowMs() });
          return { kind: 'unconfirmed', reason: why, unanswered: unansweredNow };
        }
        throw new DispatchRetryLaterError(reason, error.retryAfterMs ?? 1000, { cause: error });
      }
      case 'quota': {
        const closed = await this.deps.quota.markExhausted(target.orgKey);
        await this.report(target.orgKey, closed);
        const why = `DingTalk refused: monthly quota exhausted (${reason}); not retried this month`;
        await this.deps.parked.park(call, why, 'quota');
        await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'parked', reason: why, atMs: this.clock.nowMs() });
        return { kind: 'parked', reason: why };
      }
      case 'permanent': {
        if (error.answered) await this.deps.quota.refund(target.orgKey, 1, consumption.month);
        await this.deps.parked.park(call, reason, 'permanent');
        await this.deps.ledger.finish(call.idempotencyKey, { outcome: 'rejected', reason, atMs: this.clock.nowMs() });
        return { kind: 'rejected', reason, ...(error.code !== undefined ? { code: error.code } : {}) };
      }
    }
  }

  /** A card update older than one already sent: recorded as done without calling DingTalk (nor metering). */
  private async supersededUpdate(call: OutgoingCall): Promise<LedgerRecord | undefined> {
    if (call.kind !== 'dingtalk.updateCard' || call.payload.renderVersion === undefined || !this.deps.ledger.advanceCardVersion) return undefined;
    if (await this.deps.ledger.advanceCardVersion(call.payload.outTrackId, call.payload.renderVersion)) return undefined;
    return { outcome: 'sent', reason: `superseded: a newer render of card ${call.payload.outTrackId} was already sent; render ${call.payload.renderVersion} is not sent over it`, atMs: this.clock.nowMs() };
  }

  /** `refused`: DingTalk refused the call but the outcome is delivered (an existing card). */
  private async perform(call: OutgoingCall, client: DingTalkMessaging): Promise<{ detail?: string; followUp?: OutgoingCall; refused?: boolean; recipients?: SentRecipients; result?: Record<string, string> }> {
    switch (call.kind) {
      case 'dingtalk.createAndDeliver': {
        const result = await client.createAndDeliverCard(call.payload);
        if (result.alreadyExisted) return { detail: `card ${call.payload.outTrackId} already existed (param.cardAlreadyExist): delivered by an earlier attempt`, refused: true, recipients: { alreadyExisted: true } };
        const failed = result.deliverResults.filter((r) => !r.success);
        const failedSpaces = failed.map((r) => ({ key: spaceKey(r.spaceType, r.spaceId), error: r.errorMsg ?? 'failed' }));
        return failed.length > 0 ? { detail: `not delivered to ${failed.map((r) => `${r.spaceType}.${r.spaceId} (${r.errorMsg ?? 'failed'})`).join(', ')}`, recipients: { failedSpaces } } : {};
      }
      case 'dingtalk.updateCard':
        await client.updateCard(call.payload);
        return {};
      case 'dingtalk.groupMessage':
        await client.sendGroupMessage(call.payload);
        return {};
      case 'dingtalk.sceneGroupCreate': {
        // Metered like every non-contacts API (dingtalk.md §5.1). The id is kept in the ledger so a
        // redelivered or repeated call returns it without calling again.
        const { openConversationId } = await client.createSceneGroup(call.payload);
        return { detail: `scene group ${openConversationId} (uuid ${call.payload.uuid})`, result: { openConversationId } };
      }
      case 'dingtalk.sceneGroupAddMembers':
        await client.addSceneGroupMembers(call.payload);
        return {};
      case 'dingtalk.sceneGroupRemoveMembers':
        await client.removeSceneGroupMembers(call.payload);
        return {};
      case 'dingtalk.robotWebhook':
        if (!this.deps.robots) throw new Error('dispatch has no custom-robot sender configured');
        await this.deps.robots.send(call.integrationId, call.payload.bot, call.payload.body);
        return {};
      case 'dingtalk.oneToOneMessage': {
        const result = await client.batchSendOto(call.payload);
        const notes: string[] = [];
        if (result.invalidUserIds.length > 0) notes.push(`not in the org: ${result.invalidUserIds.join(', ')}`);
        const invalidUsers = result.invalidUserIds.length > 0 ? { invalidUsers: result.invalidUserIds } : {};
        if (result.flowControlledUserIds.length === 0) return notes.length > 0 ? { detail: notes.join('; '), recipients: invalidUsers } : {};
        // DingTalk throttled some recipients instead of failing the call: send them a follow-up. Its key
        // depends only on this call's key, so a retry of this call queues the same follow-up.
        const root = call.idempotencyKey.replace(FLOW_SUFFIX, '');
        const generation = Number(FLOW_SUFFIX.exec(call.idempotencyKey)?.[1] ?? 0) + 1;
        const users = result.flowControlledUserIds.join(', ');
        if (generation > this.maxFollowUps) {
          const reason = `still flow-controlled after ${generation - 1} follow-up(s), not delivered: ${users}`;
          await this.deps.parked.park({ ...call, payload: { ...call.payload, userIds: [...result.flowControlledUserIds] } }, reason, 'permanent');
          notes.push(reason);
          return { detail: notes.join('; '), recipients: { ...invalidUsers, flowControlled: result.flowControlledUserIds, flowControlParked: true } };
        }
        notes.push(`flow-controlled, follow-up ${generation} queued: ${users}`);
        const followUp: OutgoingCall = { ...call, idempotencyKey: `${root.slice(0, 500)}#flow${generation}`, payload: { ...call.payload, userIds: [...result.flowControlledUserIds] } };
        return { detail: notes.join('; '), followUp, recipients: { ...invalidUsers, flowControlled: result.flowControlledUserIds } };
      }
    }
  }

  /** Runs one call and records its outcome, or the failure it will be retried after (waits for a QPS slot or a lease are not recorded). */
  private async logged(call: OutgoingCall, run: () => Promise<DispatchOutcome>): Promise<DispatchOutcome> {
    const log = this.deps.operationLog;
    if (!log) return run();
    try {
      const outcome = await run();
      await log.append(dispatchRecords(this.clock.nowMs(), call, outcome));
      return outcome;
    } catch (error) {
      const failure = error instanceof DispatchRetryLaterError ? error.cause : undefined;
      if (isDingTalkCallFailure(failure)) await log.append(dispatchRecords(this.clock.nowMs(), call, { kind: 'retrying', failure }));
      throw error;
    }
  }

  private async report(orgKey: string, consumption: QuotaConsumption): Promise<void> {
    if (!this.deps.alerts) return;
    for (const threshold of consumption.crossed) {
      await this.deps.alerts.thresholdCrossed(orgKey, threshold, { used: consumption.used, quota: consumption.quota, month: consumption.month });
    }
  }
}

/** Internal: a final outcome reached inside the retry loop (not an error for the caller). */
class FinishedError extends Error {
  override readonly name = 'FinishedError';
  constructor(readonly outcome: DispatchOutcome) {
    super(outcome.kind);
  }
}

/** Digest buffer in memory: tests, the bench, single-process tools. */
export class InMemoryDigestBuffer implements DigestBuffer {
  private readonly entries = new Map<string, { integrationId: string; target: ConversationTarget; windowStartMs: number; lines: DigestLine[] }>();

  async add(entry: DigestEntry): Promise<void> {
    const key = `${entry.integrationId}|${targetKey(entry.target)}|${entry.windowStartMs}`;
    const existing = this.entries.get(key);
    if (existing) existing.lines.push(entry.line);
    else this.entries.set(key, { integrationId: entry.integrationId, target: entry.target, windowStartMs: entry.windowStartMs, lines: [entry.line] });
  }

  async takeDue(integrationId: string, nowMs: number): Promise<DueDigest[]> {
    const due: DueDigest[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.integrationId !== integrationId || entry.windowStartMs + DIGEST_WINDOW_MS > nowMs) continue;
      this.entries.delete(key);
      due.push(entry);
    }
    return due.sort((a, b) => a.windowStartMs - b.windowStartMs);
  }

  pendingLines(): number {
    return [...this.entries.values()].reduce((sum, entry) => sum + entry.lines.length, 0);
  }
}

/** Idempotency ledger in memory: tests, the bench, single-process tools. */
export class InMemoryDispatchLedger implements DispatchLedger {
  private readonly records = new Map<string, { inFlightUntil?: number; record?: LedgerRecord; unanswered?: number }>();

  constructor(private readonly clock: Clock = systemClock) {}

  async begin(idempotencyKey: string, leaseMs: number): Promise<LedgerClaim> {
    const nowMs = this.clock.nowMs();
    const existing = this.records.get(idempotencyKey);
    if (existing?.record) return { kind: 'finished', record: existing.record };
    if (existing?.inFlightUntil !== undefined && existing.inFlightUntil >= nowMs) return { kind: 'busy', retryAfterMs: Math.max(1000, existing.inFlightUntil - nowMs) };
    const unanswered = existing?.unanswered ?? 0;
    this.records.set(idempotencyKey, { inFlightUntil: nowMs + leaseMs, unanswered });
    return { kind: 'claimed', unanswered };
  }

  async finish(idempotencyKey: string, record: LedgerRecord): Promise<void> {
    this.records.set(idempotencyKey, { record });
  }

  async abandon(idempotencyKey: string, options: { unanswered?: boolean } = {}): Promise<void> {
    const existing = this.records.get(idempotencyKey);
    if (existing?.record) return;
    const unanswered = (existing?.unanswered ?? 0) + (options.unanswered ? 1 : 0);
    if (unanswered === 0) this.records.delete(idempotencyKey);
    else this.records.set(idempotencyKey, { unanswered });
  }

  private readonly cardVersions = new Map<string, number>();

  async advanceCardVersion(outTrackId: string, version: number): Promise<boolean> {
    const sent = this.cardVersions.get(outTrackId);
    if (sent !== undefined && sent > version) return false;
    this.cardVersions.set(outTrackId, version);
    return true;
  }

  recordOf(idempotencyKey: string): LedgerRecord | undefined {
    return this.records.get(idempotencyKey)?.record;
  }
}
