/**
 * Alert groups → incident events (issue 18). Each group (shared/domain/alert-payloads.ts) is one
 * incident; what we last sent for it is kept as AlertIncidentState, so a webhook repeated by
 * Alertmanager's repeat_interval (same content, new times) changes nothing, and the first
 * notification, a change, the end and a new start become triggered, updated, resolved and
 * reopened events with increasing versions.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { IncidentEvent } from './incident-events';
import type { Severity } from './incident';
import { cutText, type AlertGroup, type NormalizedAlert } from './alert-payloads';
import { labelValueOf, routeAlert, type AlertSource, type AlertTarget, type RoutedRecipients } from './alert-sources';
import { singleLine } from './text-budget';

/** An Alertmanager API v2 silence matcher; ours are always exact equality. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: false;
  isEqual: true;
}

export interface AlertSilence {
  id: string;
  endsAt: string;
  /** The card action that created it (for the operation log and for undoing it). */
  actionKey: string;
}

/** The content of the last event sent for an incident: what a silence change repeats. */
export interface AlertEventContent {
  title: string;
  severity: Severity;
  description: string;
  /** Without the silence label (that one is added per event). */
  labels: Record<string, string>;
  detailUrl?: string;
  responders: string[];
  targets: AlertTarget[];
}

export interface AlertIncidentState {
  incidentId: string;
  sourceId: string;
  version: number;
  digest: string;
  status: 'firing' | 'resolved';
  /** Fingerprints of the alerts firing, sorted. */
  firing: string[];
  matchers: SilenceMatcher[];
  silence?: AlertSilence;
  last: AlertEventContent;
  updatedAt: number;
}

export interface AlertDescription {
  title: string;
  severity: Severity;
  description: string;
  labels: Record<string, string>;
  detailUrl?: string;
  firing: string[];
  status: 'firing' | 'resolved';
  matchers: SilenceMatcher[];
  route: RoutedRecipients | undefined;
}

export type AlertIncidentEvent = Extract<IncidentEvent, { type: 'incident.triggered' | 'incident.updated' | 'incident.resolved' | 'incident.reopened' }>;
export type AlertEventOutcome = { event: AlertIncidentEvent; state: AlertIncidentState } | { skip: 'unchanged' | 'unrouted' | 'resolved_unknown' };

/** The incident event contract's limits (incident-events.ts). */
const TITLE_MAX = 512;
const DESCRIPTION_MAX = 8192;
const LABEL_VALUE_MAX = 512;
const LABELS_SHOWN = 30;
const LINES_SHOWN = 20;
const LINE_MAX = 300;
const DETAIL_URL_MAX = 2048;
export const ALERT_SOURCE_LABEL = 'alert_source';
export const SILENCE_LABEL = 'silence';

const httpUrl = z.url({ protocol: /^https?$/ });
const RANK: Record<Severity, number> = { Critical: 3, Warning: 2, Info: 1 };

const nonEmpty = (text: string | undefined): string | undefined => (text && text.trim() ? text : undefined);
const isPrivateLabel = (name: string) => name.startsWith('__');
const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The labels the whole group shares: commonLabels, or, when the sender left them empty (or the
 * group was shrunk), the labels every alert of the group has with the same value.
 */
function sharedLabels(group: AlertGroup): Record<string, string> {
  if (Object.keys(group.commonLabels).length > 0) return group.commonLabels;
  const [first, ...rest] = group.alerts;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([name, value]) => rest.every((a) => Object.hasOwn(a.labels, name) && a.labels[name] === value)));
}

function mappedSeverity(value: string, source: AlertSource): Severity | undefined {
  const key = value.toLowerCase();
  return Object.hasOwn(source.severityMap, key) ? source.severityMap[key] : undefined;
}

/** The group's severity label, else the highest among its alerts (firing ones, if any), else the default. */
function severityOf(group: AlertGroup, common: Record<string, string>, firing: readonly NormalizedAlert[], source: AlertSource): Severity {
  const own = mappedSeverity(labelValueOf(common, source.severityLabel), source);
  if (own) return own;
  let highest: Severity | undefined;
  for (const alert of firing.length > 0 ? firing : group.alerts) {
    const severity = mappedSeverity(labelValueOf(alert.labels, source.severityLabel), source);
    if (severity && (!highest || RANK[severity] > RANK[highest])) highest = severity;
  }
  return highest ?? source.defaultSeverity;
}

