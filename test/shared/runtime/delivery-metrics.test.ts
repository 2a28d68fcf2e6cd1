/**
 * The operations metrics behind lib/constructs/operations-dashboard.ts: deliveries per platform
 * counted from every operation record the process's recorder takes, and the DingTalk quota gauge
 * the quota meter reports after each counted call.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoQuotaMeter, type QuotaUsage } from '../../../shared/adapters/aws/quota-meter';
import { InMemoryOperationLog, OperationRecorder, onOperationRecords } from '../../../shared/application/operation-records';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import { deliveryCounts, quotaUsedPercent } from '../../../shared/runtime/delivery-metrics';
import { publishDeliveryCounts, reportQuotaUsage } from '../../../shared/runtime/observability';

const record = (overrides: Partial<OperationRecord>): OperationRecord => ({ atMs: 1, result: 'sent', reasonCode: 'delivered', reason: 'r', integrationId: 'i', platform: 'wecom', ...overrides });

const recorder = (log = new InMemoryOperationLog()) => new OperationRecorder(log, () => undefined, () => 1, () => undefined);

/** The EMF lines Powertools prints while `run` runs. */
async function emfLines(run: () => Promise<void> | void): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((line) => line.split('\n')).filter((line) => line.includes('_aws')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('deliveryCounts', () => {
  it('counts sent, failed, throttled and stale records per platform, and nothing without a platform', () => {
    const counts = deliveryCounts([
      record({}),
      record({ reasonCode: 'already_delivered' }),
      record({ result: 'failed', reasonCode: 'invalid_user' }),
      record({ result: 'retrying', reasonCode: 'qps_throttled', platform: 'dingtalk' }),
      record({ result: 'failed', reasonCode: 'qps_throttled', platform: 'dingtalk' }),
      record({ result: 'dropped', reasonCode: 'card_stale' }),
      record({ result: 'dropped', reasonCode: 'app_not_linked' }),
      record({ result: 'sent', platform: undefined }),
    ]);
    expect(counts).toEqual(
      expect.arrayContaining([
        { platform: 'wecom', metricName: 'DeliveriesSent', count: 2 },
        { platform: 'wecom', metricName: 'DeliveriesFailed', count: 1 },
        { platform: 'wecom', metricName: 'CardsStale', count: 1 },
        { platform: 'dingtalk', metricName: 'DeliveriesThrottled', count: 2 },
        { platform: 'dingtalk', metricName: 'DeliveriesFailed', count: 1 },
      ]),
    );
    expect(counts).toHaveLength(5);
  });
});

describe('OperationRecorder listeners', () => {
  it('see every appended record before the write, even when the write fails, and cannot break it', async () => {
    const seen: OperationRecord[] = [];
    const stopThrowing = onOperationRecords(() => {
      throw new Error('listener bug');
    });
    const stop = onOperationRecords((records) => seen.push(...records));
    const failing = new OperationRecorder({ append: () => Promise.reject(new Error('down')), query: async () => [] }, () => undefined, () => 1, () => undefined);
    try {
      await failing.append([record({})]);
      failing.record('card_dropped', { result: 'dropped', reasonCode: 'card_stale', reason: 'old', integrationId: 'i', platform: 'wecom' });
      await failing.settle();
    } finally {
      stop();
      stopThrowing();
    }
    expect(seen.map((r) => r.reasonCode)).toEqual(['delivered', 'card_stale']);
    await recorder().append([record({})]);
    expect(seen).toHaveLength(2);
  });
});

describe('publishDeliveryCounts', () => {
  it('puts the platform on its own EMF line, beside the service dimension', () => {
    const calls: unknown[][] = [];
    const single = { addDimension: (...args: unknown[]) => (calls.push(['dimension', ...args]), single), addMetric: (...args: unknown[]) => (calls.push(['metric', ...args]), single) };
    publishDeliveryCounts([record({}), record({})], { singleMetric: () => single as never });
    expect(calls).toEqual([['dimension', 'platform', 'wecom'], ['metric', 'DeliveriesSent', 'Count', 2]]);
  });

  it('is installed for the process: an appended record prints DeliveriesSent with dimensions service and platform', async () => {
    const lines = await emfLines(() => recorder().append([record({ platform: 'dingtalk' })]));
    expect(lines).toHaveLength(1);
    const [emf] = lines as [{ _aws: { CloudWatchMetrics: [{ Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }] }; DeliveriesSent: number; platform: string; service: string }];
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'DutyBridge', Dimensions: [['service', 'platform']], Metrics: [{ Name: 'DeliveriesSent' }] });
    expect(emf).toMatchObject({ DeliveriesSent: 1, platform: 'dingtalk', service: 'dutybridge' });
  });
});

describe('DingTalk quota used', () => {
  it('is a percentage of the quota the counter belongs to (API or Webhook & Stream)', () => {
    expect(quotaUsedPercent({ org: 'corp1', used: 4_512, quota: 5_000 })).toEqual({ metricName: 'DingTalkQuotaUsedPercent', percent: 90.2 });
    expect(quotaUsedPercent({ org: 'webhook:corp1', used: 3_100, quota: 3_000 })).toEqual({ metricName: 'DingTalkWebhookQuotaUsedPercent', percent: 100 });
    const added: unknown[][] = [];
    reportQuotaUsage({ org: 'corp1', used: 1, quota: 8 }, { addMetric: (...args: unknown[]) => (added.push(args), undefined as never) });
    expect(added).toEqual([['DingTalkQuotaUsedPercent', 'Percent', 12.5]]);
  });

  /** A document client answering the meter's commands: the counter after ADD, the item on GET. */
  function meterWith(used: number, onUsage: (usage: QuotaUsage) => void): DynamoQuotaMeter {
    const send = jest.fn(async (command: unknown) => {
      if (command instanceof GetCommand) return { Item: { used, exhausted: true } };
      if (command instanceof UpdateCommand && command.input.UpdateExpression?.startsWith('ADD used')) return { Attributes: { used } };
      return {};
    });
    return new DynamoQuotaMeter({ send } as unknown as DynamoDBDocumentClient, 'state', { quotaOf: () => 5_000, reportUsage: onUsage });
  }

  it('is reported by the meter after each counted call and at 100 % when DingTalk closes the month', async () => {
    const reported: QuotaUsage[] = [];
    await meterWith(4_500, (usage) => reported.push(usage)).tryConsume('corp1', 1);
    await meterWith(1_200, (usage) => reported.push(usage)).markExhausted('corp1');
    expect(reported.map(({ org, used, quota }) => ({ org, used, quota }))).toEqual([
      { org: 'corp1', used: 4_500, quota: 5_000 },
      { org: 'corp1', used: 5_000, quota: 5_000 },
    ]);
  });

  it('never fails a counted call when the report throws', async () => {
    const consumption = await meterWith(10, () => {
      throw new Error('metrics broke');
    }).tryConsume('corp1', 1);
    expect(consumption).toMatchObject({ granted: true, used: 10 });
  });
});
