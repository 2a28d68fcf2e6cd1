/**
 * Operation records: the WeCom and DingTalk answers mapped to reason codes and plain words that
 * name the fix, one record per recipient where the platform answers per recipient; the WeCom card
 * use case and dispatch append them; the recorder takes drops from the record() sink and settles
 * its writes; a failed write never fails a delivery.
 */
import { DispatchUseCase, InMemoryDigestBuffer, InMemoryDispatchLedger, type DispatchTarget } from '../../../shared/application/dispatch';
import {
  dingTalkReasonCode,
  dispatchRecords,
  InMemoryOperationLog,
  operationFromDetails,
  OperationRecorder,
  weComFailureRecords,
  weComReasonCode,
  weComSendRecords,
  type OperationContext,
} from '../../../shared/application/operation-records';
import type { Link, WeComCallFailure, WeComCardStore } from '../../../shared/application/ports';
import { WeComCardsUseCase } from '../../../shared/application/wecom-cards';
import { NotifyUseCase } from '../../../shared/application/notify';
import { DingTalkCardFlow } from '../../../shared/application/dingtalk-card-flow';
import { incidentEventSchema } from '../../../shared/domain/incident-events';
import { dropDetails } from '../../../shared/application/drops';
import type { Incident } from '../../../shared/domain/incident';
import type { WeComIntegration } from '../../../shared/domain/integration';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import type { OutgoingCall } from '../../../shared/domain/outgoing-call';
import type { WeComCardRecord } from '../../../shared/domain/wecom-card-record';

const ctx: OperationContext = { incidentId: 'inc-1', integrationId: 'acme-wecom', platform: 'wecom', channel: 'card', requestKind: 'message/send' };
const emails: Record<string, string> = { alice: 'alice@example.com', bob: 'bob@example.com' };
const emailOf = (userId: string) => emails[userId];

function weComFailure(errcode: number, kind: WeComCallFailure['kind'] = 'permanent', reason = `errcode ${errcode}`): WeComCallFailure {
  return Object.assign(new Error(reason), { kind, errcode, reason });
}

describe('WeCom answers', () => {
  it('one record per recipient: delivered, invalid user, not licensed', () => {
    const records = weComSendRecords(5, ctx, ['alice', 'bob', 'carol'], { invalidUsers: ['carol'], unlicensedUsers: ['BOB'] }, emailOf);
    expect(records.map((r) => [r.recipient, r.result, r.reasonCode])).toEqual([
      ['alice@example.com', 'sent', 'delivered'],
      ['bob@example.com', 'failed', 'not_licensed'],
      ['carol', 'failed', 'invalid_user'],
    ]);
    expect(records[0]).toMatchObject({ atMs: 5, incidentId: 'inc-1', integrationId: 'acme-wecom', platform: 'wecom', channel: 'card', requestKind: 'message/send' });
    expect(records[1].reason).toMatch(/^WeCom license not activated: bob@example.com .*unlicenseduser.*Activate an API access license/);
    expect(records[2].reason).toMatch(/WeCom userid carol .*invalid.*npx dutybridge links set --integration acme-wecom/);
  });

  it.each([
    [48002, 'permission_missing', /visible range/],
    [60011, 'permission_missing', /visible range/],
    [60020, 'untrusted_ip', /trusted IPs \(企业可信IP\)/],
    [60111, 'invalid_user', /links set/],
    [81013, 'invalid_user', /links set.*licenses show/],
    [701099, 'not_licensed', /WeCom license not activated: activate an API access license .*licenses show --integration/],
    [93000, 'robot_removed', /add the robot to the group again/i],
    [45002, 'message_too_long', /shorten/i],
    [40058, 'message_too_long', /shorten/i],
    [42017, 'template_error', /malformed/],
    [12345, 'platform_error', /error code documentation/],
  ] as const)('errcode %s → %s, failed for every recipient, with the fix', (errcode, code, fix) => {
    const records = weComFailureRecords(1, ctx, ['alice', 'bob'], weComFailure(errcode), emailOf);
    expect(records).toHaveLength(2);
    for (const r of records) expect(r).toMatchObject({ result: 'failed', reasonCode: code, platformCode: errcode });
    expect(records[0].reason).toMatch(fix);
    expect(records[0].reason).toMatch(/^alice@example.com \(WeCom userid alice\) did not get the card: WeCom refused message\/send/);
  });

  it('throttles and busy answers are retried, and say so', () => {
    expect(weComReasonCode(45009, 'throttled')).toBe('qps_throttled');
    expect(weComReasonCode(-1, 'retry')).toBe('transient_error');
    const [record] = weComFailureRecords(1, ctx, ['alice'], weComFailure(45009, 'throttled'), emailOf);
    expect(record).toMatchObject({ result: 'retrying', reasonCode: 'qps_throttled' });
    expect(record.reason).toMatch(/not sent yet.*retries later/);
  });
});

