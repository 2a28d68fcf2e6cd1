/**
 * Scene-group calls through dispatch (War Room) against the simulator, with the in-memory ledger,
 * quota meter and QPS limiter: metered like every non-contacts API (dingtalk.md §5.1), idempotent
 * by uuid, the created group's openConversationId kept in the ledger so a duplicate returns it;
 * and DispatchWarRoomCalls on top of it.
 */
import { InMemoryQpsSlotStore, SlottedQpsLimiter } from '../../../shared/adapters/aws/qps-limiter';
import { InMemoryQuotaMeter } from '../../../shared/adapters/aws/quota-meter';
import { DispatchRetryLaterError, DispatchUseCase, InMemoryDigestBuffer, InMemoryDispatchLedger, type DispatchDeps } from '../../../shared/application/dispatch';
import { DispatchWarRoomCalls, WarRoomCallRefusedError } from '../../../shared/application/dingtalk-war-room-calls';
import { InMemoryOperationLog } from '../../../shared/application/operation-records';
import { integrationSchema, type DingTalkIntegration } from '../../../shared/domain/integration';
import { parseOutgoingCall, type OutgoingCall } from '../../../shared/domain/outgoing-call';
import { APP, startSimApp, type SimApp } from '../adapters/dingtalk/sim-app';

const TEMPLATE = 'tpl-war-room';
const TEMPLATE_ROBOT = 'warRoomRobot';

let app: SimApp;
beforeAll(async () => {
  app = await startSimApp({ timeoutMs: 500 });
  app.sim.dingtalk.registerSceneGroupTemplate(TEMPLATE, { corpId: APP.corpId, robotCode: TEMPLATE_ROBOT });
});
afterAll(() => app.stop());
afterEach(async () => {
  await fetch(`${app.sim.url}/_sim/faults`, { method: 'DELETE' });
});

function rig(options: { quota?: number } = {}) {
  const clock = { nowMs: () => Date.now() };
  const meter = new InMemoryQuotaMeter({ quotaOf: () => options.quota ?? 5000, clock });
  const ledger = new InMemoryDispatchLedger(clock);
  const parked: { key: string; reason: string; cause: string }[] = [];
  const log = new InMemoryOperationLog();
  const deps: DispatchDeps = {
    operationLog: log,
    targetFor: async () => ({ client: app.client, appKey: APP.clientId, orgKey: APP.corpId }),
    limiter: new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: 20 }),
    quota: meter,
    ledger,
    digests: new InMemoryDigestBuffer(),
    outgoing: { enqueue: async () => undefined },
    parked: { park: async (c, reason, cause) => void parked.push({ key: c.idempotencyKey, reason, cause }) },
    clock,
    sleep: async () => undefined,
  };
  return { dispatch: new DispatchUseCase(deps), meter, ledger, parked, log };
}

let seq = 0;
function createCall(payload: Partial<Extract<OutgoingCall, { kind: 'dingtalk.sceneGroupCreate' }>['payload']> = {}): OutgoingCall {
  seq += 1;
  return parseOutgoingCall({
    kind: 'dingtalk.sceneGroupCreate',
    integrationId: 'ding-main',
    idempotencyKey: `warroom:create:ding-main:inc-${seq}`,
    severity: 'Critical',
    summary: 'War Room',
    payload: { title: `INC-${seq}`, templateId: TEMPLATE, ownerUserId: 'alice', userIds: ['bob'], uuid: `uuid-${seq}-${Date.now()}`, ...payload },
  });
}

const groupsOf = () => app.sim.dingtalk.sceneGroups(APP.corpId);
const createsSent = () => app.sim.calls().filter((c) => c.endpoint === 'im/sceneGroups').length;

