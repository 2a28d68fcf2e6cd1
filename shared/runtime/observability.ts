/**
 * One logger and one metrics instance per process (Powertools). Log lines carry the integration id
 * (and later the incident id) as keys; payloads and secrets are never logged.
 *
 * No email address reaches a log line: the logger's JSON replacer rewrites every email found in a
 * message, an attribute value or key, or an error's message and stack into `email#<8 hex>`, a
 * prefix of SHA-256 over `LOG_EMAIL_HASH_SALT` (optional, empty by default) and the lower-cased
 * address, so one person's lines still correlate. Being applied where the line is serialised, it
 * covers every call site, present and future (logger.info/warn/error and the use cases' `record` sink).
 */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { onOperationRecords } from '../application/operation-records';
import type { OperationRecord } from '../domain/operation-log';
import { PLATFORM_DIMENSION, deliveryCounts, quotaUsedPercent } from './delivery-metrics';

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const HAS_EMAIL = new RegExp(EMAIL.source);

/** `email#` and the first 8 hex digits of SHA-256(salt + lower-cased email): stable, not reversible without a guess. */
export function hashEmail(email: string, salt: string = process.env.LOG_EMAIL_HASH_SALT ?? ''): string {
  return `email#${createHash('sha256').update(salt).update(email.trim().toLowerCase()).digest('hex').slice(0, 8)}`;
}

/** The text with every email address replaced by its hash. */
export function redactEmailsInText(text: string, salt?: string): string {
  return text.replace(EMAIL, (email) => hashEmail(email, salt));
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * JSON.stringify replacer: strings lose their emails, plain objects whose keys hold emails get
 * hashed keys (nested values are visited by JSON.stringify itself, errors after Powertools formats them).
 */
export function redactEmailsReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return redactEmailsInText(value);
  if (value instanceof Set) return [...value];
  const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : isPlainObject(value) ? Object.entries(value) : undefined;
  if (entries && (value instanceof Map || entries.some(([k]) => HAS_EMAIL.test(k)))) {
    return Object.fromEntries(entries.map(([k, v]) => [redactEmailsInText(k), v]));
  }
  return value;
}

/** Everything printable of a value with emails hashed (for sinks that do not go through the logger). */
export function redactEmails<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, redactEmailsReplacer) ?? 'null');
}

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dutybridge', jsonReplacerFn: redactEmailsReplacer });

/**
 * Powertools Metrics warns "No application metrics to publish" on every invocation that added no
 * metric, even with `throwOnEmptyMetrics: false` (that option only decides whether it throws). An
 * invocation without metrics is normal here (most callbacks and records add none), so that one
 * warning is dropped; every other warning of the metrics utility still reaches the logger.
 */
export const EMPTY_METRICS_WARNING = /^No application metrics to publish/;
const metricsLogger = {
  trace: (...content: unknown[]) => logger.debug(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  debug: (...content: unknown[]) => logger.debug(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  info: (...content: unknown[]) => logger.info(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  warn: (...content: unknown[]) => {
    if (EMPTY_METRICS_WARNING.test(String(content[0]))) return;
    logger.warn(String(content[0]), ...content.slice(1).map((c) => ({ detail: c })));
  },
  error: (...content: unknown[]) => logger.error(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
};

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DutyBridge',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dutybridge',
  logger: metricsLogger,
});

/**
 * Deliveries per platform (shared/runtime/delivery-metrics.ts) from a batch of operation records:
 * one EMF line per platform and metric, through a single-metric instance so `platform` is a
 * dimension of that line only (`metrics.addDimension` would put it on every metric of the
 * invocation and move them off the service-only dimension set the stacks alarm on).
 */
export function publishDeliveryCounts(records: readonly OperationRecord[], target: Pick<Metrics, 'singleMetric'> = metrics): void {
  for (const { platform, metricName, count } of deliveryCounts(records)) {
    target.singleMetric().addDimension(PLATFORM_DIMENSION, platform).addMetric(metricName, MetricUnit.Count, count);
  }
}

// Every record the process's operation recorder takes is counted: the use cases need no metrics port.
onOperationRecords((records) => publishDeliveryCounts(records));

/**
 * The share of a DingTalk quota used after a counted call (DynamoQuotaMeter): buffered like the
 * other metrics of the invocation (dimension service only), so a CLI that never publishes prints nothing.
 */
export function reportQuotaUsage(usage: { readonly org: string; readonly used: number; readonly quota: number }, target: Pick<Metrics, 'addMetric'> = metrics): void {
  const { metricName, percent } = quotaUsedPercent(usage);
  target.addMetric(metricName, MetricUnit.Percent, percent);
}

/** One outcome of a function: what happened to one record or request, and to which incident and integration. */
export interface Outcome {
  /** The function (or route) that produced it: notify, dispatch, wecom-callback, … */
  readonly source: string;
  /** What was done, in words: "incident event processed", "DingTalk call dispatched". */
  readonly message: string;
  readonly outcome: string;
  readonly incidentId?: string;
  /** One integration, or the integrations an incident event targets. */
  readonly integrationId?: string | readonly string[];
  readonly [detail: string]: unknown;
}

const outcomeListeners = new Set<(outcome: Outcome) => void>();

/**
 * Subscribes to every outcome line of this process (the local stack's `--verbose` prints a summary
 * of each); returns the unsubscribe function. In Lambda nobody subscribes.
 */
export function onOutcome(listener: (outcome: Outcome) => void): () => void {
  outcomeListeners.add(listener);
  return () => outcomeListeners.delete(listener);
}

/**
 * The one structured line per outcome of a function (INFO): `{message, source, outcome, incidentId,
 * integrationId, …}`, so an operator can follow an incident or an integration through every function.
 */
export function logOutcome(outcome: Outcome): void {
  const { message, ...attributes } = outcome;
  logger.info(message, attributes);
  for (const listener of outcomeListeners) {
    try {
      listener(outcome);
    } catch {
      // A listener (the local console) never breaks the function.
    }
  }
}
