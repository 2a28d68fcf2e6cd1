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
import { Metrics } from '@aws-lambda-powertools/metrics';

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
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DutyBridge',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dutybridge',
});
