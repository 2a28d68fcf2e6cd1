/**
 * The DingTalk slice end to end on the local stack and the simulator: a cool app installed in a
 * group (encrypted event) registers the group; an incident for a person and that group becomes
 * cards (createAndDeliver through dispatch) with the responders @mentioned on the group card; a click
 * is answered synchronously with Processing, publishes one action, and the other copies follow
 * through PUT /v1.0/card/instances. Replays change nothing.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoGroupChatRegistry } from '../../shared/adapters/aws/group-registry';
import { DynamoQuotaMeter } from '../../shared/adapters/aws/quota-meter';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { addDingTalkIntegration, linkPeople, simDingTalkApp } from '../support/dingtalk-app';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(90_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const ID = 'acme-ding';
const app = { corpId: 'dingacmecorp', clientId: 'dingacmeclient', clientSecret: 'acme-ding-secret', token: 'AcmeDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingacmeclient' };
const people = [
  { userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'u-lina' },
  { userId: 'wangfang', name: '王芳', mobile: '+86-13800000003', email: 'wangfang@example.com', unionId: 'u-wangfang' },
];
const GROUP = 'cidAcmeOnCall==';
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${ID}/events`, users: people, groups: [{ openConversationId: GROUP, title: 'Acme on-call', memberUserIds: ['lina', 'wangfang'] }] });
  await addDingTalkIntegration(t, sim, { id: ID, app, cardApiSecret: 'acme-card-api-secret' });
  await linkPeople(t, ID, people);
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

const items = () => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk');
const latestCard = (conversation: string) => items().filter((i) => i.conversation === conversation && i.card).pop()?.card;

it('registers the group, delivers cards with @mentions, and applies a click once', async () => {
  const installed = await fetch(`${sim.url}/_sim/dingtalk/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: app.clientId, eventType: 'im_cool_app_install', openConversationId: GROUP, coolAppCode: 'COOLAPP-ACME', operator: 'lina' }),
  });
  if (installed.status !== 200) throw new Error(await installed.text());
  expect(((await installed.json()) as { outcome: string }).outcome).toBe('delivered');
  const registry = new DynamoGroupChatRegistry(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(async () => expect(await registry.get(ID, GROUP)).toMatchObject({ state: 'active', coolAppCode: 'COOLAPP-ACME' }), 10_000);

  await t.sqs.send(
    new SendMessageCommand({
      QueueUrl: t.queueUrl('incident-events'),
      MessageBody: JSON.stringify({
        type: 'incident.triggered',
        incidentId: 'ding-1',
        version: 1,
        occurredAt: new Date().toISOString(),
        title: 'Order service latency',
        severity: 'Critical',
        description: 'p99 above 3 s',
        responders: ['lina@example.com', 'wangfang@example.com'],
        targets: [{ integrationId: ID, persons: ['lina@example.com'], groups: [GROUP] }],
      }),
    }),
  );
  const card = await eventually(async () => {
    const inGroup = latestCard(`group:${GROUP}`);
    const oneToOne = latestCard('user:lina');
    expect(inGroup?.title).toContain('Order service latency');
    expect(oneToOne?.title).toContain('Order service latency');
    return inGroup!;
  }, 20_000);
  // The responder is @mentioned on the group card itself; no separate group message is sent.
  expect(items().filter((i) => i.conversation === `group:${GROUP}` && i.card).pop()?.mentions).toEqual(['lina']);
  expect(items().filter((i) => i.conversation === `group:${GROUP}` && i.kind !== 'card')).toEqual([]);
  expect(sim.calls().filter((c) => c.platform === 'dingtalk' && c.endpoint === 'robot/groupMessages/send')).toEqual([]);

  const click = await fetch(`${sim.url}/_sim/click`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'dingtalk', orgId: app.corpId, userId: 'wangfang', cardId: card.cardId, buttonKey: 'acknowledge', conversation: `group:${GROUP}` }),
  });
  expect(click.status).toBe(200);
  const answer = (await click.json()) as { status: number; body: string };
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({ cardData: { cardParamMap: { status: expect.stringMatching(/Processing/) } } });
  const actions = await eventually(async () => {
    const messages = await t.take(t.queueUrl('incident-actions.fifo'), 200);
    expect(messages).toHaveLength(1);
    return messages;
  }, 15_000);
  expect(JSON.parse(actions[0].Body!)).toMatchObject({ action: 'acknowledge', actor: { email: 'wangfang@example.com', platform: 'dingtalk' } });
  // Lina's 1:1 copy follows through PUT /v1.0/card/instances (dispatch), never from the callback.
  await eventually(async () => expect(latestCard('user:lina')?.fields).toEqual(expect.arrayContaining([expect.objectContaining({ value: expect.stringMatching(/Processing/) })])), 20_000);
  const puts = sim.calls().filter((c) => c.platform === 'dingtalk' && c.method === 'PUT');
  expect(puts.length).toBeGreaterThanOrEqual(1);
  expect(puts.every((c) => c.status === 200)).toBe(true);

  // The quota meter counted exactly the metered calls the simulator counted.
  const usage = (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}/usage`)).json()) as { metered: number };
  const meter = new DynamoQuotaMeter(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, { quotaOf: () => 5000 });
  const ours = await meter.usage(app.corpId);
  expect(ours.used).toBe(usage.metered);
});
