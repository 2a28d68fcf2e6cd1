/**
 * Ports of the dispatch use case (shared/application/dispatch.ts): the DingTalk calls it makes, the
 * distributed QPS limiter and the monthly quota meter. The adapters (shared/adapters/dingtalk/client.ts,
 * shared/adapters/aws/qps-limiter.ts, quota-meter.ts) implement them; the use case never imports an adapter.
 */
import type { Severity } from '../domain/incident';
import type { ConversationTarget } from '../domain/outgoing-call';
import type { QuotaThreshold } from '../domain/rate-limit';

// ---- DingTalk calls -------------------------------------------------------------------------

export interface CreateAndDeliverCardInput {
  readonly outTrackId: string;
  readonly cardTemplateId: string;
  readonly callbackRouteKey?: string;
  readonly cardParamMap: Readonly<Record<string, string>>;
  /** userId → private cardParamMap. */
  readonly privateData?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly targets: readonly ConversationTarget[];
  /** Group delivery: userId → display name to @ (imGroupOpenDeliverModel.atUserIds). */
  readonly atUserIds?: Readonly<Record<string, string>>;
  /** Group delivery by another robot than the app's (the War Room template's robot). */
  readonly robotCode?: string;
}

export interface DeliverResult {
  readonly spaceType: string;
  readonly spaceId: string;
  readonly success: boolean;
  readonly carrierId?: string;
  readonly errorMsg?: string;
}

export interface UpdateCardInput {
  readonly outTrackId: string;
  readonly cardParamMap?: Readonly<Record<string, string>>;
  readonly privateData?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** false overwrites ("不填默认覆盖更新"); true merges by key. */
  readonly updateByKey: boolean;
}

export interface GroupMessageInput {
  readonly openConversationId: string;
  /** Mandatory when the robot came into the group through a group cool app. */
  readonly coolAppCode?: string;
  readonly msgKey: string;
  /** JSON text (≤ 15000 bytes). */
  readonly msgParam: string;
  /** The robot that posts; absent = the app's robot. A scene group holds its template's robot. */
  readonly robotCode?: string;
}

/** Scene group (War Room) creation: the template decides the robot and the group settings. */
export interface CreateSceneGroupInput {
  readonly title: string;
  readonly templateId: string;
  readonly ownerUserId: string;
  readonly userIds: readonly string[];
  /** DingTalk de-duplicates creation by it: the same uuid returns the first group. */
  readonly uuid: string;
}

export interface SceneGroupMembersInput {
  readonly openConversationId: string;
  readonly userIds: readonly string[];
}

export interface BatchSendInput {
  readonly userIds: readonly string[];
  readonly msgKey: string;
  readonly msgParam: string;
}

export interface BatchSendResult {
  readonly processQueryKey: string;
  readonly invalidUserIds: readonly string[];
  /** Users DingTalk throttled; it returns them here instead of failing the call. */
  readonly flowControlledUserIds: readonly string[];
}

export interface CreateAndDeliverResult {
  readonly outTrackId: string;
  readonly deliverResults: readonly DeliverResult[];
  /**
   * DingTalk refused the call because a card with this outTrackId exists (`param.cardAlreadyExist`):
   * an earlier attempt, whose answer was lost, delivered it. Delivered, not a failure.
   */
  readonly alreadyExisted?: boolean;
}

/** The metered DingTalk calls dispatch makes (DingTalkClient implements it). */
export interface DingTalkMessaging {
  createAndDeliverCard(input: CreateAndDeliverCardInput): Promise<CreateAndDeliverResult>;
  updateCard(input: UpdateCardInput): Promise<void>;
  sendGroupMessage(input: GroupMessageInput): Promise<{ processQueryKey: string }>;
  batchSendOto(input: BatchSendInput): Promise<BatchSendResult>;
  createSceneGroup(input: CreateSceneGroupInput): Promise<{ openConversationId: string }>;
  addSceneGroupMembers(input: SceneGroupMembersInput): Promise<void>;
  removeSceneGroupMembers(input: SceneGroupMembersInput): Promise<void>;
}