describe('DingTalk answers', () => {
  const card: OutgoingCall = {
    kind: 'dingtalk.createAndDeliver',
    integrationId: 'acme-dingtalk',
    idempotencyKey: 'create:x',
    severity: 'Critical',
    incidentId: 'inc-2',
    summary: 's',
    recipientEmails: { u1: 'alice@example.com' },
    payload: { outTrackId: 'x', cardTemplateId: 't', cardParamMap: {}, targets: [{ type: 'user', userId: 'u1' }, { type: 'user', userId: 'u2' }, { type: 'group', openConversationId: 'cid1' }] },
  };
  const codes = (records: OperationRecord[]) => records.map((r) => [r.recipient, r.result, r.reasonCode]);

  it('a sent card: one record per space, undelivered spaces failed with the reason', () => {
    const records = dispatchRecords(9, card, { kind: 'sent', attempts: 1, recipients: { failedSpaces: [{ key: 'user:u2', error: 'user not exist' }] } });
    expect(codes(records)).toEqual([
      ['alice@example.com', 'sent', 'delivered'],
      ['u2', 'failed', 'invalid_user'],
      ['cid1', 'sent', 'delivered'],
    ]);
    expect(records[0]).toMatchObject({ platform: 'dingtalk', channel: 'card', requestKind: 'card/instances/createAndDeliver', incidentId: 'inc-2', integrationId: 'acme-dingtalk', atMs: 9 });
  });

  it('deferred (≥ 95 %), parked (quota), rejected (permission) and retried (throttled) calls', () => {
    expect(codes(dispatchRecords(1, card, { kind: 'deferred', reason: '96/100 used', digestTargets: 3 }))[0]).toEqual(['alice@example.com', 'deferred', 'quota_deferred']);
    const parked = dispatchRecords(1, card, { kind: 'parked', reason: 'monthly DingTalk quota used up (100/100)' });
    expect(parked[0]).toMatchObject({ result: 'failed', reasonCode: 'quota_exhausted' });
    expect(parked[0].reason).toMatch(/monthly DingTalk API quota is used up: buy more calls or wait for next month/);
    const rejected = dispatchRecords(1, card, { kind: 'rejected', reason: 'Forbidden.AccessDenied.AccessTokenPermissionDenied: no permission', code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied' });
    expect(rejected[0]).toMatchObject({ result: 'failed', reasonCode: 'permission_missing', platformCode: 'Forbidden.AccessDenied.AccessTokenPermissionDenied' });
    expect(rejected[0].reason).toMatch(/developer console/);
    const retried = dispatchRecords(1, card, { kind: 'retrying', failure: { kind: 'throttled', code: 90018, message: 'QPS limit' } });
    expect(retried[0]).toMatchObject({ result: 'retrying', reasonCode: 'qps_throttled', platformCode: 90018 });
    expect(dispatchRecords(1, card, { kind: 'duplicate', previous: { outcome: 'sent', atMs: 0 } })).toEqual([]);
    const unregistered = dispatchRecords(1, card, { kind: 'rejected', reason: 'HTTP 400 param.callbackRouteKeyNotExist', code: 'param.callbackRouteKeyNotExist' });
    expect(unregistered[0]).toMatchObject({ reasonCode: 'template_error', reason: expect.stringContaining('npx dutybridge integrations register-callback acme-dingtalk') });
  });

  it('robot messages per user: flow-controlled users are retried, then parked', () => {
    const message: OutgoingCall = { kind: 'dingtalk.oneToOneMessage', integrationId: 'd', idempotencyKey: 'k', severity: 'Info', summary: 's', payload: { userIds: ['u1', 'u2', 'u3'], msgKey: 'sampleText', msgParam: '{}' } };
    expect(codes(dispatchRecords(1, message, { kind: 'sent', attempts: 1, recipients: { flowControlled: ['u2'], invalidUsers: ['u3'] } }))).toEqual([
      ['u1', 'sent', 'delivered'],
      ['u2', 'retrying', 'qps_throttled'],
      ['u3', 'failed', 'invalid_user'],
    ]);
    expect(dispatchRecords(1, message, { kind: 'sent', attempts: 1, recipients: { flowControlled: ['u2'], flowControlParked: true } })[1]).toMatchObject({ result: 'failed', reasonCode: 'qps_throttled' });
  });

  it('classifies DingTalk refusals', () => {
    expect(dingTalkReasonCode({ kind: 'quota', code: 90020, message: 'x' })).toBe('quota_exhausted');
    expect(dingTalkReasonCode({ kind: 'permanent', code: 'param.templateNotExist', message: 'template does not exist' })).toBe('template_error');
    expect(dingTalkReasonCode({ kind: 'permanent', code: 60011, message: 'no permission' })).toBe('permission_missing');
    expect(dingTalkReasonCode({ kind: 'permanent', code: 'x', message: 'the ip is not in the whitelist' })).toBe('untrusted_ip');
    expect(dingTalkReasonCode({ kind: 'permanent', code: 'x', message: 'something else' })).toBe('platform_error');
  });
});

describe('the use cases append', () => {
  const incident: Incident = {
    incidentId: 'inc-3',
    version: 1,
    revision: 1,
    title: 'DB down',
    severity: 'Critical',
    description: '',
    labels: {},
    responders: ['alice@example.com', 'bob@example.com', 'dave@example.com'],
    targets: [{ integrationId: 'acme-wecom', persons: [], groups: [] }],
    status: 'Triggered',
    triggeredAt: 0,
    updatedAt: 0,
  };
  const integration = { id: 'acme-wecom', platform: 'wecom', settings: { corpId: 'ww', agentId: '1' }, secretName: 's', createdAt: '' } as unknown as WeComIntegration;
  const linked: Record<string, string> = { 'alice@example.com': 'alice', 'bob@example.com': 'bob' };

  function weComCards(send: () => Promise<{ msgId: string; invalidUsers: string[]; unlicensedUsers?: string[] }>) {
    const log = new InMemoryOperationLog();
    const recorder = new OperationRecorder(log, () => undefined, () => 7, () => undefined);
    let card: WeComCardRecord | undefined;
    const useCase = new WeComCardsUseCase({
      incidents: {} as never,
      links: { byEmails: async (integrationId: string, list: readonly string[]) => new Map<string, Link>(list.filter((e) => linked[e]).map((e) => [e, { integrationId, email: e, userId: linked[e], linkedAt: 0 }])) } as never,
      cards: {
        getCard: async () => card,
        createCard: async (c: WeComCardRecord) => (card ??= c),
        updateBatch: async () => undefined,
        setInvalidUsers: async () => undefined,
        addCode: async () => undefined,
      } as unknown as WeComCardStore,
      messengers: { forIntegration: async () => ({ sendTemplateCard: send }) } as never,
      clicks: {} as never,
      clock: { nowMs: () => 7 },
      record: recorder.record,
      operationLog: recorder,
    });
    return { useCase, log, recorder };
  }

  it('WeCom deliver: one sent, one not licensed, one App Not Linked (from the drop), all by incident and by member', async () => {
    const { useCase, log, recorder } = weComCards(async () => ({ msgId: 'm', invalidUsers: [], unlicensedUsers: ['bob'] }));
    await useCase.deliver(integration, incident);
    await recorder.settle();
    const byIncident = await log.query({ incidentId: 'inc-3' });
    expect(byIncident.map((r) => [r.recipient, r.result, r.reasonCode]).sort()).toEqual([
      ['alice@example.com', 'sent', 'delivered'],
      ['bob@example.com', 'failed', 'not_licensed'],
      ['dave@example.com', 'dropped', 'app_not_linked'],
    ]);
    expect(await log.query({ member: 'DAVE@example.com' })).toEqual([expect.objectContaining({ atMs: 7, platform: 'wecom', reason: expect.stringMatching(/links set/) })]);
  });

  it('WeCom deliver: a throttled send is recorded as retrying and still throws for the queue', async () => {
    const { useCase, log } = weComCards(async () => {
      throw weComFailure(45009, 'throttled');
    });
    await expect(useCase.deliver(integration, incident)).rejects.toThrow();
    expect((await log.query({ member: 'alice@example.com' }))[0]).toMatchObject({ result: 'retrying', reasonCode: 'qps_throttled', platformCode: 45009 });
  });

  it('dispatch: a sent card and a quota-parked call, per recipient', async () => {
    const log = new InMemoryOperationLog();
    let quotaLeft = 1;
    const target: DispatchTarget = {
      appKey: 'app',
      orgKey: 'org',
      client: {
        createAndDeliverCard: async (input) => ({ outTrackId: input.outTrackId, deliverResults: input.targets.map((t) => ({ spaceType: t.type === 'group' ? 'IM_GROUP' : 'IM_ROBOT', spaceId: t.type === 'group' ? t.openConversationId : t.userId, success: true })) }),
        updateCard: async () => undefined,
        sendGroupMessage: async () => ({ processQueryKey: 'q' }),
        batchSendOto: async () => ({ processQueryKey: 'q', invalidUserIds: [], flowControlledUserIds: [] }),
        createSceneGroup: async () => ({ openConversationId: 'cid' }), addSceneGroupMembers: async () => undefined, removeSceneGroupMembers: async () => undefined,
      },
    };
    const dispatch = new DispatchUseCase({
      targetFor: async () => target,
      limiter: { acquire: async () => undefined } as never,
      quota: {
        tryConsume: async () => (quotaLeft-- > 0 ? { granted: true, used: 1, quota: 1, month: '2026-12', crossed: [] } : { granted: false, refusal: 'exhausted', used: 1, quota: 1, month: '2026-12', crossed: [] }),
        refund: async () => undefined,
        markExhausted: async () => ({ granted: false, used: 1, quota: 1, month: '2026-12', crossed: [] }),
      } as never,
      ledger: new InMemoryDispatchLedger(),
      parked: { park: async () => undefined },
      digests: new InMemoryDigestBuffer(),
      outgoing: { enqueue: async () => undefined },
      operationLog: log,
    });
    const call = (n: number): OutgoingCall => ({
      kind: 'dingtalk.createAndDeliver',
      integrationId: 'acme-dingtalk',
      idempotencyKey: `create:${n}`,
      severity: 'Critical',
      incidentId: `inc-${n}`,
      summary: 's',
      recipientEmails: { u1: 'alice@example.com' },
      payload: { outTrackId: `o${n}`, cardTemplateId: 't', cardParamMap: {}, targets: [{ type: 'user', userId: 'u1' }] },
    });
    expect((await dispatch.execute(call(1))).kind).toBe('sent');
    expect((await dispatch.execute(call(2))).kind).toBe('parked');
    expect((await dispatch.execute(call(1))).kind).toBe('duplicate');
    const records = await log.query({ member: 'alice@example.com' });
    expect(records.map((r) => [r.incidentId, r.result, r.reasonCode]).sort()).toEqual([
      ['inc-1', 'sent', 'delivered'],
      ['inc-2', 'failed', 'quota_exhausted'],
    ]);
  });
});

describe('the recorder', () => {
  it('takes drops from the record() sink, forwards every call, and settles its writes', async () => {
    const log = new InMemoryOperationLog();
    const seen: string[] = [];
    const recorder = new OperationRecorder(log, (outcome) => void seen.push(outcome), () => 42, () => undefined);
    recorder.record('card_sent', { integrationId: 'x', recipients: 2 });
    recorder.record('app_not_linked', { ...dropDetails('app_not_linked', 'Dave is not linked', { incidentId: 'inc-9', integrationId: 'x', platform: 'wecom', recipient: 'dave@example.com' }), email: 'dave@example.com' });
    await recorder.settle();
    expect(seen).toEqual(['card_sent', 'app_not_linked']);
    expect(log.records).toEqual([{ atMs: 42, result: 'dropped', reasonCode: 'app_not_linked', reason: 'Dave is not linked', incidentId: 'inc-9', integrationId: 'x', platform: 'wecom', recipient: 'dave@example.com' }]);
  });

  it('never fails the caller when a write fails: the error goes to onError', async () => {
    const errors: unknown[] = [];
    const recorder = new OperationRecorder({ append: async () => Promise.reject(new Error('throttled')), query: async () => [] }, () => undefined, () => 1, (e) => void errors.push(e));
    await expect(recorder.append([{ atMs: 1, result: 'sent', reasonCode: 'delivered', reason: 'r' }])).resolves.toBeUndefined();
    recorder.record('x', dropDetails('no_target', 'nobody', { incidentId: 'i' }));
    await recorder.settle();
    expect(errors).toHaveLength(2);
  });

  it('reads only well-formed operation details', () => {
    expect(operationFromDetails({ result: 'dropped', reasonCode: 'nonsense', reason: 'r' }, 1)).toBeUndefined();
    expect(operationFromDetails({ outcome: 'x' }, 1)).toBeUndefined();
    expect(operationFromDetails({ result: 'dropped', reasonCode: 'no_target', reason: 'r'.repeat(2000) }, 1)?.reason).toHaveLength(1000);
  });
});

describe('drops the use cases hand to record()', () => {
  it('an older event version is a drop that names the version held; a repeated one is not', async () => {
    const log = new InMemoryOperationLog();
    const recorder = new OperationRecorder(log, () => undefined, () => 5, () => undefined);
    let stored: Incident | undefined;
    const useCase = new NotifyUseCase({
      incidents: { get: async () => stored, save: async (next: Incident) => void (stored = next), clearPendingActions: async () => true } as never,
      integrations: { get: async () => ({ id: 'acme-wecom', platform: 'wecom' }) } as never,
      members: {} as never,
      weComCards: { deliver: async () => undefined } as never,
      dingTalkCards: {} as never,
      clicks: { flushPending: async () => false },
      refresh: { request: async () => undefined },
      clock: { nowMs: () => 1_000 },
      record: recorder.record,
    });
    const event = (version: number) =>
      incidentEventSchema.parse({ type: 'incident.updated', incidentId: 'inc-5', version, occurredAt: '2026-11-22T02:00:00Z', title: 'T', severity: 'Critical', targets: [{ integrationId: 'acme-wecom' }] });
    await useCase.process(event(3));
    await useCase.process(event(3));
    await useCase.process(event(2));
    await recorder.settle();
    expect(log.records).toEqual([
      expect.objectContaining({ incidentId: 'inc-5', result: 'dropped', reasonCode: 'event_version_stale', reason: expect.stringContaining('incident.updated version 2 was ignored: dutybridge holds version 3 of inc-5') }),
    ]);
  });

  it('a DingTalk integration without a card template is a template_error drop', async () => {
    const log = new InMemoryOperationLog();
    const recorder = new OperationRecorder(log, () => undefined, () => 5, () => undefined);
    const flow = new DingTalkCardFlow({ cards: { getCard: async () => undefined }, clock: { nowMs: () => 5 }, record: recorder.record } as never);
    await flow.deliver({ id: 'acme-ding', platform: 'dingtalk', settings: { clientId: 'c' } } as never, { incidentId: 'inc-6', status: 'Triggered' } as never);
    await recorder.settle();
    expect(log.records).toEqual([expect.objectContaining({ incidentId: 'inc-6', integrationId: 'acme-ding', platform: 'dingtalk', result: 'dropped', reasonCode: 'template_error', reason: expect.stringMatching(/--card-template-id/) })]);
  });
});

describe('clicks by people who are not linked', () => {
  it('DingTalk: the click is recorded as dropped app_not_linked, with the links set command for that userId', async () => {
    const log = new InMemoryOperationLog();
    const recorder = new OperationRecorder(log, () => undefined, () => 5, () => undefined);
    const flow = new DingTalkCardFlow({
      cards: { findOutTrack: async () => ({ incidentId: 'inc-8' }) },
      links: { byUserId: async () => undefined },
      clock: { nowMs: () => 5 },
      record: recorder.record,
    } as never);
    const answer = await flow.onClick({ integrationId: 'acme-ding', outTrackId: 'o', userId: 'u9', params: { action: 'acknowledge' }, actionIds: [], clickKey: 'k' } as never);
    expect(answer).toMatchObject({ kind: 'update' });
    await recorder.settle();
    expect(log.records).toEqual([
      expect.objectContaining({
        incidentId: 'inc-8',
        integrationId: 'acme-ding',
        platform: 'dingtalk',
        channel: 'click',
        recipient: 'u9',
        result: 'dropped',
        reasonCode: 'app_not_linked',
        reason: expect.stringContaining('npx dutybridge links set --integration acme-ding --email <their email> --user-id u9'),
      }),
    ]);
  });
});
