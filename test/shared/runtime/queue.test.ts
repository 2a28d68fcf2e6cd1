import { WeComThrottledError } from '../../../shared/adapters/wecom/errors';
import type { Context, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { DispatchRetryLaterError } from '../../../shared/application/dispatch';
import { logger, metrics } from '../../../shared/runtime/observability';
import { WAIT_ATTRIBUTES, queueHandler, retryDelaySeconds, waitDelaySeconds, type RequeueCopy } from '../../../shared/runtime/queue';

describe('retryDelaySeconds', () => {
  it('backs off exponentially with jitter, capped at 60 s', () => {
    expect(retryDelaySeconds(1, new Error('x'), () => 0)).toBe(1);
    expect(retryDelaySeconds(3, new Error('x'), () => 1)).toBe(8);
    expect(retryDelaySeconds(20, new Error('x'), () => 1)).toBe(60);
  });

  it('waits at least as long as the error asks (a WeCom 45009 blocks the rest of the minute)', () => {
    const throttled = new WeComThrottledError({ endpoint: 'message/send', errcode: 45009, errmsg: 'limit', reason: 'throttled' } as never);
    expect(retryDelaySeconds(1, throttled, () => 0)).toBe(60);
    expect(retryDelaySeconds(1, { retryAfterMs: 1500 }, () => 0)).toBe(2);
  });
});

describe('queueHandler: waiting is not failing', () => {
  const context = { functionName: 'dispatch', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  const schema = z.object({ n: z.number() });

  function record(options: { receiveCount?: number; attributes?: Record<string, string> } = {}): SQSRecord {
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [k, v] of Object.entries(options.attributes ?? {})) messageAttributes[k] = { dataType: 'String', stringValue: v, stringListValues: [], binaryListValues: [] };
    return {
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: JSON.stringify({ n: 1 }),
      attributes: { ApproximateReceiveCount: String(options.receiveCount ?? 1), SentTimestamp: '1700000000000', SenderId: 'x', ApproximateFirstReceiveTimestamp: '1700000000000' },
      messageAttributes,
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outgoing-im',
      awsRegion: 'us-east-1',
    };
  }

  function rig(error: unknown, options: { requeueFails?: boolean; maxReceiveCount?: number } = {}) {
    const copies: RequeueCopy[] = [];
    const visibility: number[] = [];
    const deadLettered: string[] = [];
    const handler = queueHandler({
      name: 'outgoing-im',
      schema,
      ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
      deps: () => ({
        deadLetters: { deadLetter: async (_body: string, reason: string) => void deadLettered.push(reason) },
        retryVisibility: { change: async (_handle: string, seconds: number) => void visibility.push(seconds) },
        requeue: {
          requeue: async (copy: RequeueCopy) => {
            if (options.requeueFails) throw new Error('SQS unavailable');
            copies.push(copy);
          },
        },
        process: async () => {
          throw error;
        },
      }),
    });
    return { handler: (r: SQSRecord) => handler({ Records: [r] }, context), copies, visibility, deadLettered };
  }

  it('parks a waiting record as a delayed copy and reports it processed (no receive spent)', async () => {
    const r = rig(new DispatchRetryLaterError('no slot', 10_000, { waiting: true }));
    const result = await r.handler(record());
    expect(result.batchItemFailures).toEqual([]);
    expect(r.visibility).toEqual([]);
    expect(r.copies).toHaveLength(1);
    const copy = r.copies[0]!;
    expect(copy.body).toBe(JSON.stringify({ n: 1 }));
    expect(copy.delaySeconds).toBeGreaterThanOrEqual(10);
    expect(copy.delaySeconds).toBeLessThanOrEqual(12);
    expect(copy.messageAttributes[WAIT_ATTRIBUTES.waits]?.stringValue).toBe('1');
    expect(copy.messageAttributes[WAIT_ATTRIBUTES.firstSentTimestamp]?.stringValue).toBe('1700000000000');
    expect(copy.messageAttributes[WAIT_ATTRIBUTES.failedReceives]).toBeUndefined();
  });

  it('keeps the attributes, counts the waits and carries the failed receives of earlier copies', async () => {
    const r = rig(new DispatchRetryLaterError('throttled', 1000, { waiting: true }));
    await r.handler(record({ receiveCount: 2, attributes: { kind: 'dingtalk.updateCard', waits: '4', firstSentTimestamp: '1600000000000', failedReceives: '1' } }));
    const copy = r.copies[0]!;
    expect(copy.messageAttributes.kind?.stringValue).toBe('dingtalk.updateCard');
    expect(copy.messageAttributes[WAIT_ATTRIBUTES.waits]?.stringValue).toBe('5');
    expect(copy.messageAttributes[WAIT_ATTRIBUTES.firstSentTimestamp]?.stringValue).toBe('1600000000000');
    // 1 carried + this copy's first receive, which failed; this receive is the wait.
    expect(copy.messageAttributes[WAIT_ATTRIBUTES.failedReceives]?.stringValue).toBe('2');
  });

  it('reports how long the call has waited since it was first queued (the queue age cannot see re-parked copies)', async () => {
    const added: [string, number][] = [];
    const spy = jest.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
      added.push([name, value]);
      return metrics;
    });
    try {
      const firstSent = Date.now() - 1_200_000;
      const r = rig(new DispatchRetryLaterError('no slot', 10_000, { waiting: true }));
      await r.handler(record({ attributes: { waits: '30', firstSentTimestamp: String(firstSent) } }));
    } finally {
      spy.mockRestore();
    }
    const age = added.find(([name]) => name === 'WaitingMessageAgeSeconds')?.[1];
    expect(age).toBeGreaterThanOrEqual(1200);
    expect(age).toBeLessThan(1210);
  });

  it('never waits longer than SQS allows', () => {
    expect(waitDelaySeconds(3_600_000, () => 1)).toBe(900);
    expect(waitDelaySeconds(0, () => 0)).toBe(1);
  });

  it('a real failure keeps the SQS path: visibility changed, the record reported failed, no copy', async () => {
    const r = rig(new DispatchRetryLaterError('5xx', 1000));
    const result = await r.handler(record());
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(r.visibility).toHaveLength(1);
    expect(r.copies).toEqual([]);
  });

  it('a wait whose copy cannot be sent is retried like a failure', async () => {
    const r = rig(new DispatchRetryLaterError('no slot', 10_000, { waiting: true }), { requeueFails: true });
    const result = await r.handler(record());
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(r.visibility[0]).toBeGreaterThanOrEqual(10);
  });

  it('dead-letters a copy whose failures over all copies reach maxReceiveCount', async () => {
    const r = rig(new Error('boom'), { maxReceiveCount: 8 });
    const result = await r.handler(record({ receiveCount: 3, attributes: { failedReceives: '5' } }));
    expect(result.batchItemFailures).toEqual([]);
    expect(r.deadLettered).toEqual([expect.stringMatching(/failed 8 times \(maxReceiveCount 8, counted across waits\); last: boom/)]);
    // Below the limit it is retried as usual.
    const below = rig(new Error('boom'), { maxReceiveCount: 8 });
    expect((await below.handler(record({ receiveCount: 2, attributes: { failedReceives: '5' } }))).batchItemFailures).toHaveLength(1);
  });
});

