/**
 * Ports: what the use cases need from the outside world. Adapters under shared/adapters
 * implement them; tests may implement them in memory for pure use-case tests.
 */
import type { DingTalkSecrets, Integration, WeComSecrets } from '../domain/integration';
import type { InboundCallbackMessage, WeComCallbackEvent } from '../domain/inbound';
import type { GroupChat } from '../domain/group-chat';
import type { Incident } from '../domain/incident';
import type { ActionQueueMessage } from '../domain/incident-action';
import type { OperationLogQuery, OperationRecord } from '../domain/operation-log';
import type { ResponseCodeRecord, WeComCardBatch, WeComCardRecord } from '../domain/wecom-card-record';

export interface IntegrationRepository {
  get(id: string): Promise<Integration | undefined>;
  put(integration: Integration): Promise<void>;
  list(): Promise<Integration[]>;
  delete(id: string): Promise<boolean>;
}

export interface IntegrationSecretsReader {
  /** `fresh`: past the cache (a secret that WeCom just refused may have been renewed). */
  weCom(integration: Integration, options?: { fresh?: boolean }): Promise<WeComSecrets>;
  dingTalk(integration: Integration): Promise<DingTalkSecrets>;
}

export interface DedupeStore {
  /**
   * Atomically claims a key for `pendingSeconds` (longer than the function can run): 'claimed' for
   * the first delivery, 'done' for a duplicate of finished work, 'pending' while another delivery
   * works on it (or died doing so: the claim then lapses and a later retry takes over).
   */
  claim(key: string, pendingSeconds: number): Promise<'claimed' | 'done' | 'pending'>;
  /** The work is done: keep the key `ttlSeconds` so replays are recognised. */
  complete(key: string, ttlSeconds: number): Promise<void>;
  /** Forget a claim whose work failed, so the platform's retry is processed. */
  release(key: string): Promise<void>;
}

/** Reads WeCom callback XML: the outer envelope and the decrypted event (typed 4xx errors on bad XML). */
export interface WeComCallbackXml {
  parseEnvelope(xml: string): { readonly encrypt: string; readonly toUserName?: string };
  parseEvent(xml: string): WeComCallbackEvent;
}

export interface InboundCallbackQueue {
  publish(message: InboundCallbackMessage): Promise<void>;
}

export interface DeadLetterSink {
  /** Park a message that can never succeed, with the reason, on the queue's DLQ. */
  deadLetter(body: string, reason: string): Promise<void>;
}

export interface GroupChatRegistry {
  /** Applies an update if it is newer than what is stored (compare-and-swap on eventTime). */
  apply(group: GroupChat): Promise<'applied' | 'stale'>;
  get(integrationId: string, openConversationId: string): Promise<GroupChat | undefined>;
  list(integrationId: string): Promise<GroupChat[]>;
}

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A cached platform access token (WeCom access_token, DingTalk accessToken). */
export interface CachedAccessToken {
  readonly token: string;
  /** Epoch ms when the platform says it expires. */
  readonly expiresAtMs: number;
}

/**
 * Shared token cache (DynamoDB in AWS): every function instance reads the same token, and a lease
 * makes sure concurrent cold starts call gettoken once, not N times.
 */
export interface AccessTokenStore {
  get(key: string): Promise<CachedAccessToken | undefined>;
  put(key: string, token: CachedAccessToken): Promise<void>;
  /** Atomically takes the refresh lease for `ttlMs`; false when another holder has it. */
  tryLease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(key: string, holder: string): Promise<void>;
  /** Drops a token the platform rejected (40014/42001), unless a newer one was stored meanwhile. */
  invalidate(key: string, token: string): Promise<void>;
}

