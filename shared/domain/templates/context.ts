/**
 * What a template sees. Every key is always present (null when absent): with strict variables a
 * missing key would be an error, and `{% if incident.snoozedUntil %}` must work on every incident.
 * Times are epoch ms (format with `| time`), labels a list of {key, value} sorted by key.
 */
import { effectiveStatus, type Actor, type Incident, type IncidentStatus, type Severity } from '../incident';
import type { TemplateLocale } from './engine';

export interface TemplateActor {
  readonly email: string;
  readonly name: string | null;
  /** acknowledge | resolve | snooze, when known. */
  readonly action: string | null;
  readonly at: number | null;
}

export interface TemplateContext {
  readonly incident: {
    readonly id: string;
    readonly title: string;
    readonly severity: Severity;
    /** Effective status at `now` (a snooze that ran out reads Triggered). */
    readonly status: IncidentStatus;
    readonly description: string;
    readonly labels: readonly { readonly key: string; readonly value: string }[];
    /** The same labels by key: `incident.labelMap.service` (unknown key = error). */
    readonly labelMap: Readonly<Record<string, string>>;
    readonly detailUrl: string | null;
    readonly responders: readonly { readonly email: string; readonly name: string | null }[];
    readonly triggeredAt: number;
    readonly updatedAt: number;
    readonly snoozedUntil: number | null;
    readonly version: number;
    readonly acknowledgedBy: TemplateActor | null;
    readonly closedBy: TemplateActor | null;
  };
  /** Who made the last transition (click), if any. */
  readonly actor: TemplateActor | null;
  readonly links: { readonly detail: string | null };
  readonly now: number;
  readonly locale: TemplateLocale;
  readonly integration: { readonly id: string; readonly name: string };
}

export interface TemplateContextOptions {
  readonly nowMs: number;
  readonly locale?: TemplateLocale;
  readonly integration: { readonly id: string; readonly name?: string };
  /** Display names of responders by email, when the caller knows them. */
  readonly responderNames?: Readonly<Record<string, string>>;
  /** Used for links.detail when the incident has no detailUrl. */
  readonly fallbackUrl?: string;
}

function actorOf(actor: Actor | undefined, action: string | null = null, at: number | null = null): TemplateActor | null {
  return actor ? { email: actor.email, name: actor.name ?? null, action, at } : null;
}

export function templateContextFor(incident: Incident, opts: TemplateContextOptions): TemplateContext {
  const labels = Object.entries(incident.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
  const last = incident.lastTransition;
  const detailUrl = incident.detailUrl ?? null;
  return {
    incident: {
      id: incident.incidentId,
      title: incident.title,
      severity: incident.severity,
      status: effectiveStatus(incident, opts.nowMs),
      description: incident.description,
      labels,
      labelMap: Object.fromEntries(labels.map((l) => [l.key, l.value])),
      detailUrl,
      responders: incident.responders.map((email) => ({ email, name: opts.responderNames?.[email] ?? null })),
      triggeredAt: incident.triggeredAt,
      updatedAt: incident.updatedAt,
      snoozedUntil: incident.snoozedUntil ?? null,
      version: incident.version,
      acknowledgedBy: actorOf(incident.acknowledgedBy),
      closedBy: actorOf(incident.closedBy),
    },
    actor: last ? actorOf(last.actor, last.action, last.at) : null,
    links: { detail: detailUrl ?? opts.fallbackUrl ?? null },
    now: opts.nowMs,
    locale: opts.locale ?? 'en',
    integration: { id: opts.integration.id, name: opts.integration.name ?? opts.integration.id },
  };
}
