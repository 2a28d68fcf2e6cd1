/**
 * The operations metrics read from operation records and the DingTalk quota meter, declared once:
 * observability.ts emits them (namespace DutyBridge, dimension service=dutybridge, plus `platform`
 * on the per-platform ones) and lib/constructs/operations-dashboard.ts graphs and alarms on them.
 * No Powertools import here, so the CDK app can read the names without loading the runtime.
 */
import { webhookQuotaKey } from '../application/dispatch-ports';
import type { OperationRecord } from '../domain/operation-log';

/** Per-platform metrics (dimensions service and platform), counted per operation record. */
export const DELIVERY_METRICS = {
  /** The platform accepted a card, message or card update (result `sent`). */
  sent: 'DeliveriesSent',
  /** The platform refused it for good (result `failed`): the record's reason names the fix. */
  failed: 'DeliveriesFailed',
  /** The platform rate-limited it (reason `qps_throttled`, retried or, after every follow-up, failed). */
  throttled: 'DeliveriesThrottled',
  /** A WeCom card kept an old state: no response code was left to update it (reason `card_stale`). */
  stale: 'CardsStale',
} as const;

export type DeliveryMetricName = (typeof DELIVERY_METRICS)[keyof typeof DELIVERY_METRICS];

/** Decisions not to deliver (shared/runtime/drop-metric.ts), one per recipient, target or event; no platform dimension. */
export const DELIVERIES_DROPPED_METRIC = 'DeliveriesDropped';

/** Dimension naming the platform of a delivery metric: `wecom` or `dingtalk`. */
export const PLATFORM_DIMENSION = 'platform';

/** Share (%) of an org's monthly DingTalk API quota used, after each counted call. */
export const QUOTA_USED_PERCENT_METRIC = 'DingTalkQuotaUsedPercent';
/** The same for the Webhook & Stream quota that group bots spend (dingtalk.md §5.1). */
export const WEBHOOK_QUOTA_USED_PERCENT_METRIC = 'DingTalkWebhookQuotaUsedPercent';

export interface DeliveryCount {
  readonly platform: 'wecom' | 'dingtalk';
  readonly metricName: DeliveryMetricName;
  readonly count: number;
}

/** What a batch of records adds to each per-platform metric; records without a platform count nowhere. */
export function deliveryCounts(records: readonly OperationRecord[]): DeliveryCount[] {
  const counts = new Map<string, DeliveryCount>();
  const add = (platform: 'wecom' | 'dingtalk', metricName: DeliveryMetricName) => {
    const key = `${platform}#${metricName}`;
    counts.set(key, { platform, metricName, count: (counts.get(key)?.count ?? 0) + 1 });
  };
  for (const record of records) {
    if (record.platform === undefined) continue;
    if (record.result === 'sent') add(record.platform, DELIVERY_METRICS.sent);
    if (record.result === 'failed') add(record.platform, DELIVERY_METRICS.failed);
    if (record.reasonCode === 'qps_throttled') add(record.platform, DELIVERY_METRICS.throttled);
    if (record.reasonCode === 'card_stale') add(record.platform, DELIVERY_METRICS.stale);
  }
  return [...counts.values()];
}

/** The quota-used metric and its value (0–100, one decimal) for a counter reading of `org`. */
export function quotaUsedPercent(usage: { readonly org: string; readonly used: number; readonly quota: number }): { metricName: string; percent: number } {
  // Group bots spend a separate quota whose counter is keyed by webhookQuotaKey(org).
  const metricName = usage.org.startsWith(webhookQuotaKey('')) ? WEBHOOK_QUOTA_USED_PERCENT_METRIC : QUOTA_USED_PERCENT_METRIC;
  const percent = usage.quota > 0 ? Math.min(100, Math.round((usage.used / usage.quota) * 1000) / 10) : 100;
  return { metricName, percent };
}
