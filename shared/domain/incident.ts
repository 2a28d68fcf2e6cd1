/**
 * The incident projection dutybridge keeps for each incident, and its state machine:
 * Triggered → Processing → Closed; Snoozed until T (Triggered again once T passes); reopen.
 * Pure: every transition returns the next state or a rejection, and the repository stores it with
 * compare-and-swap on `revision`, so two clicks at once yield one transition.
 */
import type { IncidentEvent } from './incident-events';

export type IncidentStatus = 'Triggered' | 'Processing' | 'Snoozed' | 'Closed';
export type Severity = 'Critical' | 'Warning' | 'Info';

export interface Actor {
  readonly email: string;
  readonly name?: string;
  readonly platform?: 'wecom' | 'dingtalk';
  readonly userId?: string;
}

export interface IncidentTarget {
  readonly integrationId: string;
  readonly persons: readonly string[];
  readonly groups: readonly string[];
  /** Group bot names (absent on incidents stored before bots existed). */
  readonly bots?: readonly string[];
}

export interface Incident {
  readonly incidentId: string;
  /** Highest source version applied from the incident-events stream. */
  readonly version: number;
  /** Our compare-and-swap counter: +1 on every stored change. */
  readonly revision: number;
  readonly title: string;
  readonly severity: Severity;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly detailUrl?: string;
  readonly responders: readonly string[];
  readonly targets: readonly IncidentTarget[];
  readonly status: IncidentStatus;
  /** Epoch ms; set while Snoozed. */
  readonly snoozedUntil?: number;
  /** Who took it (Start Processing) or closed it. */
  readonly acknowledgedBy?: Actor;
  readonly closedBy?: Actor;
  readonly triggeredAt: number;
  readonly updatedAt: number;
  /**
   * The last transition made by a click, stored in the same compare-and-swap write as the state
   * change (an outbox): a redelivered click republishes the same action instead of losing it.
   */
  /**
   * incident.action messages stored with the transition that made them and not yet confirmed as
   * published (a transactional outbox): whoever touches the incident next publishes them again.
   */
  readonly pendingActions?: readonly import('./incident-action').IncidentActionMessage[];
  /** Events and transitions, oldest first, at most TIMELINE_MAX_ENTRIES (see TimelineEntry). */
  readonly timeline?: readonly TimelineEntry[];
  readonly lastTransition?: {
    readonly clickKey: string;
    readonly idempotencyKey: string;
    readonly action: 'acknowledge' | 'resolve' | 'snooze';
    readonly snoozeMinutes?: number;
    readonly actor: Actor;
    readonly at: number;
  };
}

/**
 * One line of an incident's compact timeline, kept on the incident item (bounded, oldest dropped):
 * an event applied from the incident system, or a click that made a transition (which published
 * one incident.action with `idempotencyKey`). Clicks that changed nothing are not stored.
 */
export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'event' | 'click';
  /** The event type (`incident.triggered`, …) or the click's action (`acknowledge`, `snooze`, …). */
  readonly what: string;
  /** The incident's revision after this entry. */
  readonly revision: number;
  /** Events: the source version applied. */
  readonly version?: number;
  readonly snoozeMinutes?: number;
  /** Clicks: who clicked (email, platform, userid). */
  readonly actor?: Actor;
  /** Clicks: the incident.action it published. */
  readonly idempotencyKey?: string;
}

/** Entries kept per incident (about 200 bytes each: the item stays far below DynamoDB's 400 KB). */
export const TIMELINE_MAX_ENTRIES = 50;

/** The timeline with `entry` appended, the oldest entries dropped beyond TIMELINE_MAX_ENTRIES. */
export function appendTimeline(timeline: readonly TimelineEntry[] | undefined, entry: TimelineEntry): readonly TimelineEntry[] {
  return [...(timeline ?? []), entry].slice(-TIMELINE_MAX_ENTRIES);
}

export type IncidentAction =
  | { readonly kind: 'acknowledge' }
  | { readonly kind: 'resolve' }
  | { readonly kind: 'snooze'; readonly minutes: number }
  | { readonly kind: 'refresh' };

/** Snooze durations offered on cards (minutes): the 2 h button and the menu entries. */
export const SNOOZE_BUTTON_MINUTES = 120;
export const SNOOZE_MENU_MINUTES = [30, 240, 720, 1440] as const;
export const ALLOWED_SNOOZE_MINUTES = new Set<number>([SNOOZE_BUTTON_MINUTES, ...SNOOZE_MENU_MINUTES]);

/** Status as people should see it now: a snooze that has run out is Triggered again. */
export function effectiveStatus(incident: Incident, nowMs: number): IncidentStatus {
  if (incident.status === 'Snoozed' && incident.snoozedUntil !== undefined && nowMs >= incident.snoozedUntil) return 'Triggered';
  return incident.status;
}

/**
 * What recipients currently see, as a number that grows with every visible change: the revision,
 * plus a half step once a snooze has run out (status is Triggered again without a new revision).
 */
export function renderVersion(incident: Incident, nowMs: number): number {
  return incident.revision + (incident.status === 'Snoozed' && effectiveStatus(incident, nowMs) !== 'Snoozed' ? 0.5 : 0);
}

export type EventOutcome =
  | { readonly kind: 'applied'; readonly incident: Incident; readonly created: boolean }
  | { readonly kind: 'stale'; readonly reason: string };

