/**
 * "Open War Room" on the WeCom card (issue 14) end to end on the local stack and the simulator: a
 * WeCom integration with War Room on sends its card with the button; a linked responder clicks it
 * in the simulator → process-inbound queues a war-room job → the worker opens one appchat with the
 * responders. The click publishes no incident.action; a second click makes no second room. The same
 * on DingTalk: the click on the card (callback answered synchronously) opens one scene group.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { WarRoomAdmin } from '../../shared/application/war-room-admin';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import type { AppChatSnapshot } from '../../sim/wecom/appchat';
import { createSimulator, type Simulator } from '../../sim/server';
import { addDingTalkIntegration, simDingTalkApp } from '../support/dingtalk-app';
import { linkPeople } from '../support/links';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const WECOM = 'wrb-wecom';
const corp = { corpId: 'wwwarroombtn01', agentId: 1000008, secret: 'wrb-secret', token: 'WarRoomBtnTok', encodingAesKey: 'mWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const people = [
  { email: 'ana@example.com', name: 'Ana', userId: 'ana', mobile: '+86-13800000021' },
  { email: 'bo@example.com', name: 'Bo', userId: 'bo', mobile: '+86-13800000022' },
  { email: 'cy@example.com', name: 'Cy', userId: 'cy', mobile: '+86-13800000023' },
];
const INCIDENT = 'INC-WRB-1';
const DINGTALK = 'wrb-ding';
const app = { corpId: 'dingwrbcorp', clientId: 'dingwrbclient', clientSecret: 'wrb-ding-secret', token: 'WrbTok2', aesKey: 'q1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingwrbclient' };
const TEMPLATE = { id: 'wrb-scene-template', robotCode: 'wrb-template-robot' };
let t: TestStack;
let sim: Simulator;

async function publish(body: object): Promise<void> {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(body) }));
}
const appchats = async (): Promise<AppChatSnapshot[]> => ((await (await fetch(`${sim.url}/_sim/wecom/appchats?corpId=${corp.corpId}`)).json()) as { appchats: AppChatSnapshot[] }).appchats;
function cardOf(userId: string): RenderedCard | undefined {
  const items = (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.conversation === `user:${userId}` && i.card);
  return items.at(-1)?.card;
}
const click = async (userId: string, cardId: string, buttonKey: string) =>
  (await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId, cardId, buttonKey }) })).status;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${WECOM}/callback`, users: people })).toBe(200);
  await addWeComIntegration(t, sim, { id: WECOM, corp });
  await new WarRoomAdmin(new DynamoIntegrationRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME)).set(WECOM, { enabled: true });
  await linkPeople(t, WECOM, people.map((p) => ({ email: p.email, userId: p.userId })));

  await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${DINGTALK}/events`, users: people.map((p) => ({ ...p, userId: `d-${p.userId}`, unionId: `u-${p.userId}` })) });
  await addDingTalkIntegration(t, sim, { id: DINGTALK, app, cardApiSecret: 'wrb-card-api-secret' });
  const put = await fetch(`${sim.url}/_sim/dingtalk/scene-group-templates/${TEMPLATE.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: app.corpId, robotCode: TEMPLATE.robotCode }) });
  expect(put.status).toBe(200);
  await new WarRoomAdmin(new DynamoIntegrationRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME)).set(DINGTALK, { enabled: true, templateId: TEMPLATE.id, robotCode: TEMPLATE.robotCode, allowMultiple: true });
  await linkPeople(t, DINGTALK, people.map((p) => ({ email: p.email, userId: `d-${p.userId}` })));
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

it('a linked responder clicks Open War Room: one appchat with the responders, no incident.action, a second click makes no second room', async () => {
  await publish({
    type: 'incident.triggered',
    incidentId: INCIDENT,
    version: 1,
    occurredAt: new Date().toISOString(),
    title: 'Checkout 5xx above 5%',
    severity: 'Critical',
    responders: people.map((p) => p.email),
    targets: [{ integrationId: WECOM }],
  });
  const cardId = await eventually(async () => {
    const card = cardOf('bo');
    expect(card?.buttons.map((b) => b.key)).toContain('war_room');
    expect(card?.buttons.find((b) => b.key === 'war_room')?.text).toBe('Open War Room');
    return card!.cardId;
  }, 20_000);
  await t.take(t.queueUrl('incident-actions.fifo'), 200);

  expect(await click('bo', cardId, 'war_room')).toBe(200);
  await eventually(async () => {
    const chats = await appchats();
    expect(chats).toHaveLength(1);
    expect([...chats[0]!.members].sort()).toEqual(['ana', 'bo', 'cy']);
  }, 30_000);
  const log = new DynamoOperationLog(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(async () => {
    const requested = (await log.query({ incidentId: INCIDENT })).filter((r) => r.reasonCode === 'war_room_requested');
    expect(requested).toEqual([expect.objectContaining({ result: 'done', integrationId: WECOM, recipient: 'bo@example.com' })]);
  }, 10_000);

  // Clicked again: another request, the same room.
  expect(await click('ana', cardId, 'war_room')).toBe(200);
  await eventually(async () => expect((await log.query({ incidentId: INCIDENT })).filter((r) => r.reasonCode === 'war_room_requested')).toHaveLength(2), 15_000);
  await new Promise((r) => setTimeout(r, 3000));
  expect(await appchats()).toHaveLength(1);
  expect(sim.calls().filter((c) => c.endpoint === 'appchat/create')).toHaveLength(1);

  // Not an incident transition: only the room's own incident.war_room message, no incident.action.
  const messages = (await t.take(t.queueUrl('incident-actions.fifo'), 1000)).map((m) => JSON.parse(m.Body!) as { type: string });
  expect(messages.filter((m) => m.type === 'incident.action')).toEqual([]);
});

it('DingTalk: a linked responder clicks Open War Room on their card: one scene group with the responders, no incident.action', async () => {
  const id = 'INC-WRB-2';
  await publish({
    type: 'incident.triggered',
    incidentId: id,
    version: 1,
    occurredAt: new Date().toISOString(),
    title: 'Inventory sync stalled',
    severity: 'Warning',
    responders: people.map((p) => p.email),
    targets: [{ integrationId: DINGTALK }],
  });
  const dingCard = () => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk' && i.conversation === 'user:d-bo' && i.card && JSON.stringify(i.card).includes('Inventory sync')).pop()?.card;
  const cardId = await eventually(async () => {
    expect(dingCard()?.buttons.map((b) => b.key)).toContain('war_room');
    return dingCard()!.cardId;
  }, 20_000);
  await t.take(t.queueUrl('incident-actions.fifo'), 200);

  const clicked = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'dingtalk', orgId: app.corpId, userId: 'd-bo', cardId, buttonKey: 'war_room', conversation: 'user:d-bo' }) });
  expect(clicked.status).toBe(200);
  expect(((await clicked.json()) as { status: number }).status).toBe(200);
  const sceneGroups = async () => (await (await fetch(`${sim.url}/_sim/dingtalk/scene-groups?orgId=${app.corpId}`)).json()) as { memberUserIds: string[] }[];
  await eventually(async () => {
    const groups = await sceneGroups();
    expect(groups).toHaveLength(1);
    expect([...groups[0]!.memberUserIds].sort()).toEqual(['d-ana', 'd-bo', 'd-cy']);
  }, 40_000);
  const log = new DynamoOperationLog(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(
    async () => expect((await log.query({ incidentId: id })).filter((r) => r.reasonCode === 'war_room_requested')).toEqual([expect.objectContaining({ integrationId: DINGTALK, platform: 'dingtalk', recipient: 'bo@example.com' })]),
    10_000,
  );
  const messages = (await t.take(t.queueUrl('incident-actions.fifo'), 1000)).map((m) => JSON.parse(m.Body!) as { type: string });
  expect(messages.filter((m) => m.type === 'incident.action')).toEqual([]);
  // The WeCom incident's room is untouched: the request opened rooms for this incident's integration only.
  expect(await appchats()).toHaveLength(1);
});
