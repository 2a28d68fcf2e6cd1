/**
 * Group @mentions on the local stack and the simulator: an incident for a group with a linked
 * responder, an unlinked responder whose mobile is in the member directory, and two who cannot
 * be @-ed (no mobile; a mobile DingTalk does not know). The group card @mentions the first two
 * (the simulator shows it), the getbymobile answers are cached (a second incident makes no
 * lookup), the others are recorded with their reason, and no group "mention" message is sent.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoDingTalkCardStore } from '../../shared/adapters/aws/dingtalk-card-store';
import { DynamoGroupChatRegistry } from '../../shared/adapters/aws/group-registry';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { addDingTalkIntegration, linkPeople, simDingTalkApp } from '../support/dingtalk-app';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(90_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const ID = 'acme-mentions';
const app = { corpId: 'dingmentioncorp', clientId: 'dingmentionclient', clientSecret: 'mention-secret', token: 'MentionTok1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingmentionclient' };
const people = [
  { userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'u-lina' },
  { userId: 'wangfang', name: '王芳', mobile: '+86-13800000003', email: 'wangfang@example.com', unionId: 'u-wangfang' },
  { userId: 'zhaolei', name: '赵磊', mobile: '+86-13800000006', email: 'zhaolei@example.com', unionId: 'u-zhaolei' },
];
const GROUP = 'cidMentions==';
const responders = ['lina@example.com', 'wangfang@example.com', 'zhaolei@example.com', 'ghost@example.com'];
let t: TestStack;
let sim: Simulator;

async function publish(body: object): Promise<void> {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(body) }));
}

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${ID}/events`, users: people, groups: [{ openConversationId: GROUP, title: 'On-call', memberUserIds: ['lina', 'wangfang', 'zhaolei'] }] });
  await addDingTalkIntegration(t, sim, { id: ID, app, cardApiSecret: 'mention-card-api-secret' });
  // Only lina is linked.
  await linkPeople(t, ID, [{ email: 'lina@example.com', userId: 'lina' }]);
  // The member directory: wangfang's mobile is DingTalk's; zhaolei has none; ghost's is unknown to DingTalk.
  await publish({ type: 'member.upserted', email: 'lina@example.com', name: '李娜', mobile: '+86-13800000002' });
  await publish({ type: 'member.upserted', email: 'wangfang@example.com', name: '王芳', mobile: '+86-13800000003' });
  await publish({ type: 'member.upserted', email: 'zhaolei@example.com', name: '赵磊' });
  await publish({ type: 'member.upserted', email: 'ghost@example.com', name: 'Ghost', mobile: '+86-13900000099' });
  const members = new DynamoMemberDirectory(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(async () => {
    for (const email of responders) expect(await members.get(email)).toBeDefined();
  }, 15_000);
  const installed = await fetch(`${sim.url}/_sim/dingtalk/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: app.clientId, eventType: 'im_cool_app_install', openConversationId: GROUP, coolAppCode: 'COOLAPP-MENTIONS', operator: 'lina' }),
  });
  expect(installed.status).toBe(200);
  const registry = new DynamoGroupChatRegistry(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(async () => expect(await registry.get(ID, GROUP)).toMatchObject({ state: 'active' }), 10_000);
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

const groupCards = () => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk' && i.conversation === `group:${GROUP}` && i.card);
const lookups = () => sim.calls().filter((c) => c.platform === 'dingtalk' && c.endpoint === 'topapi/v2/user/getbymobile');

function triggered(incidentId: string, title: string): object {
  return { type: 'incident.triggered', incidentId, version: 1, occurredAt: new Date().toISOString(), title, severity: 'Critical', description: 'p99 above 3 s', responders, targets: [{ integrationId: ID, groups: [GROUP] }] };
}

it('the group card @mentions the linked and the looked-up responder; lookups are cached; the rest are recorded with the reason', async () => {
  await publish(triggered('mention-1', 'Checkout errors'));
  const first = await eventually(async () => {
    const card = groupCards().find((i) => i.card?.title.includes('Checkout errors'));
    expect(card).toBeDefined();
    return card!;
  }, 20_000);
  expect([...(first.mentions ?? [])].sort()).toEqual(['lina', 'wangfang']);
  // The card itself carried them, by userId with the directory names.
  const create = sim.calls().find((c) => c.endpoint === 'card/instances/createAndDeliver' && c.status === 200 && JSON.stringify(c.requestBody).includes('Checkout errors'));
  expect((create?.requestBody as { imGroupOpenDeliverModel: unknown }).imGroupOpenDeliverModel).toEqual({ robotCode: app.robotCode, atUserIds: { lina: '李娜', wangfang: '王芳' } });
  // One lookup per unlinked responder with a mobile: wangfang (found) and ghost (60121).
  expect(lookups().map((c) => [(c.requestBody as { mobile: string }).mobile, c.resultCode])).toEqual([
    ['13800000003', 0],
    ['13900000099', 60121],
  ]);
  const cards = new DynamoDingTalkCardStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  expect((await cards.getCard(ID, 'mention-1'))?.unmentioned).toEqual([
    { email: 'zhaolei@example.com', reason: 'no_mobile' },
    { email: 'ghost@example.com', reason: 'not_found' },
  ]);

  await publish(triggered('mention-2', 'Search latency'));
  const second = await eventually(async () => {
    const card = groupCards().find((i) => i.card?.title.includes('Search latency'));
    expect(card).toBeDefined();
    return card!;
  }, 20_000);
  expect([...(second.mentions ?? [])].sort()).toEqual(['lina', 'wangfang']);
  // Both answers (the hit and the miss) came from the cache.
  expect(lookups()).toHaveLength(2);
  expect((await cards.getCard(ID, 'mention-2'))?.unmentioned).toEqual([
    { email: 'zhaolei@example.com', reason: 'no_mobile' },
    { email: 'ghost@example.com', reason: 'not_found' },
  ]);
  // @mentions travel on the card only: no robot group message was sent.
  expect(sim.calls().filter((c) => c.endpoint === 'robot/groupMessages/send')).toEqual([]);
  expect((sim.conversations() as ConversationItem[]).filter((i) => i.conversation === `group:${GROUP}` && !i.card)).toEqual([]);
});
