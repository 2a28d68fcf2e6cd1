/**
 * Webhook bodies of Prometheus Alertmanager (`<webhook_config>`, payload version "4") and of
 * Grafana's webhook contact point ("Configure webhook notifications"; the same shape plus orgId,
 * per-alert silence/dashboard/panel URLs and values, version "1"), turned into one notification
 * shape, then into the groups that become incidents, then into batches that fit a queue message.
 * Fields we do not use are ignored (both senders add fields over time); the ones we use are
 * checked, with limits that keep one webhook well inside what we store and send.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { explainIssue, valueAtPath } from './explain-issues';

export const ALERTS_MAX = 5000;
const LABELS_MAX = 100;

const entriesAtMost = (max: number) => z.refine<Record<string, string>>((map) => Object.keys(map).length <= max, `must have at most ${max} entries`);
const labelMap = z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(2048))).check(entriesAtMost(LABELS_MAX));
const annotationMap = z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(8192))).check(entriesAtMost(LABELS_MAX));
/** Go marshals a nil map as `null` (an alert posted without annotations, for one). */
const nullableLabels = z.nullish(labelMap);
const nullableAnnotations = z.nullish(annotationMap);
const statusSchema = z.enum(['firing', 'resolved']);
/** RFC 3339 with any fraction: Go writes nanoseconds (`09:52:26.739266876+02:00`). */
const timestamp = z.iso.datetime({ offset: true });
const url = z.string().check(z.maxLength(8192));

const alertFields = {
  status: statusSchema,
  labels: labelMap,
  annotations: nullableAnnotations,
  startsAt: timestamp,
  endsAt: z.optional(timestamp),
  generatorURL: z.optional(url),
  /** Absent in old Grafana versions and old Alertmanagers: computed from the labels then. */
  fingerprint: z.optional(z.string().check(z.maxLength(128))),
};

const notificationFields = {
  groupKey: z.string().check(z.minLength(1), z.maxLength(8192)),
  /** Alerts left out by `max_alerts`; absent before Alertmanager 0.22. */
  truncatedAlerts: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  status: statusSchema,
  receiver: z.optional(z.string()),
  groupLabels: nullableLabels,
  commonLabels: nullableLabels,
  commonAnnotations: nullableAnnotations,
  externalURL: z.optional(url),
};

export const alertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4'),
  ...notificationFields,
  alerts: z.array(z.looseObject(alertFields)).check(z.maxLength(ALERTS_MAX)),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

export const grafanaPayloadSchema = z.looseObject({
  /** "1" today; not pinned, Grafana versions it independently of Alertmanager. */
  version: z.optional(z.string()),
  orgId: z.optional(z.number()),
  ...notificationFields,
  alerts: z.array(
    z.looseObject({
      ...alertFields,
      silenceURL: z.optional(url),
      dashboardURL: z.optional(url),
      panelURL: z.optional(url),
    }),
  ).check(z.maxLength(ALERTS_MAX)),
});
export type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;