/** What the caller should do about a failed DingTalk call (the client classifies every answer). */
export type DingTalkFailureKind = 'retry' | 'throttled' | 'token' | 'quota' | 'permanent';

/** The shape every DingTalk client failure has (DingTalkApiError implements it). */
export interface DingTalkCallFailure extends Error {
  readonly kind: DingTalkFailureKind;
  /** False when DingTalk never answered: the call may or may not have been executed and metered. */
  readonly answered: boolean;
  readonly retryAfterMs?: number;
  readonly code?: string | number;
}

const failureKinds: ReadonlySet<string> = new Set<DingTalkFailureKind>(['retry', 'throttled', 'token', 'quota', 'permanent']);

export function isDingTalkCallFailure(error: unknown): error is DingTalkCallFailure {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<DingTalkCallFailure>;
  return typeof candidate.kind === 'string' && failureKinds.has(candidate.kind) && typeof candidate.answered === 'boolean';
}

/** DingTalk custom robots (group bots) as dispatch uses them (shared/application/group-bots.ts). */
export interface RobotWebhookDispatch {
  /** Posts `body` through the bot's webhook (signed per request); throws a DingTalkCallFailure when not accepted. */
  send(integrationId: string, bot: string, body: Readonly<Record<string, unknown>>): Promise<void>;
  /** Holds an alert back into the bot's digest, sent at `dueAtMs` or later (quota above 95 %). */
  holdBack(integrationId: string, bot: string, line: { readonly severity: Severity; readonly text: string }, dueAtMs: number): Promise<void>;
}

/** The quota key of an org's monthly Webhook & Stream quota (custom-robot sends), apart from its API quota. */
export function webhookQuotaKey(orgKey: string): string {
  return `webhook:${orgKey}`;
}

// ---- QPS limiter ----------------------------------------------------------------------------

export interface QpsGrant {
  /** Epoch second whose budget the call uses. */
  readonly second: number;
  /** 1-based position inside that second. */
  readonly slot: number;
  /** When the call may start (epoch ms). */
  readonly releaseAtMs: number;
  /** How long acquire() waited in total. */
  readonly waitedMs: number;
}

/** Waits until the caller may make one call to (app, api). */
export interface QpsLimiter {
  acquire(app: string, api: string): Promise<QpsGrant>;
}

/** No call slot is free within the limiter's longest wait: hand the message back and try later. */
export class QpsLimiterSaturatedError extends Error {
  override readonly name = 'QpsLimiterSaturatedError';
  constructor(
    readonly app: string,
    readonly api: string,
    readonly maxWaitMs: number,
  ) {
    super(`no ${app} × ${api} call slot free within ${maxWaitMs} ms; retry later`);
  }
}

// ---- Monthly quota ----------------------------------------------------------------------------

export interface QuotaUsage {
  readonly org: string;
  /** China-time month `YYYY-MM`. */
  readonly month: string;
  readonly used: number;
  readonly quota: number;
  /** DingTalk said the quota is gone (90020 / ApiCountLimitForOrg), whatever `used` says. */
  readonly exhausted: boolean;
}

export interface QuotaConsumption extends QuotaUsage {
  readonly granted: boolean;
  /** Why a call was refused: quota gone, or only Critical calls may use the last 5 %. */
  readonly refusal?: 'exhausted' | 'critical-only';
  /** Thresholds this call was the first to reach this month (report each as a metric/alarm). */
  readonly crossed: readonly QuotaThreshold[];
}

export interface QuotaMeter {
  /** Atomically counts `n` calls unless that would pass the ceiling for this severity (default Critical = the whole quota). */
  tryConsume(org: string, n: number, options?: { severity?: Severity }): Promise<QuotaConsumption>;
  /** Gives back calls DingTalk did not count (rejected by the gateway); `month` from the consumption. */
  refund(org: string, n: number, month: string): Promise<void>;
  usage(org: string): Promise<QuotaUsage>;
  /** DingTalk reported the quota exhausted: stop this month. Reports the 100 % crossing once. */
  markExhausted(org: string): Promise<QuotaConsumption>;
}