function alertLine(alert: NormalizedAlert): string {
  const name = [alert.labels.alertname, alert.labels.instance].filter(nonEmpty).join(' ') || alert.fingerprint;
  const summary = nonEmpty(alert.annotations.summary);
  return cutText(singleLine(`- ${name}${summary ? `: ${summary}` : ''}`), LINE_MAX);
}

function descriptionOf(group: AlertGroup, lead: NormalizedAlert | undefined, firing: readonly NormalizedAlert[]): string {
  const head = nonEmpty(group.commonAnnotations.description) ?? nonEmpty(lead?.annotations.description);
  const lines = firing.slice(0, LINES_SHOWN).map(alertLine);
  if (firing.length > LINES_SHOWN) lines.push(`… and ${firing.length - LINES_SHOWN} more`);
  if (group.truncatedAlerts > 0) lines.push(`${group.truncatedAlerts} more alert(s) not listed here (left out by the sender's max_alerts, or to fit a queue message)`);
  return cutText([head, lines.join('\n')].filter(nonEmpty).join('\n\n'), DESCRIPTION_MAX);
}

function detailUrlOf(group: AlertGroup, lead: NormalizedAlert | undefined): string | undefined {
  for (const candidate of [lead?.generatorURL, group.externalURL]) {
    if (candidate && candidate.length <= DETAIL_URL_MAX && httpUrl.safeParse(candidate).success) return candidate;
  }
  return undefined;
}

/** What an incident for this group says, who gets it, and what a silence for it would match. */
export function describeGroup(group: AlertGroup, source: AlertSource): AlertDescription {
  const firingAlerts = group.alerts.filter((a) => a.status === 'firing');
  const lead = firingAlerts[0] ?? group.alerts[0];
  const common = sharedLabels(group);
  const firing = [...new Set(firingAlerts.map((a) => a.fingerprint))].sort();
  // Alerts cut from the group (the sender's max_alerts, or our queue message size) still count.
  const more = group.status === 'firing' ? group.truncatedAlerts : 0;
  const suffix = more > 0 ? ` (${firingAlerts.length} firing, ${more} more)` : firingAlerts.length > 1 ? ` (${firingAlerts.length} firing)` : '';
  const base = nonEmpty(group.commonAnnotations.summary) ?? nonEmpty(lead?.annotations.summary) ?? nonEmpty(labelValueOf(common, 'alertname')) ?? nonEmpty(lead?.labels.alertname) ?? 'Alert';
  const shownLabels = Object.entries(common).filter(([name]) => !isPrivateLabel(name) && name.length <= 128).sort(byName).slice(0, LABELS_SHOWN);
  const detailUrl = detailUrlOf(group, lead);
  return {
    title: cutText(singleLine(base), TITLE_MAX - suffix.length) + suffix,
    severity: severityOf(group, common, firingAlerts, source),
    description: descriptionOf(group, lead, firingAlerts),
    labels: { ...Object.fromEntries(shownLabels.map(([name, value]) => [name, cutText(value, LABEL_VALUE_MAX)])), [ALERT_SOURCE_LABEL]: source.id },
    ...(detailUrl ? { detailUrl } : {}),
    firing,
    // Alerts cut by the sender (max_alerts) may still fire: trust the notification's own status then.
    status: firing.length > 0 || (group.truncatedAlerts > 0 && group.status === 'firing') ? 'firing' : 'resolved',
    matchers: Object.entries(common).filter(([name]) => !isPrivateLabel(name)).sort(byName).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
    route: routeAlert(common, source.routes),
  };
}

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(byName as (a: [string, unknown], b: [string, unknown]) => number);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What the card would show and who would get it, without times: a repeated webhook hashes the same. */
export function alertDigest(described: AlertDescription): string {
  const { title, severity, description, labels, detailUrl, firing, status, route } = described;
  return createHash('sha256').update(canonicalJson({ title, severity, description, labels, detailUrl, firing, status, route: route ?? null })).digest('hex');
}