export interface NormalizedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertNotification {
  groupKey: string;
  status: 'firing' | 'resolved';
  truncatedAlerts: number;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL?: string;
  alerts: NormalizedAlert[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Same labels, same fingerprint, whatever the order they came in (16 hex, like Alertmanager's). */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(JSON.stringify(sorted)).slice(0, 16);
}

/** Go's zero time.Time: what both senders write for "no end yet". */
const GO_ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?(Z|[+-]00:00)$/;

function normalizeAlert(alert: AlertmanagerPayload['alerts'][number]): NormalizedAlert {
  return {
    fingerprint: alert.fingerprint || labelsFingerprint(alert.labels),
    status: alert.status,
    labels: { ...alert.labels },
    annotations: { ...(alert.annotations ?? {}) },
    startsAt: alert.startsAt,
    ...(alert.endsAt && !GO_ZERO_TIME.test(alert.endsAt) ? { endsAt: alert.endsAt } : {}),
    ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
  };
}

function normalize(payload: AlertmanagerPayload | GrafanaPayload): AlertNotification {
  return {
    groupKey: payload.groupKey,
    status: payload.status,
    truncatedAlerts: payload.truncatedAlerts,
    groupLabels: { ...(payload.groupLabels ?? {}) },
    commonLabels: { ...(payload.commonLabels ?? {}) },
    commonAnnotations: { ...(payload.commonAnnotations ?? {}) },
    ...(payload.externalURL ? { externalURL: payload.externalURL } : {}),
    alerts: payload.alerts.map(normalizeAlert),
  };
}

export function normalizeAlertmanager(payload: AlertmanagerPayload): AlertNotification {
  return normalize(payload);
}

/** Grafana's extra fields (silence, dashboard and panel URLs, values) are not carried. */
export function normalizeGrafana(payload: GrafanaPayload): AlertNotification {
  return normalize(payload);
}

export type ParsedAlertPayload = { ok: true; notification: AlertNotification } | { ok: false; reason: string };

/** Validates and normalizes a webhook body; the reason names the first problem's path. */
export function parseAlertPayload(kind: 'alertmanager' | 'grafana', json: unknown): ParsedAlertPayload {
  const parsed = kind === 'alertmanager' ? alertmanagerPayloadSchema.safeParse(json) : grafanaPayloadSchema.safeParse(json);
  if (parsed.success) return { ok: true, notification: normalize(parsed.data) };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(root)';
  let reason: string;
  // A bad record key (a label name too long) says what is wrong inside its own issue.
  if (issue.code === 'invalid_key' && issue.issues[0]) reason = `name ${explainIssue(issue.issues[0], issue.path.at(-1))}`;
  else if (issue.code === 'custom') reason = issue.message;
  else reason = explainIssue(issue, valueAtPath(json, issue.path));
  return { ok: false, reason: `${path}: ${reason}` };
}

/** One future incident: a whole Alertmanager group, or a single alert in fingerprint mode. */
export interface AlertGroup {
  incidentId: string;
  /** The groupKey (group mode) or the alert's fingerprint (fingerprint mode). */
  key: string;
  /** The notification's status (group mode) or the alert's own (fingerprint mode). */
  status: 'firing' | 'resolved';
  alerts: NormalizedAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL?: string;
  truncatedAlerts: number;
}

/** `alert-<source>-<24 hex>`: at most 6 + 63 + 1 + 24 = 94 characters, within incident ids' 128. */
export function alertIncidentId(sourceId: string, key: string): string {
  return `alert-${sourceId}-${sha256(key).slice(0, 24)}`;
}

/**
 * The incidents a notification feeds. Group mode: one, keyed by groupKey, as Alertmanager grouped
 * it. Fingerprint mode: one per alert (a repeated fingerprint keeps its last alert); alerts cut
 * by the sender cannot be attributed to a fingerprint, so they are not counted there.
 */
export function groupAlerts(n: AlertNotification, grouping: 'group' | 'fingerprint', sourceId: string): AlertGroup[] {
  const shared = { groupLabels: n.groupLabels, ...(n.externalURL ? { externalURL: n.externalURL } : {}) };
  if (grouping === 'group') {
    return [{ incidentId: alertIncidentId(sourceId, n.groupKey), key: n.groupKey, status: n.status, alerts: n.alerts, ...shared, commonLabels: n.commonLabels, commonAnnotations: n.commonAnnotations, truncatedAlerts: n.truncatedAlerts }];
  }
  const byFingerprint = new Map<string, AlertGroup>();
  for (const alert of n.alerts) {
    byFingerprint.set(alert.fingerprint, {
      incidentId: alertIncidentId(sourceId, alert.fingerprint),
      key: alert.fingerprint,
      status: alert.status,
      alerts: [alert],
      ...shared,
      commonLabels: alert.labels,
      commonAnnotations: alert.annotations,
      truncatedAlerts: 0,
    });
  }
  return [...byFingerprint.values()];
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** What a shrunk alert keeps: the annotations the card shows, cut short. */
const KEPT_ANNOTATIONS = ['summary', 'description'];
const SHRUNK_ANNOTATION_CHARS = 256;
const SHRUNK_COMMON_ANNOTATION_CHARS = 1024;

/**
 * `text` in at most `max` UTF-16 units (what zod's maxLength counts), ending in "…" when cut; the
 * cut never splits a surrogate pair.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  const end = /[\uD800-\uDBFF]/.test(text[max - 2] ?? '') ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function cutValues(map: Record<string, string>, keep: readonly string[] | undefined, max: number): Record<string, string> {
  const entries = Object.entries(map).filter(([name]) => !keep || keep.includes(name));
  return Object.fromEntries(entries.map(([name, value]) => [name, cutText(value, max)]));
}

/**
 * Makes a group fit `maxBytes` of JSON without splitting it (a group is judged whole: which
 * alerts still fire decides whether the incident is resolved). First each alert keeps only its
 * summary and description, cut to 256 characters, and common annotations are cut to 1,024; then,
 * if still too large, it keeps the longest prefix of its alerts (firing ones first, so the card
 * shows what still fires) that fits, and counts the rest in `truncatedAlerts`, as Alertmanager's
 * `max_alerts` does. A group too large even without alerts (huge labels) is returned as it is:
 * the caller sees it is over the limit and refuses it.
 */
export function shrinkGroup(group: AlertGroup, maxBytes: number): AlertGroup {
  if (jsonBytes(group) <= maxBytes) return group;
  const trimmed: AlertGroup = {
    ...group,
    commonAnnotations: cutValues(group.commonAnnotations, undefined, SHRUNK_COMMON_ANNOTATION_CHARS),
    alerts: group.alerts.map((a) => ({ ...a, annotations: cutValues(a.annotations, KEPT_ANNOTATIONS, SHRUNK_ANNOTATION_CHARS) })),
  };
  if (jsonBytes(trimmed) <= maxBytes) return trimmed;
  const ordered = [...trimmed.alerts.filter((a) => a.status === 'firing'), ...trimmed.alerts.filter((a) => a.status !== 'firing')];
  // The group's bytes without alerts (with the largest count it may carry), then one alert at a time plus its comma.
  let bytes = jsonBytes({ ...trimmed, alerts: [], truncatedAlerts: trimmed.truncatedAlerts + ordered.length });
  let kept = 0;
  while (kept < ordered.length) {
    const more = jsonBytes(ordered[kept]) + (kept > 0 ? 1 : 0);
    if (bytes + more > maxBytes) break;
    bytes += more;
    kept += 1;
  }
  if (bytes > maxBytes) return trimmed;
  return { ...trimmed, alerts: ordered.slice(0, kept), truncatedAlerts: trimmed.truncatedAlerts + ordered.length - kept };
}

/**
 * Packs groups, in order, into batches whose JSON array is at most `maxBytes` (SQS messages are
 * at most 256 KiB: the caller passes that minus its envelope). A group never spans two batches;
 * one too large is shrunk first (shrinkGroup), and one still too large is alone in its batch.
 */
export function splitGroups(groups: readonly AlertGroup[], maxBytes: number): AlertGroup[][] {
  const batches: AlertGroup[][] = [];
  let batch: AlertGroup[] = [];
  let bytes = 2; // "[]"
  for (const original of groups) {
    const group = shrinkGroup(original, maxBytes - 2);
    const size = jsonBytes(group);
    const added = size + (batch.length > 0 ? 1 : 0);
    if (batch.length > 0 && bytes + added > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = 2;
    }
    bytes += size + (batch.length > 0 ? 1 : 0);
    batch.push(group);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
