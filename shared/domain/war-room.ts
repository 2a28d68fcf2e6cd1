/**
 * War Room (issue 14): one group chat per incident and integration, with the incident's responders.
 * Pure rules: the room's name and ids derived from the incident (so a retry cannot make a second
 * room), the member changes a responder change needs, and when a room is created, synced or closed.
 * Platform facts: WeCom appchat (wecom.md §4.5), DingTalk scene groups (dingtalk.md §4.5).
 */
import { createHash } from 'node:crypto';
import type { Incident, IncidentStatus } from './incident';
import type { Platform } from './integration';
import { truncateText } from './text-budget';

export type WarRoomState = 'creating' | 'open' | 'closed' | 'failed';

export interface WarRoom {
  readonly incidentId: string;
  readonly integrationId: string;
  readonly platform: Platform;
  readonly state: WarRoomState;
  /** WeCom chatid (derived, [0-9a-zA-Z] ≤ 32) or DingTalk openConversationId (known after create). */
  readonly chatId?: string;
  /** DingTalk create idempotency key (uuid). */
  readonly uuid?: string;
  readonly name: string;
  readonly owner?: string;
  /** Platform userids in the room (as dutybridge put them there). */
  readonly members: readonly string[];
  /** Email → userid of the responders the members came from. */
  readonly memberEmails: Readonly<Record<string, string>>;
  /** Responders that could not be invited, and why (not linked, not found by mobile…). */
  readonly unresolved: readonly { readonly email: string; readonly reason: string }[];
  /** The incident status last posted to the room. */
  readonly postedStatus?: IncidentStatus;
  readonly summaryPosted: boolean;
  /** The first analysis (summary, recent timeline, the model's first take) was posted (issue 15). */
  readonly analysisPosted?: boolean;
  readonly closingPosted: boolean;
  /** Join link (DingTalk group URL), when the platform gives one. */
  readonly joinUrl?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly failure?: { readonly code: string; readonly reason: string };
  /** Requests that tried to open the room; a refused room is tried again by the next request. */
  readonly attempts?: number;
}

/** WeCom appchat name: "最多50个utf8字符，超过将截断" (DOC-90245); DingTalk title kept to 30 characters (dingtalk.md §4.5). */
export const WECOM_ROOM_NAME_MAX_CHARS = 50;
export const DINGTALK_ROOM_TITLE_MAX_CHARS = 30;
/** WeCom appchat userlist: 2–2000 members (DOC-90245). */
export const WECOM_ROOM_MIN_MEMBERS = 2;
export const WECOM_ROOM_MAX_MEMBERS = 2000;

/** A chatid a retry derives again: "wr" + 30 hex of sha256(integration, incident) — [0-9a-zA-Z] ≤ 32 (DOC-90245). */
export function weComWarRoomChatId(integrationId: string, incidentId: string): string {
  return `wr${createHash('sha256').update(`${integrationId}\u0000${incidentId}`).digest('hex').slice(0, 30)}`;
}

/** The scene-group uuid: the same for every attempt of one room. */
export function dingTalkWarRoomUuid(integrationId: string, incidentId: string): string {
  return `wr-${createHash('sha256').update(`${integrationId}\u0000${incidentId}`).digest('hex').slice(0, 32)}`;
}

/** "[Critical] title · incident id" within the platform's limit, cut on a grapheme boundary with "…". */
export function warRoomName(incident: Pick<Incident, 'incidentId' | 'title' | 'severity'>, platform: Platform): string {
  const max = platform === 'wecom' ? WECOM_ROOM_NAME_MAX_CHARS : DINGTALK_ROOM_TITLE_MAX_CHARS;
  const title = incident.title.replace(/\s+/g, ' ').trim();
  const suffix = ` · ${incident.incidentId}`;
  // The incident id stays readable when it is short; a long one goes with the title into the cut.
  if ([...suffix].length <= max / 2) return `${truncateText(`[${incident.severity}] ${title}`, { maxChars: max - [...suffix].length })}${suffix}`;
  return truncateText(`[${incident.severity}] ${title}${suffix}`, { maxChars: max });
}

export interface MemberChange {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/** Who to invite and who to remove so the room holds `wanted` (the owner is never removed). */
export function memberChange(current: readonly string[], wanted: readonly string[], owner: string | undefined): MemberChange {
  const have = new Set(current);
  const want = new Set(wanted);
  return {
    add: wanted.filter((u, i) => !have.has(u) && wanted.indexOf(u) === i),
    remove: current.filter((u) => !want.has(u) && u !== owner),
  };
}
