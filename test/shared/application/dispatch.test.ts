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
import { DingTalkClient } from '../../../shared/adapters/dingtalk/client';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../shared/application/token-provider';

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
  /** Calls the use case put back on the outgoing-im queue (flow-control follow-ups). */
  readonly queued: { call: OutgoingCallInput; delaySeconds?: number }[];
  readonly meter: InMemoryQuotaMeter;
  readonly ledger: InMemoryDispatchLedger;
  readonly digests: InMemoryDigestBuffer;
  readonly parked: { reason: string; cause: string; key: string }[];
  readonly sleeps: number[];
  readonly alerts: QuotaThreshold[];
  readonly throttles: number;
  clockMs: number;
}

function rig(options: { quota?: number; client?: DingTalkMessaging; throttleRetries?: number; enqueue?: (call: OutgoingCallInput) => Promise<void> } = {}): Rig {
  const state = { clockMs: Date.now(), throttles: 0 };
  const clock = { nowMs: () => state.clockMs };
  const meter = new InMemoryQuotaMeter({ quotaOf: () => options.quota ?? 5000, clock });
  const ledger = new InMemoryDispatchLedger(clock);
  const digests = new InMemoryDigestBuffer();
  const parked: Rig['parked'] = [];
  const sleeps: number[] = [];
  const alerts: QuotaThreshold[] = [];
  const queued: Rig['queued'] = [];
  const deps: DispatchDeps = {
    targetFor: async () => ({ client: options.client ?? app.client, appKey: APP.clientId, orgKey: APP.corpId }),
    limiter: new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: 20 }),
    quota: meter,
    ledger,
    digests,
    outgoing: {
      enqueue: async (c, o) => {
        await options.enqueue?.(c);
        queued.push({ call: c, delaySeconds: o?.delaySeconds });
      },
    },
    parked: { park: async (c, reason, cause) => void parked.push({ reason, cause, key: c.idempotencyKey }) },
    alerts: { thresholdCrossed: (_org, threshold) => void alerts.push(threshold) },
    clock,
    sleep: async (ms) => void sleeps.push(ms),
    throttleRetries: options.throttleRetries ?? 2,
    onThrottled: () => void (state.throttles += 1),
  };
  const result = { dispatch: new DispatchUseCase(deps), meter, ledger, digests, parked, sleeps, alerts, queued };
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
    // A throttle is a wait, not a failure: the queue parks it without spending a receive.
    expect((error as DispatchRetryLaterError).waiting).toBe(true);
    expect((await r.meter.usage(APP.corpId)).used).toBe(0);
    expect((await r.dispatch.execute(message)).kind).toBe('sent'); // the redelivery goes through
  });

  it('5xx → retry later (rethrown), nothing recorded, quota refunded', async () => {
    const r = rig();
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'http500', nextN: 1 });
    const message = call();
    await expect(r.dispatch.execute(message)).rejects.toMatchObject({ name: 'DispatchRetryLaterError', waiting: false });
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

  const flowControlling = (flowControlledUserIds: string[]): DingTalkMessaging => ({
    createAndDeliverCard: async () => ({ outTrackId: 'x', deliverResults: [] }),
    updateCard: async () => undefined,
    sendGroupMessage: async () => ({ processQueryKey: 'k' }),
    batchSendOto: async () => ({ processQueryKey: 'k', invalidUserIds: [], flowControlledUserIds }),
    createSceneGroup: async () => ({ openConversationId: 'cid' }), addSceneGroupMembers: async () => undefined, removeSceneGroupMembers: async () => undefined,
  });
  const batch = (userIds: string[], content = 'x') => call({ kind: 'dingtalk.oneToOneMessage', payload: { userIds, msgKey: 'sampleText', msgParam: JSON.stringify({ content }) } });

  it('queues a delayed follow-up for DingTalk flow-controlled recipients before the ledger says sent', async () => {
    const r = rig({ client: flowControlling(['bob']) });
    const message = batch(['alice', 'bob']);
    const outcome = await r.dispatch.execute(message);
    expect(outcome.kind).toBe('sent');
    expect(r.queued).toHaveLength(1);
    const [{ call: followUp, delaySeconds }] = r.queued;
    expect(followUp.kind === 'dingtalk.oneToOneMessage' && followUp.payload.userIds).toEqual(['bob']);
    expect(followUp.idempotencyKey).toBe(`${message.idempotencyKey}#flow1`);
    expect(delaySeconds).toBeGreaterThanOrEqual(1);
    expect(delaySeconds).toBeLessThanOrEqual(60);
    expect(r.ledger.recordOf(message.idempotencyKey)).toMatchObject({ outcome: 'sent', reason: expect.stringContaining('follow-up 1 queued: bob') });
    // A follow-up that is flow-controlled again queues the next generation, later.
    const second = await r.dispatch.execute(parseOutgoingCall(followUp));
    expect(second.kind).toBe('sent');
    expect(r.queued[1]?.call.idempotencyKey).toBe(`${message.idempotencyKey}#flow2`);
    expect(r.queued[1]?.delaySeconds).toBeGreaterThan(delaySeconds!);
  });

  it('a failed enqueue leaves the message to be retried; a retry after the enqueue queues the same follow-up key', async () => {
    let failures = 1;
    const r = rig({ client: flowControlling(['bob']), enqueue: async () => void (failures-- > 0 ? (() => { throw new Error('SQS unavailable'); })() : undefined) });
    const message = batch(['alice', 'bob']);
    await expect(r.dispatch.execute(message)).rejects.toThrow('SQS unavailable');
    expect(r.ledger.recordOf(message.idempotencyKey)).toBeUndefined(); // not finished: SQS redelivers it
    expect((await r.dispatch.execute(message)).kind).toBe('sent');
    // The process died after the enqueue, before the ledger was finished: the retry queues the same key.
    const crashing = rig({ client: flowControlling(['bob']) });
    const finish = crashing.ledger.finish.bind(crashing.ledger);
    let crash = true;
    crashing.ledger.finish = async (key, record) => {
      if (crash) {
        crash = false;
        throw new Error('crash');
      }
      return finish(key, record);
    };
    await expect(crashing.dispatch.execute(message)).rejects.toThrow('crash');
    await crashing.dispatch.execute(message);
    expect(crashing.queued.map((q) => q.call.idempotencyKey)).toEqual([`${message.idempotencyKey}#flow1`, `${message.idempotencyKey}#flow1`]);
    // ... and dispatch sends that key once.
    const plain = rig({ client: flowControlling([]) });
    const followUp = parseOutgoingCall(crashing.queued[0]!.call);
    expect((await plain.dispatch.execute(followUp)).kind).toBe('sent');
    expect((await plain.dispatch.execute(parseOutgoingCall(crashing.queued[1]!.call))).kind).toBe('duplicate');
  });

  it('recipients still flow-controlled after the last follow-up are parked with the reason', async () => {
    const r = rig({ client: flowControlling(['bob']) });
    let next: OutgoingCall | undefined = batch(['bob']);
    for (let i = 0; next && i < 20; i += 1) {
      const outcome = await r.dispatch.execute(next);
      next = outcome.kind === 'sent' ? outcome.followUp : undefined;
    }
    expect(r.queued).toHaveLength(6);
    expect(r.parked).toEqual([expect.objectContaining({ cause: 'permanent', reason: expect.stringContaining('still flow-controlled after 6 follow-up(s)') })]);
  });

  it('against the simulator: flow-controlled recipients get exactly one message through the follow-ups', async () => {
    const r = rig();
    app.sim.dingtalk.setSwitches({ flowControl: { nextN: 3 } });
    try {
      const text = `flow ${Date.now()}`;
      const pending: OutgoingCall[] = [batch(['alice', 'bob'], text)];
      while (pending.length > 0) {
        const outcome = await r.dispatch.execute(pending.shift()!);
        if (outcome.kind === 'sent' && outcome.followUp) pending.push(outcome.followUp);
      }
      expect(r.queued.length).toBeGreaterThanOrEqual(1);
      for (const user of ['alice', 'bob']) expect(app.sim.conversations().filter((c) => c.conversation === `user:${user}` && c.text === text)).toHaveLength(1);
    } finally {
      app.sim.dingtalk.setSwitches({ flowControl: { nextN: 0, percent: 0 } });
    }
  });

  describe.each(['ignore', 'reject'] as const)('a card whose answer was lost, reused outTrackId %s', (reading) => {
    it('is delivered once: the retry is recorded as sent, never a failure or a park', async () => {
      const r = rig();
      app.sim.dingtalk.setSwitches({ existingOutTrackId: reading });
      try {
        const card = call({ kind: 'dingtalk.createAndDeliver' });
        const before = (await app.usage()).metered;
        await app.fault({ endpoint: 'card/instances/createAndDeliver', kind: 'lost-answer', nextN: 1 });
        await expect(r.dispatch.execute(card)).rejects.toBeInstanceOf(DispatchRetryLaterError);
        const outcome = await r.dispatch.execute(card);
        expect(outcome.kind).toBe('sent');
        expect(r.parked).toEqual([]);
        const attempts = sendsOf('card/instances/createAndDeliver').slice(-2);
        expect(attempts.map((c) => [c.status, c.resultCode])).toEqual(reading === 'reject' ? [[200, 'ok'], [400, 'param.cardAlreadyExist']] : [[200, 'ok'], [200, 'ok']]);
        if (reading === 'reject') expect(r.ledger.recordOf(card.idempotencyKey)?.reason).toContain('param.cardAlreadyExist');
        const title = card.kind === 'dingtalk.createAndDeliver' ? card.payload.cardParamMap.title : undefined;
        expect(app.sim.conversations().filter((c) => c.conversation === `group:${GROUP}` && c.card?.title === title)).toHaveLength(1);
        // Our meter agrees with DingTalk's: the lost call was metered, a refused retry is not.
        expect((await r.meter.usage(APP.corpId)).used).toBe((await app.usage()).metered - before);
      } finally {
        app.sim.dingtalk.setSwitches({ existingOutTrackId: 'ignore' });
      }
    });
  });

  it('a robot message whose answer was lost is resent and the possible duplicate recorded', async () => {
    const r = rig();
    const message = call();
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'lost-answer', nextN: 1 });
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
    const outcome = await r.dispatch.execute(message);
    expect(outcome).toMatchObject({ kind: 'sent', possibleDuplicates: 1 });
    expect(r.ledger.recordOf(message.idempotencyKey)?.reason).toMatch(/1 earlier attempt\(s\) got no answer.*up to 1 duplicate/);
  });

  it('a robot message is sent at most 3 times without an answer, then recorded as unconfirmed and not retried', async () => {
    const r = rig();
    const message = call();
    const text = message.kind === 'dingtalk.groupMessage' ? (JSON.parse(message.payload.msgParam) as { content: string }).content : undefined;
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'lost-answer', nextN: 5 });
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
    const third = await r.dispatch.execute(message);
    expect(third).toMatchObject({ kind: 'unconfirmed', unanswered: 3 });
    expect(r.ledger.recordOf(message.idempotencyKey)).toMatchObject({ outcome: 'unconfirmed', reason: expect.stringMatching(/^unanswered; may have been delivered.*at most 2 duplicate/) });
    expect(await r.dispatch.execute(message)).toMatchObject({ kind: 'duplicate' });
    expect(app.sim.conversations().filter((c) => c.conversation === `group:${GROUP}` && c.text === text)).toHaveLength(3);
  });

  it('a lost answer to the token request is no unanswered attempt of the call: quota refunded, no duplicate recorded', async () => {
    const client = new DingTalkClient({ ...APP, apiBase: app.sim.url, oapiBase: app.sim.url }, { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), timeoutMs: 500 });
    const r = rig({ client });
    const message = call();
    await app.fault({ endpoint: 'oauth2/accessToken', kind: 'lost-answer', nextN: 1 });
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
    expect((await r.meter.usage(APP.corpId)).used).toBe(0);
    const outcome = await r.dispatch.execute(message);
    expect(outcome.kind).toBe('sent');
    expect(outcome.kind === 'sent' && outcome.possibleDuplicates).toBeFalsy();
    expect(r.ledger.recordOf(message.idempotencyKey)?.reason).toBeUndefined();
  });

  it('a card (idempotent) keeps being retried however often its answer is lost', async () => {
    const r = rig();
    const card = call({ kind: 'dingtalk.createAndDeliver' });
    await app.fault({ endpoint: 'card/instances/createAndDeliver', kind: 'lost-answer', nextN: 4 });
    for (let i = 0; i < 4; i += 1) await expect(r.dispatch.execute(card)).rejects.toBeInstanceOf(DispatchRetryLaterError);
    expect(await r.dispatch.execute(card)).toMatchObject({ kind: 'sent', detail: expect.stringContaining('4 unanswered attempt(s); harmless') });
  });

  it('an attempt in flight elsewhere makes the redelivery wait', async () => {
    const r = rig();
    const message = call();
    await r.ledger.begin(message.idempotencyKey, 60_000);
    await expect(r.dispatch.execute(message)).rejects.toBeInstanceOf(DispatchRetryLaterError);
  });
});

