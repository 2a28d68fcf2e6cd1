/**
 * Monthly DingTalk quota meter (dingtalk.md §5.1, §8.7): one atomic counter per org per China-time
 * month. Standard orgs get 5,000 metered calls a month shared by all internal apps, so dutybridge
 * counts every metered call before making it, refuses calls past the quota (and non-Critical
 * ones past 95 %, the Critical-only band), and reports each 80/95/100 % crossing exactly once per
 * month so the caller can emit a metric or raise an alarm.
 *
 * The counter only knows dutybridge's own calls; other apps of the same org spend the same
 * quota. When DingTalk itself answers 90020 / ApiCountLimitForOrg, `markExhausted` closes the
 * month regardless of the count.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QuotaConsumption, QuotaMeter, QuotaUsage } from '../../application/dispatch-ports';
import { systemClock, type Clock } from '../../application/ports';
import { reportQuotaUsage } from '../../runtime/observability';

export type { QuotaConsumption, QuotaMeter, QuotaUsage };
import type { Severity } from '../../domain/incident';
import {
  QUOTA_ALERT_THRESHOLDS,
  chinaMonthEndMs,
  chinaMonthKey,
  crossedThresholds,
  usageCeilingFor,
  type QuotaThreshold,
} from '../../domain/rate-limit';

export interface QuotaMeterOptions {
  /** Monthly metered calls of the org (see dingTalkLimits()). */
  readonly quotaOf: (org: string) => number | Promise<number>;
  readonly clock?: Clock;
  /**
   * Told the counter after every call it counted and when DingTalk closed the month, for the
   * quota-used gauge the operations dashboard graphs and alarms on (the 80/95/100 % crossings are
   * one-shot; this shows how close the org is in between).
   * @default reportQuotaUsage (metric DingTalkQuotaUsedPercent or DingTalkWebhookQuotaUsedPercent)
   */
  readonly reportUsage?: (usage: QuotaUsage) => void;
}

export class InvalidQuotaAmountError extends Error {
  override readonly name = 'InvalidQuotaAmountError';
}

function checkAmount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new InvalidQuotaAmountError(`quota amounts are whole numbers ≥ 1, got ${n}`);
}

/** Keep a month's counter ~13 months for the usage history, then let TTL delete it. */
const COUNTER_RETENTION_SECONDS = 400 * 86_400;

const itemKey = (org: string, month: string) => ({ pk: `QUOTA#${org}`, sk: `MONTH#${month}` });

export class DynamoQuotaMeter implements QuotaMeter {
  private readonly clock: Clock;
  private readonly reportUsage: (usage: QuotaUsage) => void;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: QuotaMeterOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.reportUsage = options.reportUsage ?? reportQuotaUsage;
  }

  async tryConsume(org: string, n: number, options: { severity?: Severity } = {}): Promise<QuotaConsumption> {
    checkAmount(n);
    const nowMs = this.clock.nowMs();
    const month = chinaMonthKey(nowMs);
    const quota = await this.options.quotaOf(org);
    const ceiling = usageCeilingFor(options.severity ?? 'Critical', quota);
    if (n <= ceiling) {
      try {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKey(org, month),
            UpdateExpression: 'ADD used :n SET expiresAt = if_not_exists(expiresAt, :expires)',
            ConditionExpression: '(attribute_not_exists(used) OR used <= :maxBefore) AND (attribute_not_exists(exhausted) OR exhausted = :false)',
            ExpressionAttributeValues: { ':n': n, ':maxBefore': ceiling - n, ':false': false, ':expires': Math.floor(chinaMonthEndMs(nowMs) / 1000) + COUNTER_RETENTION_SECONDS },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        const used = Number(out.Attributes?.used);
        this.report({ org, month, used, quota, exhausted: false });
        const crossed = await this.claimAlerts(org, month, crossedThresholds(used - n, used, quota));
        return { org, month, used, quota, exhausted: false, granted: true, crossed };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    const current = await this.read(org, month, quota);
    const exhausted = current.exhausted || current.used + n > quota;
    return { ...current, granted: false, refusal: exhausted ? 'exhausted' : 'critical-only', crossed: [] };
  }

  async refund(org: string, n: number, month: string): Promise<void> {
    checkAmount(n);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(org, month),
          UpdateExpression: 'ADD used :minus',
          ConditionExpression: 'used >= :n',
          ExpressionAttributeValues: { ':minus': -n, ':n': n },
        }),
      );
    } catch (error) {
      // Nothing (or less) was counted: there is nothing to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async usage(org: string): Promise<QuotaUsage> {
    const month = chinaMonthKey(this.clock.nowMs());
    return this.read(org, month, await this.options.quotaOf(org));
  }

  async markExhausted(org: string): Promise<QuotaConsumption> {
    const nowMs = this.clock.nowMs();
    const month = chinaMonthKey(nowMs);
    const quota = await this.options.quotaOf(org);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKey(org, month),
        UpdateExpression: 'SET exhausted = :true, expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: { ':true': true, ':expires': Math.floor(chinaMonthEndMs(nowMs) / 1000) + COUNTER_RETENTION_SECONDS },
      }),
    );
    const current = await this.read(org, month, quota);
    // DingTalk's own count (other apps included) reached the quota, whatever ours says.
    this.report({ ...current, used: Math.max(current.used, quota) });
    // The platform's count includes other apps: every threshold not yet reported is reached now.
    const crossed = await this.claimAlerts(org, month, [...QUOTA_ALERT_THRESHOLDS]);
    return { ...current, granted: false, refusal: 'exhausted', crossed };
  }

  /** The gauge is best effort: the call was counted, so a failing reporter must not fail it. */
  private report(usage: QuotaUsage): void {
    try {
      this.reportUsage(usage);
    } catch {
      // Nothing to undo; the next counted call reports again.
    }
  }

  private async read(org: string, month: string, quota: number): Promise<QuotaUsage> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKey(org, month), ConsistentRead: true }));
    const used = Number(out.Item?.used ?? 0);
    return { org, month, used, quota, exhausted: out.Item?.exhausted === true };
  }

  /** Each threshold is reported by exactly one caller per month (conditional SET of alert<N>). */
  private async claimAlerts(org: string, month: string, thresholds: readonly QuotaThreshold[]): Promise<QuotaThreshold[]> {
    const claimed: QuotaThreshold[] = [];
    for (const threshold of thresholds) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: itemKey(org, month),
            UpdateExpression: `SET alert${threshold} = :at`,
            ConditionExpression: `attribute_not_exists(alert${threshold})`,
            ExpressionAttributeValues: { ':at': this.clock.nowMs() },
          }),
        );
        claimed.push(threshold);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return claimed;
  }
}

