import { InMemoryQpsSlotStore, SlottedQpsLimiter } from '../../../shared/adapters/aws/qps-limiter';
import { InMemoryQuotaMeter } from '../../../shared/adapters/aws/quota-meter';
import {
  DispatchRetryLaterError,
  DispatchUseCase,
  InMemoryDigestBuffer,
  InMemoryDispatchLedger,
  type DingTalkMessaging,
  type DispatchDeps,
} from '../../../shared/application/dispatch';
import { parseOutgoingCall, type OutgoingCall, type OutgoingCallInput } from '../../../shared/domain/outgoing-call';
import { DIGEST_WINDOW_MS, type QuotaThreshold } from '../../../shared/domain/rate-limit';
import { APP, GROUP, startSimApp, type SimApp } from '../adapters/dingtalk/sim-app';

let app: SimApp;
beforeAll(async () => {
  app = await startSimApp({ timeoutMs: 500 });
  await app.client.registerCardCallback({ routeKey: 'dutybridge', callbackUrl: 'http://127.0.0.1:9/cards', apiSecret: 'secret-123', forceUpdate: false });
});
afterAll(() => app.stop());
afterEach(async () => {
  await fetch(`${app.sim.url}/_sim/faults`, { method: 'DELETE' });
});

let seq = 0;
function call(input: Partial<OutgoingCallInput> & { kind?: OutgoingCall['kind'] } = {}): OutgoingCall {
  seq += 1;
  const kind = input.kind ?? 'dingtalk.groupMessage';
  const payload =
    input.payload ??
    (kind === 'dingtalk.createAndDeliver'
      ? { outTrackId: `inc-${seq}`, cardTemplateId: 'tpl', callbackRouteKey: 'dutybridge', cardParamMap: { title: `incident ${seq}` }, targets: [{ type: 'group', openConversationId: GROUP }] }
      : { openConversationId: GROUP, msgKey: 'sampleText', msgParam: JSON.stringify({ content: `message ${seq}` }) });
  return parseOutgoingCall({ integrationId: 'ding-main', idempotencyKey: `key-${seq}`, severity: 'Critical', summary: `incident ${seq} changed`, ...input, kind, payload });
}

interface Rig {
  readonly dispatch: DispatchUseCase;
  readonly meter: InMemoryQuotaMeter;
  readonly ledger: InMemoryDispatchLedger;
  readonly digests: InMemoryDigestBuffer;
  readonly parked: { reason: string; cause: string; key: string }[];
  readonly sleeps: number[];
  readonly alerts: QuotaThreshold[];
  readonly throttles: number;
  clockMs: number;
}

function rig(options: { quota?: number; client?: DingTalkMessaging; throttleRetries?: number } = {}): Rig {
  const state = { clockMs: Date.now(), throttles: 0 };
  const clock = { nowMs: () => state.clockMs };
  const meter = new InMemoryQuotaMeter({ quotaOf: () => options.quota ?? 5000, clock });
  const ledger = new InMemoryDispatchLedger(clock);
  const digests = new InMemoryDigestBuffer();
  const parked: Rig['parked'] = [];
  const sleeps: number[] = [];
  const alerts: QuotaThreshold[] = [];
  const deps: DispatchDeps = {
    targetFor: async () => ({ client: options.client ?? app.client, appKey: APP.clientId, orgKey: APP.corpId }),
    limiter: new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: 20 }),
    quota: meter,
    ledger,
    digests,
    parked: { park: async (c, reason, cause) => void parked.push({ reason, cause, key: c.idempotencyKey }) },
    alerts: { thresholdCrossed: (_org, threshold) => void alerts.push(threshold) },
    clock,
    sleep: async (ms) => void sleeps.push(ms),
    throttleRetries: options.throttleRetries ?? 2,
    onThrottled: () => void (state.throttles += 1),
  };
  const result = { dispatch: new DispatchUseCase(deps), meter, ledger, digests, parked, sleeps, alerts };
  return Object.defineProperties(result, {
    clockMs: { get: () => state.clockMs, set: (v: number) => void (state.clockMs = v) },
    throttles: { get: () => state.throttles },
  }) as Rig;
}

const sendsOf = (endpoint: string) => app.sim.calls().filter((c) => c.endpoint === endpoint);

