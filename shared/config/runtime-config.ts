/**
 * Runtime configuration, read from the environment once and validated, so a misconfigured
 * function fails at its first invocation with a clear message instead of deep inside an SDK call.
 */
import * as z from 'zod/mini';
import { queues, stateTable } from './resources';

const configSchema = z.object({
  stateTableName: z.string().check(z.minLength(1)),
  secretNamePrefix: z.string().check(z.minLength(1)),
  queueUrls: z.record(z.string(), z.string().check(z.minLength(1))),
  deadLetterQueueUrls: z.record(z.string(), z.string().check(z.minLength(1))),
});
export type RuntimeConfig = z.infer<typeof configSchema>;

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * How long personal data is kept (README "Personal data"), in days; DynamoDB's TTL deletes the
 * items some time after they expire.
 * - `CLOSED_INCIDENT_RETENTION_DAYS` (default 30): a closed incident and its card records (WeCom and
 *   DingTalk cards, their task/outTrackId lookups, the incident → cards index) expire this long after
 *   the close; reopening the incident removes the expiry again.
 * - `MEMBER_RETENTION_DAYS` (default 180): a member (email, name, mobile) expires this long after
 *   the last member.upserted that named it; every upsert starts the period again.
 */
export interface RetentionConfig {
  readonly closedIncidentDays: number;
  readonly memberDays: number;
}

export const DEFAULT_RETENTION: RetentionConfig = { closedIncidentDays: 30, memberDays: 180 };

/** Reads the retention variables; unset means the default, anything but a positive number is refused. */
export function readRetentionConfig(env: NodeJS.ProcessEnv = process.env): RetentionConfig {
  const days = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new ConfigurationError(`${key} must be a positive number of days, got ${JSON.stringify(raw)}`);
    return value;
  };
  return {
    closedIncidentDays: days('CLOSED_INCIDENT_RETENTION_DAYS', DEFAULT_RETENTION.closedIncidentDays),
    memberDays: days('MEMBER_RETENTION_DAYS', DEFAULT_RETENTION.memberDays),
  };
}

/**
 * `PUBLIC_API_URL`: the public base URL of the HTTP API (no trailing slash), for the links
 * dutybridge puts in front of people (the account-linking prompt of an unlinked click, the linking
 * pages' own redirects). Set by the CDK stateless stack from the HTTP API's endpoint (or the custom
 * domain given to it) and by the local stack to its gateway. Undefined when unset; a value that is
 * not an absolute http(s) URL without query or fragment is refused.
 */
export const PUBLIC_API_URL_ENV = 'PUBLIC_API_URL';

export function readPublicApiUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[PUBLIC_API_URL_ENV]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(`${PUBLIC_API_URL_ENV} must be an absolute URL, got ${JSON.stringify(raw)}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigurationError(`${PUBLIC_API_URL_ENV} must be an http(s) URL without query, fragment or credentials, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const missing: string[] = [];
  const need = (key: string): string => {
    const v = env[key];
    if (!v) missing.push(key);
    return v ?? '';
  };
  const queueUrls: Record<string, string> = {};
  const deadLetterQueueUrls: Record<string, string> = {};
  for (const q of queues) {
    queueUrls[q.id] = need(q.envKey);
    deadLetterQueueUrls[q.id] = need(q.dlqEnvKey);
  }
  const config = {
    stateTableName: need(stateTable.envKey),
    secretNamePrefix: need('SECRET_NAME_PREFIX'),
    queueUrls,
    deadLetterQueueUrls,
  };
  if (missing.length > 0) throw new ConfigurationError(`missing environment variables: ${missing.join(', ')}`);
  return configSchema.parse(config);
}