describe('card updates that waited their turn', () => {
  it('are not sent over a newer render of the same card (a PUT overwrites), and use no quota', async () => {
    const puts: { outTrackId: string; title?: string }[] = [];
    const client: DingTalkMessaging = {
      createAndDeliverCard: async () => ({ outTrackId: 'x', deliverResults: [] }),
      updateCard: async (input) => void puts.push({ outTrackId: input.outTrackId, title: input.cardParamMap?.title }),
      sendGroupMessage: async () => ({ processQueryKey: 'k' }),
      batchSendOto: async () => ({ processQueryKey: 'k', invalidUserIds: [], flowControlledUserIds: [] }),
      createSceneGroup: async () => ({ openConversationId: 'cid' }), addSceneGroupMembers: async () => undefined, removeSceneGroupMembers: async () => undefined,
    };
    const r = rig({ client });
    const update = (version: number) =>
      call({ kind: 'dingtalk.updateCard', idempotencyKey: `update:card-7:${version}`, payload: { outTrackId: 'card-7', cardParamMap: { title: `render ${version}` }, updateByKey: true, renderVersion: version } });
    expect((await r.dispatch.execute(update(3))).kind).toBe('sent');
    // Render 2 waited (or was retried) and arrives after render 3: recorded, not sent.
    const late = await r.dispatch.execute(update(2));
    expect(late).toMatchObject({ kind: 'duplicate', previous: { outcome: 'sent', reason: expect.stringMatching(/superseded/) } });
    // A retry of the newest render still goes out; a newer one too.
    expect((await r.dispatch.execute(call({ kind: 'dingtalk.updateCard', idempotencyKey: 'update:card-7:3#retry', payload: { outTrackId: 'card-7', cardParamMap: { title: 'render 3' }, updateByKey: true, renderVersion: 3 } }))).kind).toBe('sent');
    expect((await r.dispatch.execute(update(4))).kind).toBe('sent');
    expect(puts.map((p) => p.title)).toEqual(['render 3', 'render 3', 'render 4']);
    expect((await r.meter.usage(APP.corpId)).used).toBe(3);
  });
});