describe('dispatch: dingtalk.sceneGroupCreate', () => {
  it('creates once, meters one call, and a duplicate returns the stored openConversationId without calling', async () => {
    const r = rig();
    const call = createCall();
    const before = createsSent();
    const first = await r.dispatch.execute(call);
    expect(first).toMatchObject({ kind: 'sent', result: { openConversationId: expect.stringMatching(/^cid/) } });
    const cid = first.kind === 'sent' ? first.result?.openConversationId : undefined;
    expect(r.ledger.recordOf(call.idempotencyKey)).toMatchObject({ outcome: 'sent', result: { openConversationId: cid } });
    const again = await r.dispatch.execute(call);
    expect(again).toMatchObject({ kind: 'duplicate', previous: { outcome: 'sent', result: { openConversationId: cid } } });
    expect(createsSent()).toBe(before + 1);
    expect((await r.meter.usage(APP.corpId)).used).toBe(1);
    expect(app.sim.dingtalk.group(cid!)).toMatchObject({ templateId: TEMPLATE, memberUserIds: ['alice', 'bob'] });
  });

  it('a lost answer is retried with the same uuid: DingTalk returns the first group, no second one', async () => {
    const r = rig();
    const call = createCall();
    const before = groupsOf().length;
    await app.fault({ endpoint: 'im/sceneGroups', kind: 'lost-answer', nextN: 1 });
    const lost = await r.dispatch.execute(call).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(DispatchRetryLaterError);
    expect(groupsOf().length).toBe(before + 1);
    const retried = await r.dispatch.execute(call);
    expect(retried).toMatchObject({ kind: 'sent', detail: expect.stringMatching(/harmless, DingTalk de-duplicates this call/) });
    expect(retried.kind === 'sent' && retried.possibleDuplicates).toBeFalsy();
    expect(groupsOf().length).toBe(before + 1);
    expect(retried.kind === 'sent' ? retried.result?.openConversationId : undefined).toBe(groupsOf().at(-1)?.openConversationId);
  });

  it('an unpublished template is rejected with plain words, parked, and the call refunded', async () => {
    app.sim.dingtalk.registerSceneGroupTemplate('tpl-draft', { corpId: APP.corpId, robotCode: 'draftRobot', published: false });
    const r = rig();
    const outcome = await r.dispatch.execute(createCall({ templateId: 'tpl-draft' }));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'groupTemplate.notFound', reason: expect.stringMatching(/template is not reviewed and published/) });
    expect(r.parked.at(-1)?.cause).toBe('permanent');
    expect((await r.meter.usage(APP.corpId)).used).toBe(0);
    expect(r.log.records.at(-1)).toMatchObject({ channel: 'war_room', requestKind: 'im/sceneGroups', result: 'failed', platformCode: 'groupTemplate.notFound' });
    expect(r.log.records.at(-1)?.reason).toMatch(/did not get the War Room change: DingTalk refused it \(.*template is not reviewed and published.*\)\. The fix is in the reason/);
  });

  it('adds and removes members, each one metered call', async () => {
    const r = rig();
    const created = await r.dispatch.execute(createCall({ userIds: [] }));
    const cid = created.kind === 'sent' ? created.result!.openConversationId! : '';
    const members = (kind: 'dingtalk.sceneGroupAddMembers' | 'dingtalk.sceneGroupRemoveMembers', key: string) =>
      parseOutgoingCall({ kind, integrationId: 'ding-main', idempotencyKey: key, severity: 'Critical', summary: 'members', payload: { openConversationId: cid, userIds: ['bob'] } });
    expect((await r.dispatch.execute(members('dingtalk.sceneGroupAddMembers', `add-${cid}`))).kind).toBe('sent');
    expect(app.sim.dingtalk.group(cid)?.memberUserIds).toEqual(['alice', 'bob']);
    expect((await r.dispatch.execute(members('dingtalk.sceneGroupRemoveMembers', `remove-${cid}`))).kind).toBe('sent');
    expect(app.sim.dingtalk.group(cid)?.memberUserIds).toEqual(['alice']);
    expect((await r.meter.usage(APP.corpId)).used).toBe(3);
    const ghost = parseOutgoingCall({ kind: 'dingtalk.sceneGroupAddMembers', integrationId: 'ding-main', idempotencyKey: `ghost-${cid}`, severity: 'Critical', summary: 'x', payload: { openConversationId: cid, userIds: ['ghost'] } });
    expect(await r.dispatch.execute(ghost)).toMatchObject({ kind: 'rejected', code: 'member.notFound' });
  });
});

