/**
 * The `incident.action` message dutybridge publishes to the actions queue (consumed by the incident
 * system): exactly one per transition made by a click, identified by an idempotency key.
 */
import { createHash } from 'node:crypto';
import type { Actor, Incident } from './incident';

export interface IncidentActionMessage {
  readonly type: 'incident.action';
  readonly incidentId: string;
  readonly action: 'acknowledge' | 'resolve' | 'snooze';
  readonly snoozeMinutes?: number;
  readonly actor: { readonly email: string; readonly platform?: string; readonly userId?: string };
  /** ISO-8601 time of the click. */
  readonly at: string;
  /** Same key for every delivery of the same transition; consumers de-duplicate on it. */
  readonly idempotencyKey: string;
}

/** Deterministic per incident revision: two deliveries of one transition share the key. */
export function actionIdempotencyKey(incidentId: string, revision: number): string {
  return createHash('sha256').update(`${incidentId}\u0000${revision}`).digest('hex').slice(0, 64);
}

export function actionMessageFor(incident: Incident): IncidentActionMessage | undefined {
  const t = incident.lastTransition;
  if (!t) return undefined;
  const actor: Actor = t.actor;
  return {
    type: 'incident.action',
    incidentId: incident.incidentId,
    action: t.action,
    ...(t.action === 'snooze' ? { snoozeMinutes: t.snoozeMinutes } : {}),
    actor: { email: actor.email, platform: actor.platform, userId: actor.userId },
    at: new Date(t.at).toISOString(),
    idempotencyKey: t.idempotencyKey,
  };
}

/**
 * `incident.war_room` on the actions queue (issue 14): a War Room opened or closed for the
 * incident, so the incident system can show the room and its join link. One message per room
 * state; the idempotency key repeats for a redelivery of the same state.
 */
export interface WarRoomActionMessage {
  readonly type: 'incident.war_room';
  readonly incidentId: string;
  readonly integrationId: string;
  readonly platform: 'wecom' | 'dingtalk';
  readonly state: 'open' | 'closed';
  /** WeCom appchat chatid or DingTalk openConversationId. */
  readonly chatId: string;
  readonly name: string;
  /** How to join (DingTalk group URL), when the platform gives one. */
  readonly joinUrl?: string;
  readonly at: string;
  readonly idempotencyKey: string;
}

export function warRoomActionKey(incidentId: string, integrationId: string, state: 'open' | 'closed'): string {
  return createHash('sha256').update(`war_room\u0000${incidentId}\u0000${integrationId}\u0000${state}`).digest('hex').slice(0, 64);
}

/** What the actions queue carries. */
export type ActionQueueMessage = IncidentActionMessage | WarRoomActionMessage;