export function silenceLabel(silence: Pick<AlertSilence, 'id' | 'endsAt'>): string {
  return cutText(`${silence.id} until ${silence.endsAt}`, LABEL_VALUE_MAX);
}

function silenceLine(silence: AlertSilence): string {
  return `Silenced in Alertmanager until ${silence.endsAt} (silence ${silence.id})`;
}

function eventOf(type: AlertIncidentEvent['type'], incidentId: string, version: number, occurredMs: number, content: AlertEventContent, silence: AlertSilence | undefined): AlertIncidentEvent {
  return {
    type,
    incidentId,
    version,
    occurredAt: new Date(occurredMs).toISOString(),
    title: content.title,
    severity: content.severity,
    // The silence on the card's body as well as in its labels (a card may cut a long labels row).
    description: silence ? cutText(`${silenceLine(silence)}\n\n${content.description}`, DESCRIPTION_MAX) : content.description,
    labels: silence ? { ...content.labels, [SILENCE_LABEL]: silenceLabel(silence) } : { ...content.labels },
    ...(content.detailUrl ? { detailUrl: content.detailUrl } : {}),
    responders: [...content.responders],
    targets: content.targets.map((t) => ({ integrationId: t.integrationId, persons: [...t.persons], groups: [...t.groups], bots: [...t.bots] })),
  };
}

/** When the incident began: its earliest firing alert's start, unless unreadable or in the future. */
function startedMs(group: AlertGroup, nowMs: number): number {
  const starts = group.alerts.filter((a) => a.status === 'firing').map((a) => Date.parse(a.startsAt)).filter((ms) => Number.isFinite(ms) && ms > 0 && ms <= nowMs);
  return starts.length > 0 ? Math.min(...starts) : nowMs;
}

/**
 * The next event for a group, or why there is none: a group first seen resolved closes nothing;
 * an unrouted group makes no incident (an incident already made keeps its recipients, so it still
 * gets its resolution when the routes change); identical content is a repeat. A kept silence
 * shows as the `silence` label.
 */
export function nextAlertEvent(state: AlertIncidentState | undefined, group: AlertGroup, source: AlertSource, nowMs: number): AlertEventOutcome {
  const described = describeGroup(group, source);
  if (!state && described.status === 'resolved') return { skip: 'resolved_unknown' };
  const route = described.route ?? (state ? { targets: state.last.targets, responders: state.last.responders } : undefined);
  if (!route) return { skip: 'unrouted' };
  const digest = alertDigest({ ...described, route });
  if (state && state.digest === digest) return { skip: 'unchanged' };
  const type: AlertIncidentEvent['type'] = !state
    ? 'incident.triggered'
    : described.status === 'resolved'
      ? 'incident.resolved'
      : state.status === 'resolved'
        ? 'incident.reopened'
        : 'incident.updated';
  const version = (state?.version ?? 0) + 1;
  const last: AlertEventContent = {
    title: described.title,
    severity: described.severity,
    description: described.description,
    labels: described.labels,
    ...(described.detailUrl ? { detailUrl: described.detailUrl } : {}),
    responders: route.responders,
    targets: route.targets,
  };
  const silence = state?.silence;
  const next: AlertIncidentState = {
    incidentId: group.incidentId,
    sourceId: source.id,
    version,
    digest,
    status: described.status,
    firing: described.firing,
    matchers: described.matchers,
    ...(silence ? { silence } : {}),
    last,
    updatedAt: nowMs,
  };
  const occurredMs = type === 'incident.triggered' ? startedMs(group, nowMs) : nowMs;
  return { event: eventOf(type, group.incidentId, version, occurredMs, last, silence), state: next };
}

/**
 * Records a silence made (or, with undefined, ended) from the card, and the incident.updated
 * event that repeats the last content with the silence label added or removed.
 */
export function withSilence(state: AlertIncidentState, silence: AlertSilence | undefined, nowMs: number): { state: AlertIncidentState; event: AlertIncidentEvent } {
  const { silence: _previous, ...rest } = state;
  const next: AlertIncidentState = { ...rest, version: state.version + 1, ...(silence ? { silence } : {}), updatedAt: nowMs };
  return { state: next, event: eventOf('incident.updated', state.incidentId, next.version, nowMs, state.last, silence) };
}
