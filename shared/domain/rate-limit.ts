/**
 * DingTalk rate limits and the monthly quota policy (dingtalk.md §5, §8.7). Pure.
 *
 * - QPS applies per app × API (Standard 20/s; throttled calls are not metered).
 * - The monthly quota is org-wide, shared by all internal apps, counted in China time and reset
 *   on the 1st. Token, login-free and contacts APIs are free; everything else is metered.
 * - Policy: alert at 80 % / 95 % / 100 %; from 95 % only Critical incidents are sent and the rest
 *   is coalesced into one digest per conversation per 10 minutes; at 100 % (or when DingTalk says
 *   the quota is gone) nothing is sent and nothing is retried until the month turns.
 */
import type { Severity } from './incident';

export type DingTalkEdition = 'standard' | 'professional';

export interface DingTalkLimits {
  /** Calls per second per app × API. */
  readonly qpsPerAppAndApi: number;
  /** Metered calls per org per China-time month. */
  readonly monthlyMeteredCalls: number;
}

/**
 * Standard since 2025-11-19: 20 QPS, 5,000 calls. Professional (new rights): 40 QPS (community
 * sources only), 200,000 calls. Source: dingtalk-application-development-platform-billing-model,
 * notice-on-the-equity-adjustment-… (research §5.1).
 */
export const DINGTALK_EDITIONS: Readonly<Record<DingTalkEdition, DingTalkLimits>> = {
  standard: { qpsPerAppAndApi: 20, monthlyMeteredCalls: 5_000 },
  professional: { qpsPerAppAndApi: 40, monthlyMeteredCalls: 200_000 },
};

/** Enterprise development add-on: "60qps（上限60QPS）" and +5,000,000 calls per add-on (stackable). */
export const DEVELOPMENT_ADD_ON: Readonly<DingTalkLimits> = { qpsPerAppAndApi: 60, monthlyMeteredCalls: 5_000_000 };
/** QPS never exceeds 60, however many add-ons are bought. */
export const MAX_DINGTALK_QPS = 60;

export interface DingTalkLimitSettings {
  readonly edition?: DingTalkEdition;
  /** Number of development add-ons bought (each adds 5,000,000 calls; QPS becomes 60). */
  readonly developmentAddOns?: number;
  /** Explicit numbers override the presets (e.g. an older contract with 500,000 calls). */
  readonly qpsPerAppAndApi?: number;
  readonly monthlyMeteredCalls?: number;
}

export class InvalidDingTalkLimitsError extends Error {
  override readonly name = 'InvalidDingTalkLimitsError';
}

export function dingTalkLimits(settings: DingTalkLimitSettings = {}): DingTalkLimits {
  const base = DINGTALK_EDITIONS[settings.edition ?? 'standard'];
  const addOns = settings.developmentAddOns ?? 0;
  if (!Number.isInteger(addOns) || addOns < 0) throw new InvalidDingTalkLimitsError(`developmentAddOns must be a whole number ≥ 0, got ${addOns}`);
  const qps = settings.qpsPerAppAndApi ?? (addOns > 0 ? DEVELOPMENT_ADD_ON.qpsPerAppAndApi : base.qpsPerAppAndApi);
  const monthly = settings.monthlyMeteredCalls ?? base.monthlyMeteredCalls + addOns * DEVELOPMENT_ADD_ON.monthlyMeteredCalls;
  if (!Number.isInteger(qps) || qps < 1 || qps > MAX_DINGTALK_QPS) throw new InvalidDingTalkLimitsError(`qpsPerAppAndApi must be 1..${MAX_DINGTALK_QPS}, got ${qps}`);
  if (!Number.isInteger(monthly) || monthly < 0) throw new InvalidDingTalkLimitsError(`monthlyMeteredCalls must be a whole number ≥ 0, got ${monthly}`);
  return { qpsPerAppAndApi: qps, monthlyMeteredCalls: monthly };
}

/**
 * Free APIs (basic-interfaces-such-as-log-off-and-address-book): access tokens, login-free
 * sign-in, contacts (user lookups such as getbymobile). Paths as `family:path`-less API paths.
 */