describe('DispatchWarRoomCalls', () => {
  const integration = integrationSchema.parse({
    id: 'ding-main',
    platform: 'dingtalk',
    settings: { clientId: APP.clientId, apiBase: 'http://127.0.0.1:1', oapiBase: 'http://127.0.0.1:1', warRoom: { enabled: true, templateId: TEMPLATE, robotCode: TEMPLATE_ROBOT } },
    secretName: 'dutybridge/ding-main',
    createdAt: '2026-01-01T00:00:00Z',
  }) as DingTalkIntegration;

  it('creates (keyed by integration and incident), adds members and posts markdown with the template robot', async () => {
    const r = rig();
    const calls = new DispatchWarRoomCalls(r.dispatch);
    const incident = `inc-wr-${Date.now()}`;
    const input = { title: `${incident} ${'很长的标题'.repeat(8)}`, templateId: TEMPLATE, ownerUserId: 'alice', userIds: [], uuid: `wr-${incident}` };
    const { openConversationId } = await calls.createSceneGroup(integration, incident, input);
    expect(r.ledger.recordOf(`warroom:create:ding-main:${incident}`)?.result).toEqual({ openConversationId });
    expect([...(app.sim.dingtalk.group(openConversationId)?.title ?? '')]).toHaveLength(30);
    // Asked again (a redelivered war-room job): the same group, nothing sent.
    const before = createsSent();
    expect(await calls.createSceneGroup(integration, incident, input)).toEqual({ openConversationId });
    expect(createsSent()).toBe(before);

    await calls.addSceneGroupMembers(integration, incident, { openConversationId, userIds: ['bob'], idempotencyKey: `warroom:add:${incident}:bob` });
    expect(app.sim.dingtalk.group(openConversationId)?.memberUserIds).toEqual(['alice', 'bob']);
    await calls.postMarkdown(integration, incident, { openConversationId, title: 'War Room opened', text: '**DB down** — join here', idempotencyKey: `warroom:post:${incident}:1` });
    const posted = app.sim.conversations().filter((item) => item.conversation === `group:${openConversationId}` && item.kind === 'markdown');
    expect(posted.map((item) => item.text)).toEqual([expect.stringContaining('**DB down**')]);
    const send = app.sim.calls().filter((c) => c.endpoint === 'robot/groupMessages/send').at(-1);
    expect(send?.requestBody).toMatchObject({ robotCode: TEMPLATE_ROBOT, msgKey: 'sampleMarkdown' });
    await calls.removeSceneGroupMembers(integration, incident, { openConversationId, userIds: ['bob'], idempotencyKey: `warroom:remove:${incident}:bob` });
    expect(app.sim.dingtalk.group(openConversationId)?.memberUserIds).toEqual(['alice']);
  });

  it('a refusal becomes WarRoomCallRefusedError with the reason; a wait propagates DispatchRetryLaterError', async () => {
    const r = rig();
    const calls = new DispatchWarRoomCalls(r.dispatch);
    const refused = await calls.createSceneGroup(integration, 'inc-bad', { title: 'x', templateId: 'no-such-template', ownerUserId: 'alice', userIds: [], uuid: 'wr-bad' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WarRoomCallRefusedError);
    expect(refused).toMatchObject({ outcome: 'rejected', code: 'groupTemplate.notFound', reason: expect.stringMatching(/template id is wrong/) });
    // The same key again: the earlier refusal, not a success.
    expect(await calls.createSceneGroup(integration, 'inc-bad', { title: 'x', templateId: TEMPLATE, ownerUserId: 'alice', userIds: [], uuid: 'wr-bad' }).catch((e: unknown) => e)).toMatchObject({ outcome: 'duplicate' });

    await app.fault({ endpoint: 'im/sceneGroups', kind: 'throttle', nextN: 5 });
    const waiting = await calls.createSceneGroup(integration, 'inc-throttled', { title: 'x', templateId: TEMPLATE, ownerUserId: 'alice', userIds: [], uuid: 'wr-throttled' }).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(DispatchRetryLaterError);
    expect((waiting as DispatchRetryLaterError).waiting).toBe(true);
  });

  it('above 95 % of the quota a non-Critical War Room call is not made: refused as deferred', async () => {
    const r = rig({ quota: 100 });
    await r.meter.tryConsume(APP.corpId, 96);
    const calls = new DispatchWarRoomCalls(r.dispatch, { severity: 'Warning' });
    const deferred = await calls.createSceneGroup(integration, 'inc-late', { title: 'x', templateId: TEMPLATE, ownerUserId: 'alice', userIds: [], uuid: 'wr-late' }).catch((e: unknown) => e);
    expect(deferred).toMatchObject({ name: 'WarRoomCallRefusedError', outcome: 'deferred', reason: expect.stringMatching(/names no conversation for a digest/) });
    // Critical (the default) still goes out.
    const critical = new DispatchWarRoomCalls(r.dispatch);
    expect((await critical.createSceneGroup(integration, 'inc-late-2', { title: 'x', templateId: TEMPLATE, ownerUserId: 'alice', userIds: [], uuid: 'wr-late-2' })).openConversationId).toMatch(/^cid/);
  });
});