export class ConcurrentUpdateError extends Error {
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} changed concurrently`);
    this.name = 'ConcurrentUpdateError';
  }
}

/** The incident projection, stored with compare-and-swap on `revision`. */
export interface IncidentRepository {
  get(incidentId: string): Promise<Incident | undefined>;
  /** Stores `next` if the stored revision is still `expectedRevision` (0 = must not exist). */
  save(next: Incident, expectedRevision: number): Promise<void>;
  /** Empties the outbox once its actions are published, if the incident is still at `revision`. */
  clearPendingActions(incidentId: string, revision: number): Promise<boolean>;
}

export interface Link {
  readonly integrationId: string;
  readonly email: string;
  readonly userId: string;
  readonly linkedAt: number;
  /** How the link was made (people-ports.ts LinkMethod); links made before issue 11 have none (admin). */
  readonly method?: import('./people-ports').LinkMethod;
}

/** Member email ↔ platform userid, per integration. */
export interface LinkStore {
  set(link: Link): Promise<void>;
  remove(integrationId: string, email: string): Promise<boolean>;
  byEmail(integrationId: string, email: string): Promise<Link | undefined>;
  byUserId(integrationId: string, userId: string): Promise<Link | undefined>;
  /** Batch lookup; missing emails are absent from the map. */
  byEmails(integrationId: string, emails: readonly string[]): Promise<Map<string, Link>>;
  list(integrationId: string): Promise<Link[]>;
}

export interface Member {
  readonly email: string;
  readonly name: string;
  readonly mobile?: string;
  readonly updatedAt: number;
}

export interface MemberDirectory {
  upsert(member: Member): Promise<void>;
  remove(email: string): Promise<void>;
  get(email: string): Promise<Member | undefined>;
  /** The member whose mobile compares equal (shared/domain/mobile.ts), for matching chat accounts. */
  byMobile?(mobile: string): Promise<Member | undefined>;
  /** Every member, by email (Linked Users, One-Click Link). */
  list?(): Promise<Member[]>;
}

export interface ActionPublisher {
  publish(message: ActionQueueMessage): Promise<void>;
}

export interface WeComCardStore {
  getCard(integrationId: string, incidentId: string): Promise<WeComCardRecord | undefined>;
  /** Creates the record if absent; returns the stored one. */
  createCard(card: WeComCardRecord): Promise<WeComCardRecord>;
  updateBatch(integrationId: string, incidentId: string, taskId: string, changes: Partial<Pick<WeComCardBatch, 'status' | 'sentAt' | 'renderedRevision' | 'stale' | 'textDigest'>>): Promise<void>;
  setInvalidUsers(integrationId: string, incidentId: string, invalidUsers: readonly string[]): Promise<void>;
  /** Claims bringing a task to `target`; the previous revision, or undefined when not needed / taken. */
  claimRender(integrationId: string, incidentId: string, taskId: string, target: number): Promise<number | undefined>;
  releaseRender(integrationId: string, incidentId: string, taskId: string, target: number, previous: number): Promise<void>;
  /** taskId → (integration, incident), for clicks. */
  findTask(integrationId: string, taskId: string): Promise<{ incidentId: string } | undefined>;
  addCode(code: ResponseCodeRecord): Promise<void>;
  codes(taskId: string): Promise<ResponseCodeRecord[]>;
  /** Atomically marks a code used; false when it was already used. */
  consumeCode(taskId: string, code: string): Promise<boolean>;
}

/** A War Room's DingTalk scene group that should get the incident card (card-refresh.ts). */
export interface WarRoomCardRequest {
  readonly integrationId: string;
  readonly openConversationId: string;
  readonly robotCode: string;
}

/** Asks for the cards of an incident to be refreshed after a short delay (coalescing bursts). */
export interface CardRefreshQueue {
  request(incidentId: string, options?: { delaySeconds?: number; notBefore?: number; warRoomCard?: WarRoomCardRequest }): Promise<void>;
}

/** What a failed WeCom call tells the caller (WeComApiError implements it): what to do and the errcode. */
export interface WeComCallFailure extends Error {
  readonly kind: 'retry' | 'throttled' | 'token' | 'permanent';
  readonly errcode: number | undefined;
  readonly reason: string;
}

const weComFailureKinds: ReadonlySet<string> = new Set(['retry', 'throttled', 'token', 'permanent']);

export function isWeComCallFailure(error: unknown): error is WeComCallFailure {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<WeComCallFailure>;
  return typeof candidate.kind === 'string' && weComFailureKinds.has(candidate.kind) && typeof candidate.reason === 'string' && 'errcode' in candidate;
}

/** What the WeCom use cases need from the WeCom API (implemented by the WeCom client). */
export interface WeComMessenger {
  /** `idTranslation`: `enable_id_trans: 1`, WeCom fills in `$userName=<userid>$` (DOC-90372). */
  sendTemplateCard(args: { toUsers: string[]; card: object; duplicateCheckSeconds?: number; idTranslation?: boolean }): Promise<{ msgId: string; responseCode?: string; invalidUsers: string[]; unlicensedUsers?: string[] }>;
  /** `idTranslation` applies to a replacement `card` only (DOC-94888 lists no enable_id_trans for replace_name alone). */
  updateTemplateCard(args: { userIds: string[]; responseCode: string; card?: object; replaceName?: string; idTranslation?: boolean }): Promise<{ invalidUsers: string[] }>;
  sendText(args: { toUsers: string[]; content: string }): Promise<void>;
}

export interface WeComMessengers {
  forIntegration(integration: import('../domain/integration').WeComIntegration): Promise<WeComMessenger>;
}

export interface DingTalkCardRecord {
  readonly integrationId: string;
  readonly incidentId: string;
  /** One outTrackId per createAndDeliver call (≤ 20 spaces each). */
  readonly outTrackIds: readonly string[];
  readonly notLinked: readonly string[];
  /** Responders the group card could not @mention, and why (see UnmentionedResponder). */
  readonly unmentioned?: readonly UnmentionedResponder[];
  /** Incident render version the cards were last brought to (see renderVersion). */
  readonly renderedVersion: number;
  /** True once every createAndDeliver call is on the outgoing queue. */
  readonly queued?: boolean;
  readonly createdAt: number;
}

/**
 * A responder the group card does not @mention: `no_mobile` (not linked and no mobile in the
 * member directory), `not_found` (getbymobile 60121: no active user with that mobile),
 * `invalid_mobile` (40104), `lookup_refused` (any other refusal, e.g. the app lacks the contacts
 * permission qyapi_get_member_by_mobile), `lookup_failed` (DingTalk did not answer usefully).
 */
export interface UnmentionedResponder {
  readonly email: string;
  readonly reason: 'no_mobile' | 'not_found' | 'invalid_mobile' | 'lookup_refused' | 'lookup_failed';
  readonly detail?: string;
}

/** DingTalk user lookups per integration (the DingTalk client: oapi getbymobile, free, not metered). */
export interface DingTalkUserLookups {
  forIntegration(integration: import('../domain/integration').DingTalkIntegration): Promise<{
    /** The active user's userId; undefined when none has the mobile (60121). Other failures throw. */
    getUserIdByMobile(mobile: string): Promise<string | undefined>;
  }>;
}

/** A cached mobile → DingTalk userId lookup: a hit (`userId`) or a miss that will not change soon. */
export interface MobileLookup {
  readonly userId?: string;
  readonly miss?: 'not_found' | 'invalid_mobile';
  readonly lookedUpAt: number;
}

/** Cache of getbymobile answers per integration, each kept `ttlSeconds` (DynamoDB with TTL). */
export interface MobileLookupCache {
  get(integrationId: string, mobile: string): Promise<MobileLookup | undefined>;
  put(integrationId: string, mobile: string, lookup: MobileLookup, ttlSeconds: number): Promise<void>;
}

export interface DingTalkCardStore {
  getCard(integrationId: string, incidentId: string): Promise<DingTalkCardRecord | undefined>;
  createCard(card: DingTalkCardRecord): Promise<DingTalkCardRecord>;
  findOutTrack(integrationId: string, outTrackId: string): Promise<{ incidentId: string } | undefined>;
  markRendered(integrationId: string, incidentId: string, version: number): Promise<boolean>;
  markQueued(integrationId: string, incidentId: string): Promise<void>;
  /** Adds a card of another delivery (the War Room's) to the record and its outTrackId lookup; idempotent. */
  addOutTrack(integrationId: string, incidentId: string, outTrackId: string, nowMs: number): Promise<void>;
}

/** The outgoing-im queue: every metered DingTalk call goes through dispatch. */
export interface OutgoingCalls {
  /** `delaySeconds` (0..900) holds the call back, e.g. a follow-up to flow-controlled recipients. */
  enqueue(call: import('../domain/outgoing-call').OutgoingCallInput, options?: { delaySeconds?: number }): Promise<void>;
}

/** Cards of an incident across platforms and integrations. */
export interface IncidentCardIndex {
  cardsOfIncident(incidentId: string): Promise<{ platform: 'wecom' | 'dingtalk'; integrationId: string }[]>;
  /**
   * Retention: every card record of the incident expires like the incident (closed: its expiry;
   * open again: none). refresh-card calls it after every change; idempotent.
   */
  applyRetention?(incidentId: string): Promise<void>;
}

/**
 * Fixed-window counters shared by every instance (DynamoDB in AWS): rate limits on card clicks.
 * `hit` counts one hit on each key in turn in the current window of `windowSeconds` and answers
 * false at the first key already at its limit (later keys are then not counted).
 *
 * `rolling`: the previous window's hits count against the current one too, so no span of
 * `windowSeconds` (which always lies inside two consecutive windows) ever holds more than `limit`
 * hits. For limits the platform enforces on a rolling minute (a robot's 20 messages: over them
 * DingTalk blocks it for 10 minutes), where a plain fixed window would let 2 × limit through across
 * a window boundary.
 */
export interface RateLimitCounters {
  hit(keys: readonly { readonly key: string; readonly limit: number }[], windowSeconds: number, options?: { readonly rolling?: boolean }): Promise<boolean>;
}

/** The operation log (shared/domain/operation-log.ts): appended by the use cases, read by the CLI and the simulator view. */
export interface OperationLog {
  append(records: readonly OperationRecord[]): Promise<void>;
  /** Newest first. */
  query(query: OperationLogQuery): Promise<OperationRecord[]>;
}