const FREE_API_PATTERNS: readonly RegExp[] = [
  /^\/?(v1\.0\/)?oauth2\//, // accessToken, corp token, userAccessToken
  /^\/?gettoken$/,
  /^\/?topapi\/v2\/user\/(getuserinfo|getbymobile|get)$/,
  /^\/?topapi\/user\//,
  /^\/?user\//,
  /^\/?topapi\/v2\/department\//,
  /^\/?department\//,
  /^\/?(v1\.0\/)?contact\//,
];

/** True when a call to this API path counts against the monthly org quota. */
export function isMeteredDingTalkApi(apiPath: string): boolean {
  return !FREE_API_PATTERNS.some((pattern) => pattern.test(apiPath));
}

/** China Standard Time has no daylight saving: UTC+8 all year. */
const CHINA_OFFSET_MS = 8 * 3600_000;

/** `YYYY-MM` of the China-time month containing this instant (the quota resets on the 1st, 00:00 CST). */
export function chinaMonthKey(epochMs: number): string {
  const shifted = new Date(epochMs + CHINA_OFFSET_MS);
  return `${shifted.getUTCFullYear()}-${String(shifted.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Epoch ms when the China-time month containing this instant ends (next reset). */
export function chinaMonthEndMs(epochMs: number): number {
  const shifted = new Date(epochMs + CHINA_OFFSET_MS);
  return Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, 1) - CHINA_OFFSET_MS;
}

/** Alert thresholds in percent of the monthly quota. */
export const QUOTA_ALERT_THRESHOLDS = [80, 95, 100] as const;
export type QuotaThreshold = (typeof QUOTA_ALERT_THRESHOLDS)[number];
/** From this share of the quota only Critical incidents are sent. */
export const CRITICAL_ONLY_FROM_PERCENT = 95;
/** Deferred non-Critical notifications are coalesced into one digest per conversation per window. */
export const DIGEST_WINDOW_MS = 10 * 60_000;

/** Calls used at which a threshold is reached: ceil(quota × percent / 100). */
export function thresholdCalls(quota: number, percent: number): number {
  return Math.ceil((quota * percent) / 100);
}

/** Thresholds reached by going from `usedBefore` to `usedAfter` (ascending, each at most once). */
export function crossedThresholds(usedBefore: number, usedAfter: number, quota: number): QuotaThreshold[] {
  if (quota <= 0) return usedAfter > usedBefore && usedBefore === 0 ? [...QUOTA_ALERT_THRESHOLDS] : [];
  return QUOTA_ALERT_THRESHOLDS.filter((percent) => {
    const at = thresholdCalls(quota, percent);
    return usedBefore < at && usedAfter >= at;
  });
}

/**
 * Highest usage (after the call) a call of this severity may reach: Critical may use the whole
 * quota; everything else stops where the Critical-only band begins (95 %).
 */
export function usageCeilingFor(severity: Severity, quota: number): number {
  return severity === 'Critical' ? quota : thresholdCalls(quota, CRITICAL_ONLY_FROM_PERCENT);
}

export type QuotaDecision =
  | { readonly kind: 'send' }
  | { readonly kind: 'digest'; readonly reason: string }
  | { readonly kind: 'stop'; readonly reason: string };

/** What to do with one metered call of this severity when `used` calls are already spent. */
export function quotaDecision(severity: Severity, used: number, quota: number): QuotaDecision {
  if (used >= quota) return { kind: 'stop', reason: `monthly quota used up (${used}/${quota}); nothing is sent until the month turns (China time)` };
  if (used + 1 > usageCeilingFor(severity, quota)) {
    return { kind: 'digest', reason: `${used}/${quota} calls used (≥ ${CRITICAL_ONLY_FROM_PERCENT} %): only Critical incidents are sent, ${severity} goes into the digest` };
  }
  return { kind: 'send' };
}

/** Start of the digest window containing this instant. */
export function digestWindowStart(epochMs: number): number {
  return Math.floor(epochMs / DIGEST_WINDOW_MS) * DIGEST_WINDOW_MS;
}
