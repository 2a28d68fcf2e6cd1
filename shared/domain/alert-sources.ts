/**
 * Alert sources (issue 18): a Prometheus Alertmanager, a Grafana contact point or an incident
 * event sender posting to dutybridge. The stored record (non-secret settings; the webhook secret
 * lives in Secrets Manager under `secretName`) and the label routes that choose who gets each
 * alert, matched the way Alertmanager matches its own routes.
 */
import * as z from 'zod/mini';
import { severitySchema, targetSchema } from './incident-events';

export type AlertTarget = z.infer<typeof targetSchema>;

/** Label names as Grafana and Alertmanager (UTF-8 names since 0.27) send them; the length is ours. */
const labelName = z.string().check(z.minLength(1), z.maxLength(128));
const labelValue = z.string().check(z.maxLength(2048));
const email = z.email().check(z.maxLength(254));

export const LABEL_REGEX_MAX_CHARS = 256;

export class LabelRegexError extends Error {
  override readonly name = 'LabelRegexError';
}

/** RE2 (Go, Alertmanager) has neither lookaround nor backreferences; JS would accept them silently. */
const NOT_IN_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;
const compiled = new Map<string, RegExp>();

/**
 * Compiles a route's regex the way Alertmanager applies it: anchored at both ends, so `web.*`
 * must match the whole value (`^(?:web.*)$`). A leading `(?i)`, common in Alertmanager configs,
 * becomes the `i` flag (inline flags are RE2 syntax, not JavaScript's).
 */