/** Same rules in memory: for unit tests and single-process tools. */
export class InMemoryQuotaMeter implements QuotaMeter {
  private readonly clock: Clock;
  private readonly months = new Map<string, { used: number; exhausted: boolean; alerted: Set<QuotaThreshold> }>();

  constructor(private readonly options: QuotaMeterOptions) {
    this.clock = options.clock ?? systemClock;
  }

  private entry(org: string, month: string) {
    const key = `${org}#${month}`;
    let entry = this.months.get(key);
    if (!entry) {
      entry = { used: 0, exhausted: false, alerted: new Set() };
      this.months.set(key, entry);
    }
    return entry;
  }

  private claim(entry: { alerted: Set<QuotaThreshold> }, thresholds: readonly QuotaThreshold[]): QuotaThreshold[] {
    const fresh = thresholds.filter((t) => !entry.alerted.has(t));
    fresh.forEach((t) => entry.alerted.add(t));
    return fresh;
  }

  async tryConsume(org: string, n: number, options: { severity?: Severity } = {}): Promise<QuotaConsumption> {
    checkAmount(n);
    const month = chinaMonthKey(this.clock.nowMs());
    const quota = await this.options.quotaOf(org);
    const entry = this.entry(org, month);
    const ceiling = usageCeilingFor(options.severity ?? 'Critical', quota);
    if (entry.exhausted || entry.used + n > ceiling) {
      const exhausted = entry.exhausted || entry.used + n > quota;
      return { org, month, used: entry.used, quota, exhausted: entry.exhausted, granted: false, refusal: exhausted ? 'exhausted' : 'critical-only', crossed: [] };
    }
    const before = entry.used;
    entry.used += n;
    return { org, month, used: entry.used, quota, exhausted: false, granted: true, crossed: this.claim(entry, crossedThresholds(before, entry.used, quota)) };
  }

  async refund(org: string, n: number, month: string): Promise<void> {
    checkAmount(n);
    const entry = this.entry(org, month);
    if (entry.used >= n) entry.used -= n;
  }

  async usage(org: string): Promise<QuotaUsage> {
    const month = chinaMonthKey(this.clock.nowMs());
    const entry = this.entry(org, month);
    return { org, month, used: entry.used, quota: await this.options.quotaOf(org), exhausted: entry.exhausted };
  }

  async markExhausted(org: string): Promise<QuotaConsumption> {
    const month = chinaMonthKey(this.clock.nowMs());
    const entry = this.entry(org, month);
    entry.exhausted = true;
    return { org, month, used: entry.used, quota: await this.options.quotaOf(org), exhausted: true, granted: false, refusal: 'exhausted', crossed: this.claim(entry, [...QUOTA_ALERT_THRESHOLDS]) };
  }
}