describe('queueHandler: log keys', () => {
  it('does not carry one record\u2019s appended keys (e.g. incidentId) into the next record\u2019s log lines', async () => {
    const printed: Record<string, unknown>[] = [];
    const spy = jest.spyOn(logger as unknown as { printLog: (level: number, item: { getAttributes(): Record<string, unknown> }) => void }, 'printLog').mockImplementation((_level, item) => {
      printed.push(item.getAttributes());
    });
    try {
      const handler = queueHandler({
        name: 'test',
        schema: z.object({ n: z.number() }),
        deps: () => ({
          deadLetters: { deadLetter: async () => undefined },
          process: async (message) => {
            // What the handlers do: label the record's lines with its incident, when it has one.
            if (message.n === 1) logger.appendKeys({ incidentId: 'inc-1' });
            logger.warn(`record ${message.n}`);
          },
        }),
      });
      const body = (n: number) =>
        ({ messageId: `m-${n}`, receiptHandle: `rh-${n}`, body: JSON.stringify({ n }), attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'x', ApproximateFirstReceiveTimestamp: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:0:q', awsRegion: 'us-east-1' }) as SQSRecord;
      const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
      await handler({ Records: [body(1), body(2)] }, context);
    } finally {
      spy.mockRestore();
    }
    const lines = printed.filter((attributes) => typeof attributes.message === 'string' && /^record /.test(attributes.message as string));
    expect(lines.map((l) => [l.message, l.incidentId])).toEqual([
      ['record 1', 'inc-1'],
      ['record 2', undefined],
    ]);
  });
});
