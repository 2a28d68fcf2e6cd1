/**
 * DispatchWarRoomCalls on the local stack: the DynamoDB ledger, quota meter and QPS limiter, the
 * DingTalk client against the simulator. The created group's openConversationId survives in the
 * DynamoDB ledger record, so a second War Room worker (a redelivered job, a new ledger instance)
 * gets the same group without a second create; members and posts land in the simulated group.
 */
import { getDocumentClient } from '../../../shared/adapters/aws/clients';
import { DynamoDigestBuffer, DynamoDispatchLedger } from '../../../shared/adapters/aws/dispatch-ledger';
import { DynamoQpsLimiter } from '../../../shared/adapters/aws/qps-limiter';
import { DynamoQuotaMeter } from '../../../shared/adapters/aws/quota-meter';
import { DispatchUseCase } from '../../../shared/application/dispatch';
import { DispatchWarRoomCalls, WarRoomCallRefusedError } from '../../../shared/application/dingtalk-war-room-calls';
import { integrationSchema, type DingTalkIntegration } from '../../../shared/domain/integration';
import { APP, startSimApp, type SimApp } from '../adapters/dingtalk/sim-app';
import { startTestStack, type TestStack } from '../../support/stack';

const TEMPLATE = 'tpl-war-room-int';
const TEMPLATE_ROBOT = 'warRoomRobotInt';

let t: TestStack;
let app: SimApp;
let table: string;
beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
  app = await startSimApp();
  const put = await fetch(`${app.sim.url}/_sim/dingtalk/scene-group-templates/${TEMPLATE}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: APP.corpId, robotCode: TEMPLATE_ROBOT }) });
  expect(put.status).toBe(200);
}, 30_000);
afterAll(async () => {
  await app?.stop();
  await t?.stop();
});

const integration = integrationSchema.parse({
  id: 'ding-int',
  platform: 'dingtalk',
  settings: { clientId: APP.clientId, apiBase: 'http://127.0.0.1:1', oapiBase: 'http://127.0.0.1:1', warRoom: { enabled: true, templateId: TEMPLATE, robotCode: TEMPLATE_ROBOT } },
  secretName: 'dutybridge/ding-int',
  createdAt: '2026-01-01T00:00:00Z',
}) as DingTalkIntegration;

/** A fresh dispatch on the shared tables, as a new Lambda instance would build it. */
function warRoomCalls(): { calls: DispatchWarRoomCalls; meter: DynamoQuotaMeter } {
  const client = getDocumentClient();
  const meter = new DynamoQuotaMeter(client, table, { quotaOf: () => 5000 });
  const dispatch = new DispatchUseCase({
    targetFor: async () => ({ client: app.client, appKey: APP.clientId, orgKey: APP.corpId }),
    limiter: new DynamoQpsLimiter(client, table, { limit: 20 }),
    quota: meter,
    ledger: new DynamoDispatchLedger(client, table),
    digests: new DynamoDigestBuffer(client, table),
    outgoing: { enqueue: async () => undefined },
    parked: { park: async () => undefined },
  });
  return { calls: new DispatchWarRoomCalls(dispatch), meter };
}

const sceneGroupsInSim = async (): Promise<{ openConversationId: string; memberUserIds: string[] }[]> =>
  (await (await fetch(`${app.sim.url}/_sim/dingtalk/scene-groups?orgId=${APP.corpId}`)).json()) as { openConversationId: string; memberUserIds: string[] }[];

it('creates the War Room once: a second worker gets the stored openConversationId from DynamoDB', async () => {
  const first = warRoomCalls();
  const input = { title: 'INC-7 payment API down', templateId: TEMPLATE, ownerUserId: 'alice', userIds: [], uuid: 'warroom-ding-int-inc-7' };
  const { openConversationId } = await first.calls.createSceneGroup(integration, 'inc-7', input);
  expect(openConversationId).toMatch(/^cid/);
  const item = await new DynamoDispatchLedger(getDocumentClient(), table).begin('warroom:create:ding-int:inc-7', 60_000);
  expect(item).toMatchObject({ kind: 'finished', record: { outcome: 'sent', result: { openConversationId } } });

  const second = warRoomCalls();
  expect(await second.calls.createSceneGroup(integration, 'inc-7', input)).toEqual({ openConversationId });
  expect(app.sim.calls().filter((c) => c.endpoint === 'im/sceneGroups')).toHaveLength(1);
  expect(await sceneGroupsInSim()).toEqual([expect.objectContaining({ openConversationId, memberUserIds: ['alice'] })]);
  expect((await first.meter.usage(APP.corpId)).used).toBe(1);

  await second.calls.addSceneGroupMembers(integration, 'inc-7', { openConversationId, userIds: ['bob'], idempotencyKey: 'warroom:add:ding-int:inc-7:1' });
  await first.calls.addSceneGroupMembers(integration, 'inc-7', { openConversationId, userIds: ['bob'], idempotencyKey: 'warroom:add:ding-int:inc-7:1' });
  expect(app.sim.calls().filter((c) => c.endpoint === 'im/sceneGroup/member/add')).toHaveLength(1);
  expect((await sceneGroupsInSim())[0]?.memberUserIds).toEqual(['alice', 'bob']);

  await first.calls.postMarkdown(integration, 'inc-7', { openConversationId, title: 'War Room', text: '### INC-7\npayment API down', idempotencyKey: 'warroom:post:ding-int:inc-7:opened' });
  const posts = app.sim.conversations().filter((c) => c.conversation === `group:${openConversationId}` && c.kind === 'markdown');
  expect(posts).toHaveLength(1);
  expect(posts[0]?.text).toContain('payment API down');

  await first.calls.removeSceneGroupMembers(integration, 'inc-7', { openConversationId, userIds: ['bob'], idempotencyKey: 'warroom:remove:ding-int:inc-7:1' });
  expect((await sceneGroupsInSim())[0]?.memberUserIds).toEqual(['alice']);
  expect((await first.meter.usage(APP.corpId)).used).toBe(4);
}, 30_000);

it('a refused create is recorded once and reported again, with its reason, to the next worker', async () => {
  const input = { title: 'INC-8', templateId: 'tpl-unknown', ownerUserId: 'alice', userIds: [], uuid: 'warroom-ding-int-inc-8' };
  const refused = await warRoomCalls().calls.createSceneGroup(integration, 'inc-8', input).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(WarRoomCallRefusedError);
  expect((refused as WarRoomCallRefusedError).reason).toMatch(/groupTemplate\.notFound.*template id is wrong/);
  const again = await warRoomCalls().calls.createSceneGroup(integration, 'inc-8', input).catch((e: unknown) => e);
  expect(again).toMatchObject({ name: 'WarRoomCallRefusedError', outcome: 'duplicate', reason: expect.stringMatching(/ended rejected: .*groupTemplate\.notFound/) });
  expect(app.sim.calls().filter((c) => c.endpoint === 'im/sceneGroups' && c.resultCode === 'groupTemplate.notFound')).toHaveLength(1);
}, 30_000);