export function compileLabelRegex(source: string): RegExp {
  const cached = compiled.get(source);
  if (cached) return cached;
  if (source.length > LABEL_REGEX_MAX_CHARS) throw new LabelRegexError(`regex is longer than ${LABEL_REGEX_MAX_CHARS} characters`);
  if (NOT_IN_RE2.test(source)) throw new LabelRegexError('regex uses lookaround or a backreference, which Alertmanager (RE2) does not support');
  const caseless = source.startsWith('(?i)');
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${caseless ? source.slice(4) : source})$`, caseless ? 'i' : '');
  } catch (error) {
    throw new LabelRegexError(`regex does not compile: ${(error as Error).message}`);
  }
  // Bounded: routes are few (≤ 100 per source), but a warm Lambda sees many sources over time.
  if (compiled.size >= 2000) compiled.clear();
  compiled.set(source, regex);
  return regex;
}

function regexProblem(source: string): string | undefined {
  try {
    compileLabelRegex(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const labelRegex = z.string().check(
  z.maxLength(LABEL_REGEX_MAX_CHARS),
  z.superRefine((source, ctx) => {
    if (source.length > LABEL_REGEX_MAX_CHARS) return; // reported by maxLength already
    const problem = regexProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: source });
  }),
);

export const ALERT_ROUTES_MAX = 100;

export const alertRouteSchema = z.object({
  /** Labels that must equal these values exactly (a missing label is the empty string). */
  match: z.optional(z.record(labelName, labelValue)),
  /** Labels whose whole value must match these regexes (anchored, as in Alertmanager). */
  matchRe: z.optional(z.record(labelName, labelRegex)),
  targets: z._default(z.array(targetSchema).check(z.maxLength(50)), []),
  responders: z._default(z.array(email).check(z.maxLength(5000)), []),
  /** Keep looking after this route matches, adding what later matching routes name. */
  continue: z._default(z.boolean(), false),
}).check(
  z.refine((route) => route.targets.length > 0 || route.responders.length > 0, {
    message: 'a route needs at least one target or responder',
    path: ['targets'],
  }),
);
export type AlertRoute = z.infer<typeof alertRouteSchema>;

export const alertRoutesSchema = z.array(alertRouteSchema).check(z.maxLength(ALERT_ROUTES_MAX));

export const alertSourceKindSchema = z.enum(['alertmanager', 'grafana', 'events']);
export type AlertSourceKind = z.infer<typeof alertSourceKindSchema>;

/** Common severity words of alerting rules → dutybridge severities. Keys are lower case. */
export const DEFAULT_SEVERITY_MAP: Readonly<Record<string, z.infer<typeof severitySchema>>> = {
  critical: 'Critical',
  page: 'Critical',
  error: 'Critical',
  high: 'Critical',
  warning: 'Warning',
  warn: 'Warning',
  medium: 'Warning',
  info: 'Info',
  low: 'Info',
  none: 'Info',
};

const severityMapSchema = z
  .record(z.string().check(z.minLength(1), z.maxLength(128), z.lowercase('severity map keys must be lower case')), severitySchema)
  .check(z.refine((map) => Object.keys(map).length <= 100, 'severity map has more than 100 entries'));

export const alertSourceSchema = z.object({
  /** Appears in the webhook URL and in incident ids: URL-safe and short, like integration ids. */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'alert source id: 1-63 chars of a-z, 0-9 and -, starting with a letter or digit')),
  kind: alertSourceKindSchema,
  name: z.optional(z.string().check(z.maxLength(128))),
  /** How the sender proves itself: a bearer token, or an HMAC signature of the body. */
  auth: z._default(z.enum(['bearer', 'hmac']), 'bearer'),
  /** One incident per Alertmanager group (groupKey), or one per alert (fingerprint). */
  grouping: z._default(z.enum(['group', 'fingerprint']), 'group'),
  severityLabel: z._default(labelName, 'severity'),
  severityMap: z._default(severityMapSchema, () => ({ ...DEFAULT_SEVERITY_MAP })),
  defaultSeverity: z._default(severitySchema, 'Warning'),
  routes: z._default(alertRoutesSchema, () => []),
  /** Alertmanager API base for silences, e.g. http://alertmanager:9093. */
  alertmanagerUrl: z.optional(z.url({ protocol: /^https?$/ })),
  secretName: z.string().check(z.minLength(1)),
  createdAt: z.string(),
});
export type AlertSource = z.infer<typeof alertSourceSchema>;

/** The event contract's limits (incident-events.ts), so a merged route always fits an event. */
const MAX_TARGETS = 50;
const MAX_PEOPLE = 5000;
const MAX_GROUPS = 100;
const MAX_BOTS = 20;

export interface RoutedRecipients {
  readonly targets: AlertTarget[];
  readonly responders: string[];
}

/** A label's value, the empty string when absent (as in Alertmanager); never an Object.prototype member. */
export function labelValueOf(labels: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

function routeMatches(labels: Readonly<Record<string, string>>, route: AlertRoute): boolean {
  for (const [name, value] of Object.entries(route.match ?? {})) {
    if (labelValueOf(labels, name) !== value) return false;
  }
  for (const [name, source] of Object.entries(route.matchRe ?? {})) {
    if (!compileLabelRegex(source).test(labelValueOf(labels, name))) return false;
  }
  return true;
}

function union(into: string[], more: readonly string[] | undefined, max: number): void {
  for (const item of more ?? []) {
    if (into.length >= max) return;
    if (!into.includes(item)) into.push(item);
  }
}

/**
 * Who gets an alert with these labels. Routes are tried in order and the first match wins, unless
 * it says `continue`: then later matches add their targets (merged per integration, order kept,
 * no duplicates) and responders. A route without matchers matches everything. Undefined when no
 * route matched. The result is clipped to the incident event's limits.
 */
export function routeAlert(labels: Readonly<Record<string, string>>, routes: readonly AlertRoute[]): RoutedRecipients | undefined {
  let matched = false;
  const targets: AlertTarget[] = [];
  const responders: string[] = [];
  for (const route of routes) {
    if (!routeMatches(labels, route)) continue;
    matched = true;
    for (const target of route.targets ?? []) {
      let merged = targets.find((t) => t.integrationId === target.integrationId);
      if (!merged) {
        if (targets.length >= MAX_TARGETS) continue;
        merged = { integrationId: target.integrationId, persons: [], groups: [], bots: [] };
        targets.push(merged);
      }
      union(merged.persons, target.persons, MAX_PEOPLE);
      union(merged.groups, target.groups, MAX_GROUPS);
      union(merged.bots, target.bots, MAX_BOTS);
    }
    union(responders, route.responders, MAX_PEOPLE);
    if (!route.continue) break;
  }
  return matched ? { targets, responders } : undefined;
}
