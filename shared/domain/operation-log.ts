/**
 * The operation log: one record per delivery attempt and per decision not to deliver, so an
 * operator can answer "why did this person not get the card?" without reading code. Records are
 * kept 30 days and queried by incident, member, integration and time.
 */
import * as z from 'zod/mini';

/** Days an operation record is kept (DynamoDB TTL). */
export const OPERATION_LOG_RETENTION_DAYS = 30;

/**
 * Why a record was written, in a word an operator can filter on; `reason` says it in plain words.
 * The list grows with the features that write to the log (linking, templates).
 */
export const operationReasonCodes = [
  'delivered',
  'updated',
  'already_delivered',
  // One-time code mails (issue 11): the mail server refused it for good (bad recipient, auth,
  // settings), or it waited past the code's 10 minutes. Never the code itself.
  'mail_refused',
  'mail_late',
  'integration_unknown',
  'app_not_linked',
  'no_target',
  'not_licensed',
  'quota_exhausted',
  'quota_deferred',
  'qps_throttled',
  'permission_missing',
  'untrusted_ip',
  'invalid_user',
  'robot_removed',
  'message_too_long',
  // Templates (issue 13): a custom template failed at send time (line, column, message; the default
  // was sent with a note), or a field was cut to the platform's limit (not an error).
  'template_error',
  'template_truncated',
  'event_version_stale',
  'group_unavailable',
  'mention_unresolved',
  // Group bots (issue 11): a responder a bot cannot @mention, and why.
  'no_phone',
  'not_in_mapping_table',
  'not_in_group',
  'robot_rate_limited',
  'robot_security_failed',
  'card_stale',
  // Account linking (issue 11): a link made, a link moved (the reason names the previous userid or
  // email), a linking attempt refused (the reason names why; never a code or token).
  'linked',
  'relinked',
  'link_refused',
  // One-Click Link (issue 11): nobody found by mobile/email, the userid is linked to another member, the day's lookup budget is used up.
  'user_not_found',
  'link_conflict',
  'lookup_budget_reached',
  'platform_error',
  'transient_error',
  // War Room (issue 14): a room opened, a responder invited / removed / not invited (and why), a
  // status posted, the room closed (the chat is kept), or a refusal (48002, template, owner, quota…).
  'war_room_opened',
  'war_room_invited',
  'war_room_removed',
  'war_room_not_invited',
  'war_room_posted',
  'war_room_closed',
  'war_room_refused',
  // A linked person pressed "Open War Room" on a card: the request was queued for the worker.
  'war_room_requested',
  // Smart bot (issue 15): a command or question answered (the reason names the command, never the
  // words asked), the model failed or timed out and the deterministic answer was given, media refused.
  'bot_answered',
  'bot_model_fallback',
  'bot_media_refused',
  // Alert sources (issue 18): alerts that no route sends anywhere, silences created / expired for a
  // card's Snooze / Close, and a silence Alertmanager refused or could not be reached for.
  'alert_unrouted',
  'alert_silenced',
  'alert_silence_expired',
  'alert_silence_failed',
  // WeCom third-party (suite) mode (issue 16): a corp authorized / changed / cancelled the app, a
  // suite_ticket older than the stored one, an unlicensed member opened the app (unlicensed_notify),
  // a trial about to end, an integration disabled because its authorization was cancelled.
  'suite_authorized',
  'suite_authorization_changed',
  'suite_authorization_cancelled',
  'suite_ticket_stale',
  'suite_refused',
  'license_unlicensed_notify',
  'license_trial_ending',
  'license_event',
  'integration_disabled',
] as const;
export type OperationReasonCode = (typeof operationReasonCodes)[number];

/** sent: the platform accepted it; dropped: dutybridge decided not to send; failed: the platform refused; retrying: it will be tried again; done: dutybridge made the change asked for (a link). */
export const operationResults = ['sent', 'dropped', 'failed', 'retrying', 'deferred', 'done'] as const;
export type OperationResult = (typeof operationResults)[number];

export const operationRecordSchema = z.object({
  atMs: z.number(),
  result: z.enum(operationResults),
  reasonCode: z.enum(operationReasonCodes),
  /** Plain words: what happened and what to do about it. */
  reason: z.string().check(z.maxLength(1000)),
  incidentId: z.optional(z.string()),
  integrationId: z.optional(z.string()),
  platform: z.optional(z.enum(['wecom', 'dingtalk'])),
  /** Where it went: 'card', 'card_update', 'group_card', 'message', 'event'. */
  channel: z.optional(z.string()),
  /** The member's email when known, else the platform user id or the group's conversation id. */
  recipient: z.optional(z.string()),
  /** The platform request, e.g. 'message/send', 'card/instances/createAndDeliver'. */
  requestKind: z.optional(z.string()),
  /** The platform's errcode / code when it answered with one. */
  platformCode: z.optional(z.union([z.string(), z.number()])),
});
export type OperationRecord = z.infer<typeof operationRecordSchema>;

export interface OperationLogQuery {
  readonly incidentId?: string;
  readonly member?: string;
  readonly integrationId?: string;
  /** Records at or after this time (epoch ms). */
  readonly sinceMs?: number;
  readonly limit?: number;
}