describe('DispatchUseCase', () => {
  it('sends a card once; a redelivered message calls nothing', async () => {
    const r = rig();
    const card = call({ kind: 'dingtalk.createAndDeliver' });
    const before = sendsOf('card/instances/createAndDeliver').length;
    expect((await r.dispatch.execute(card)).kind).toBe('sent');
    const again = await r.dispatch.execute(card);
    expect(again).toMatchObject({ kind: 'duplicate', previous: { outcome: 'sent' } });
    expect(sendsOf('card/instances/createAndDeliver').length).toBe(before + 1);
    expect((await r.meter.usage(APP.corpId)).used).toBe(1);
  });

  it('a throttle answer waits ≥ 1 s in process and retries with a new slot', async () => {
    const r = rig();
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'throttle', nextN: 1 });
    const outcome = await r.dispatch.execute(call());
    expect(outcome).toMatchObject({ kind: 'sent', attempts: 2 });
    expect(r.sleeps).toEqual([1000]);
    expect(r.throttles).toBe(1);
    expect((await r.meter.usage(APP.corpId)).used).toBe(1);
  });

  it('persistent throttling hands the message back to SQS, refunds the quota and frees the key', async () => {
    const r = rig({ throttleRetries: 1 });
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'throttle', nextN: 2 });
    const message = call();
    const error = await r.dispatch.execute(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchRetryLaterError);
    expect((error as DispatchRetryLaterError).retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect((await r.meter.usage(APP.corpId)).used).toBe(0);
    expect((await r.dispatch.execute(message)).kind).toBe('sent'); // the redelivery goes through
  });

  it('5xx → retry later (rethrown), nothing recorded, quota refunded', async () => {
    const r = rig();
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'http500', nextN: 1 });
    const message = call();
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
    expect(r.ledger.recordOf(message.idempotencyKey)).toBeUndefined();
    expect((await r.meter.usage(APP.corpId)).used).toBe(0);
    expect(r.sleeps).toEqual([]);
  });

  it('a quota answer parks the call, closes the month and never calls again', async () => {
    const r = rig();
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'quota', nextN: 1 });
    const first = await r.dispatch.execute(call());
    expect(first.kind).toBe('parked');
    expect(r.parked[0]).toMatchObject({ cause: 'quota' });
    expect(r.alerts).toEqual([80, 95, 100]);
    const before = sendsOf('robot/groupMessages/send').length;
    const second = await r.dispatch.execute(call());
    expect(second.kind).toBe('parked');
    expect(sendsOf('robot/groupMessages/send').length).toBe(before);
    expect(r.parked).toHaveLength(2);
  });

  it('a permanent rejection is recorded with the reason and not retried', async () => {
    const r = rig();
    const bad = call({ kind: 'dingtalk.updateCard', payload: { outTrackId: 'no-such-card', cardParamMap: { status: 'x' } } });
    const outcome = await r.dispatch.execute(bad);
    expect(outcome.kind).toBe('rejected');
    expect(outcome.kind === 'rejected' && outcome.reason).toContain('param.cardNotExist');
    expect(r.parked[0]).toMatchObject({ cause: 'permanent', key: bad.idempotencyKey });
    expect(await r.dispatch.execute(bad)).toMatchObject({ kind: 'duplicate', previous: { outcome: 'rejected' } });
  });

  it('from 95 %: only Critical is sent, the rest goes into one digest per group per 10 minutes; at 100 % nothing', async () => {
    const r = rig({ quota: 100 });
    await r.meter.tryConsume(APP.corpId, 94);
    r.alerts.length = 0;
    expect((await r.dispatch.execute(call({ severity: 'Warning' }))).kind).toBe('sent'); // reaches 95
    expect(r.alerts).toEqual([95]);
    const deferred = await Promise.all([1, 2, 3].map(() => r.dispatch.execute(call({ severity: 'Info' }))));
    expect(deferred.map((o) => o.kind)).toEqual(['deferred', 'deferred', 'deferred']);
    expect((await r.dispatch.execute(call({ severity: 'Critical' }))).kind).toBe('sent');
    expect(r.digests.pendingLines()).toBe(3);

    expect((await r.dispatch.flushDigests('ding-main')).sent).toBe(0); // window not over yet
    r.clockMs += DIGEST_WINDOW_MS;
    const before = sendsOf('robot/groupMessages/send').length;
    const flushed = await r.dispatch.flushDigests('ding-main');
    expect(flushed.sent).toBe(1);
    expect(sendsOf('robot/groupMessages/send').length).toBe(before + 1);
    const digestText = app.sim.conversations().filter((c) => c.conversation === `group:${GROUP}`).at(-1)?.text ?? '';
    expect(digestText).toContain('Incident digest (3)');

    const filled = await r.meter.tryConsume(APP.corpId, 100 - (await r.meter.usage(APP.corpId)).used);
    expect(filled.crossed).toEqual([100]);
    const stopped = await r.dispatch.execute(call({ severity: 'Critical' }));
    expect(stopped.kind).toBe('parked');
    expect(r.parked.at(-1)?.cause).toBe('quota');
  });

  it('re-queues DingTalk flow-controlled recipients as a follow-up call', async () => {
    const fake: DingTalkMessaging = {
      createAndDeliverCard: async () => ({ outTrackId: 'x', deliverResults: [] }),
      updateCard: async () => undefined,
      sendGroupMessage: async () => ({ processQueryKey: 'k' }),
      batchSendOto: async () => ({ processQueryKey: 'k', invalidUserIds: [], flowControlledUserIds: ['bob'] }),
    };
    const r = rig({ client: fake });
    const outcome = await r.dispatch.execute(call({ kind: 'dingtalk.oneToOneMessage', payload: { userIds: ['alice', 'bob'], msgKey: 'sampleText', msgParam: '{"content":"x"}' } }));
    expect(outcome.kind).toBe('sent');
    const followUp = outcome.kind === 'sent' ? outcome.followUp : undefined;
    expect(followUp?.kind === 'dingtalk.oneToOneMessage' && followUp.payload.userIds).toEqual(['bob']);
    expect(followUp?.idempotencyKey).not.toBe(`key-${seq}`);
  });

  it('an attempt in flight elsewhere makes the redelivery wait', async () => {
    const r = rig();
    const message = call();
    await r.ledger.begin(message.idempotencyKey, 60_000);
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
  });
});
