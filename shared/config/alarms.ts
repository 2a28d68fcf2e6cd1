/**
 * Application metrics that page someone, declared once: the dispatch worker emits them (Powertools
 * Metrics, namespace DutyBridge, dimension service=dutybridge) and the stateful stack alarms on them.
 */
export const METRICS_NAMESPACE = 'DutyBridge';
export const SERVICE_NAME = 'dutybridge';

export interface MetricAlarmDefinition {
  readonly id: string;
  readonly metricName: string;
  readonly description: string;
  /** How the 5-minute period is summarised (default Sum: "it happened at least once"). */
  readonly statistic?: 'Sum' | 'Maximum';
  /** Alarm at or above this value (default 1). */
  readonly threshold?: number;
}

/**
 * Age (seconds since the first send) of a message that had to wait again: a re-parked copy is a new
 * SQS message, so the queue's own oldest-message age does not see how long a call has waited.
 */
export const WAITING_MESSAGE_AGE_METRIC = 'WaitingMessageAgeSeconds';

export const metricAlarms: readonly MetricAlarmDefinition[] = [
  { id: 'DingTalkQuota80', metricName: 'DingTalkQuota80PercentCrossed', description: 'An org used 80% of its monthly DingTalk API quota' },
  {
    id: 'DingTalkQuota95',
    metricName: 'DingTalkQuota95PercentCrossed',
    description: 'An org used 95% of its monthly DingTalk API quota: only Critical incidents are sent now, the rest go into digests',
  },
  { id: 'DingTalkQuota100', metricName: 'DingTalkQuota100PercentCrossed', description: 'An org used its whole monthly DingTalk API quota: DingTalk calls have stopped' },
  { id: 'DingTalkWebhookQuota80', metricName: 'DingTalkWebhookQuota80PercentCrossed', description: 'An org used 80% of its monthly DingTalk Webhook & Stream quota (group bots)' },
  {
    id: 'DingTalkWebhookQuota95',
    metricName: 'DingTalkWebhookQuota95PercentCrossed',
    description: 'An org used 95% of its monthly DingTalk Webhook & Stream quota: group bots post only Critical incidents now, the rest go into their digests',
  },
  { id: 'DingTalkWebhookQuota100', metricName: 'DingTalkWebhookQuota100PercentCrossed', description: 'An org used its whole monthly DingTalk Webhook & Stream quota: group bot posts have stopped' },
  { id: 'DingTalkQuotaExhausted', metricName: 'DingTalkQuotaExhausted', description: 'DingTalk refused a call: monthly org quota exhausted (90020 / ApiCountLimitForOrg)' },
  {
    id: 'TemplateRenderErrors',
    metricName: 'TemplateRenderErrors',
    description: 'A custom notification template failed at send time: the default template was sent with a note; see template_error in the operation log',
  },
  {
    id: 'WaitingMessageAge',
    metricName: WAITING_MESSAGE_AGE_METRIC,
    description: 'A DingTalk call has waited its turn (QPS pacing) for 15 minutes or more since it was first queued: the backlog outruns the QPS',
    statistic: 'Maximum',
    threshold: 900,
  },
  {
    id: 'WeComLicenseTrialEnding',
    metricName: 'WeComLicenseTrialsEnding',
    description:
      'The daily check found a WeCom suite integration whose API access license trial ends within the warning window (default 7 days, WeCom asks providers to warn then): buy licenses for the members who get cards; see license_trial_ending in the operation log',
  },
  {
    id: 'WeComLicenseChecksFailed',
    metricName: 'WeComLicenseChecksFailed',
    description:
      "The daily license check could not read a WeCom suite integration's trial (no provider secret, the egress IP not in the provider console's whitelist (60020), or WeCom unreachable): a trial could end unnoticed; see the wecom-licenses function's log",
  },
];

/** The daily license check could not read a suite integration's license info (no provider secret, 60020, WeCom down). */
export const LICENSE_CHECKS_FAILED_METRIC = 'WeComLicenseChecksFailed';

/** Emitted by the daily license check (wecom-licenses): suite integrations whose trial ends soon. */
export const LICENSE_TRIALS_ENDING_METRIC = 'WeComLicenseTrialsEnding';

/** The metric the dispatch worker emits when an org crosses a quota threshold (80, 95 or 100 %). */
export function quotaThresholdMetric(threshold: 80 | 95 | 100): string {
  return `DingTalkQuota${threshold}PercentCrossed`;
}
export const QUOTA_EXHAUSTED_METRIC = 'DingTalkQuotaExhausted';
/** The same for the Webhook & Stream quota of DingTalk custom robots (group bots). */
export function webhookQuotaThresholdMetric(threshold: 80 | 95 | 100): string {
  return `DingTalkWebhookQuota${threshold}PercentCrossed`;
}