type IncidentEventOf<T extends IncidentEvent['type']> = Extract<IncidentEvent, { type: T }>;
type IncidentStreamEvent = IncidentEventOf<
  'incident.triggered' | 'incident.updated' | 'incident.acknowledged' | 'incident.snoozed' | 'incident.resolved' | 'incident.reopened'
>;

export function isIncidentStreamEvent(event: IncidentEvent): event is IncidentStreamEvent {
  return event.type.startsWith('incident.') && !event.type.startsWith('incident.war_room_');
}

/** Applies an event from the incident system. Versions at or below the stored one are stale. */
export function applyIncidentEvent(current: Incident | undefined, event: IncidentStreamEvent, nowMs: number): EventOutcome {
  if (current && event.version <= current.version) {
    return { kind: 'stale', reason: `version ${event.version} is not newer than ${current.version}` };
  }
  const occurredMs = Date.parse(event.occurredAt);
  const base: Incident = {
    incidentId: event.incidentId,
    version: event.version,
    revision: (current?.revision ?? 0) + 1,
    title: event.title,
    severity: event.severity,
    description: event.description,
    labels: event.labels,
    detailUrl: event.detailUrl,
    responders: event.responders,
    targets: event.targets.map((t) => ({ integrationId: t.integrationId, persons: t.persons, groups: t.groups, ...(t.bots.length ? { bots: t.bots } : {}) })),
    status: current?.status ?? 'Triggered',
    snoozedUntil: current?.snoozedUntil,
    acknowledgedBy: current?.acknowledgedBy,
    closedBy: current?.closedBy,
    triggeredAt: current?.triggeredAt ?? (Number.isFinite(occurredMs) ? occurredMs : nowMs),
    updatedAt: nowMs,
    // Events from the incident system never drop actions still waiting to be published.
    ...(current?.pendingActions?.length ? { pendingActions: current.pendingActions } : {}),
    ...(current?.lastTransition ? { lastTransition: current.lastTransition } : {}),
    timeline: appendTimeline(current?.timeline, { at: nowMs, kind: 'event', what: event.type, revision: (current?.revision ?? 0) + 1, version: event.version }),
  };
  const actor = 'actorEmail' in event && event.actorEmail ? { email: event.actorEmail } : undefined;
  let next: Incident;
  switch (event.type) {
    case 'incident.triggered':
    case 'incident.updated':
      next = base;
      break;
    case 'incident.acknowledged':
      next = { ...base, status: 'Processing', snoozedUntil: undefined, acknowledgedBy: actor ?? base.acknowledgedBy };
      break;
    case 'incident.snoozed':
      next = { ...base, status: 'Snoozed', snoozedUntil: Date.parse(event.until) };
      break;
    case 'incident.resolved':
      next = { ...base, status: 'Closed', snoozedUntil: undefined, closedBy: actor ?? base.closedBy };
      break;
    case 'incident.reopened':
      next = { ...base, status: 'Triggered', snoozedUntil: undefined, closedBy: undefined, acknowledgedBy: undefined };
      break;
  }
  return { kind: 'applied', incident: next, created: current === undefined };
}

export type ActionOutcome =
  | { readonly kind: 'transition'; readonly incident: Incident; readonly action: Exclude<IncidentAction, { kind: 'refresh' }> }
  | { readonly kind: 'noChange'; readonly incident: Incident; readonly reason: string };

/**
 * Applies a click. A late or repeated click never reopens a closed incident; acknowledging an
 * incident already being processed changes nothing (the card just catches up).
 */
export function applyIncidentAction(incident: Incident, action: IncidentAction, actor: Actor, nowMs: number): ActionOutcome {
  const status = effectiveStatus(incident, nowMs);
  const next = (changes: Partial<Incident>): Incident => ({ ...incident, ...changes, revision: incident.revision + 1, updatedAt: nowMs });
  if (action.kind === 'refresh') return { kind: 'noChange', incident, reason: 'refresh' };
  if (status === 'Closed') return { kind: 'noChange', incident, reason: 'already closed' };
  switch (action.kind) {
    case 'acknowledge':
      if (status === 'Processing') return { kind: 'noChange', incident, reason: 'already being processed' };
      return { kind: 'transition', action, incident: next({ status: 'Processing', snoozedUntil: undefined, acknowledgedBy: actor }) };
    case 'resolve':
      return { kind: 'transition', action, incident: next({ status: 'Closed', snoozedUntil: undefined, closedBy: actor }) };
    case 'snooze':
      if (!ALLOWED_SNOOZE_MINUTES.has(action.minutes)) return { kind: 'noChange', incident, reason: `snooze of ${action.minutes} min is not offered` };
      return { kind: 'transition', action, incident: next({ status: 'Snoozed', snoozedUntil: nowMs + action.minutes * 60_000 }) };
  }
}

/** Card button keys: `<action>` or `snooze:<minutes>`; WeCom keys ≤ 1024 bytes, DingTalk action ids likewise short. */
export function parseActionKey(key: string): IncidentAction | undefined {
  if (key === 'acknowledge' || key === 'resolve' || key === 'refresh') return { kind: key };
  const m = /^snooze:(\d{1,5})$/.exec(key);
  if (m) return { kind: 'snooze', minutes: Number(m[1]) };
  return undefined;
}

/**
 * The card action "Open War Room" (issue 14). Not an IncidentAction: it changes nothing on the
 * incident and publishes no incident.action; the click asks the war-room worker for the room.
 */
export const WAR_ROOM_ACTION_KEY = 'war_room';

export function actionKey(action: IncidentAction): string {
  return action.kind === 'snooze' ? `snooze:${action.minutes}` : action.kind;
}
