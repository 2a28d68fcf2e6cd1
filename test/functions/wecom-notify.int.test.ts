/**
 * The WeCom slice end to end on the local stack and the simulator (real HTTP, real crypto):
 * incident.triggered → one message/send → 3 people see the card → a click → exactly one
 * incident.action, every copy shows Processing → incident.resolved → Closed, greyed buttons →
 * replays change nothing → an exhausted update budget is caught up by Refresh Status.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem, RenderedCard } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { WeComCrypto } from '../../shared/crypto';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoWeComCardStore } from '../../shared/adapters/aws/wecom-card-store';
import { lambdaContext, localHandlers } from '../../local/handlers';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy';

jest.setTimeout(60_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const ID = 'acme-wecom';
const corp = { corpId: 'wwacmecorp01', agentId: 1000002, secret: 'acme-app-secret', token: 'AcmeToken1', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const people = [
  { userId: 'zhangwei', name: '张伟', mobile: '+86-13800000001', email: 'zhangwei@example.com' },
  { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com' },
  { userId: 'bob', name: 'Bob Smith', mobile: '+86-13800000005', email: 'bob@example.com' },
];
let t: TestStack;
let sim: Simulator;
/** WeCom's callbacks reach the gateway through this proxy, which keeps an exact copy of each. */
let proxy: RecordingProxy;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000 });
  proxy = await startRecordingProxy(t.url);
  expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${proxy.url}/wecom/${ID}/callback`, users: people })).toBe(200);
  await addWeComIntegration(t, sim, { id: ID, corp });
  await linkPeople(t, ID, people);
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
  await proxy?.stop();
});

async function publish(event: object): Promise<void> {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}

const incident = (id: string, type: string, version: number, extra: object = {}) => ({
  type,
  incidentId: id,
  version,
  occurredAt: new Date().toISOString(),
  title: `Payments API 5xx (${id})`,
  severity: 'Critical',
  description: 'Error rate above 5% for 5 minutes',
  detailUrl: 'https://incidents.example.com/inc',
  responders: people.map((p) => p.email),
  targets: [{ integrationId: ID }],
  ...extra,
});

function cardsOf(userId: string): RenderedCard[] {
  const byCard = new Map<string, RenderedCard>();
  for (const item of sim.conversations() as ConversationItem[]) {
    if (item.platform === 'wecom' && item.conversation === `user:${userId}` && item.card) byCard.set(item.card.cardId, item.card);
  }
  return [...byCard.values()];
}
const text = (card: RenderedCard) => JSON.stringify(card);
const calls = (endpoint: string) => sim.calls({ platform: 'wecom', endpoint } as never).filter((c) => c.endpoint === endpoint);

it('triggers, acts, resolves', async () => {
  await publish(incident('inc-100', 'incident.triggered', 1));
  const cardId = await eventually(async () => {
    for (const p of people) expect(cardsOf(p.userId)).toHaveLength(1);
    return cardsOf('alice')[0].cardId;
  }, 15_000);
  expect(calls('message/send')).toHaveLength(1);
  expect(calls('gettoken')).toHaveLength(1);
  expect(text(cardsOf('bob')[0])).toContain('Start Processing');

  // Alice clicks Start Processing.
  const click = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: 'alice', cardId, buttonKey: 'acknowledge' }) });
  expect(click.status).toBe(200);
  const actions = await eventually(async () => {
    const messages = await t.take(t.queueUrl('incident-actions.fifo'), 200);
    expect(messages).toHaveLength(1);
    return messages;
  }, 15_000);
  expect(JSON.parse(actions[0].Body!)).toMatchObject({ type: 'incident.action', incidentId: 'inc-100', action: 'acknowledge', actor: { email: 'alice@example.com', platform: 'wecom', userId: 'alice' } });
  await eventually(async () => {
    for (const p of people) {
      const card = cardsOf(p.userId)[0];
      expect(card.fields).toEqual(expect.arrayContaining([{ key: 'Status', value: 'Processing' }]));
      expect(text(card)).toMatch(/Alice|alice/);
      expect(card.buttons.map((b) => b.key)).not.toContain('acknowledge');
    }
  }, 15_000);

  // The incident system resolves it: every copy shows Closed with greyed buttons.
  await publish(incident('inc-100', 'incident.resolved', 2, { actorEmail: 'alice@example.com' }));
  await eventually(async () => {
    for (const p of people) {
      const card = cardsOf(p.userId)[0];
      expect(card.replacedText).toBeTruthy();
      expect(card.buttons.every((b) => b.disabled)).toBe(true);
    }
  }, 15_000);
});

/**
 * A click that changes the incident every time it is applied (Snooze 2h: a snooze replaces the
 * current one) on a triggered incident's real card, then the very same signed request sent again
 * (recorded on its way from the simulator) and WeCom-style retries (the same event re-encrypted and
 * re-signed with a fresh nonce): exactly one transition and one incident.action, and the replays
 * never reach process-inbound.
 */
it('a replayed click that would change the incident again acts exactly once', async () => {
  await publish(incident('inc-150', 'incident.triggered', 1));
  const cardId = await eventually(async () => {
    const card = cardsOf('zhangwei').find((c) => text(c).includes('inc-150'));
    expect(card).toBeDefined();
    return card!.cardId;
  }, 15_000);
  const incidents = new DynamoIncidentRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  const triggered = (await incidents.get('inc-150'))!;
  expect(triggered.status).toBe('Triggered');
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 100)).toHaveLength(0);

  const seen = proxy.requests.length;
  const click = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: 'zhangwei', cardId, buttonKey: 'snooze:120' }) });
  expect(click.status).toBe(200);
  const recorded = proxy.requests.slice(seen).filter((q) => q.method === 'POST');
  expect(recorded).toHaveLength(1);
  expect(recorded[0].status).toBe(200);
  const actions = await eventually(async () => {
    const messages = await t.take(t.queueUrl('incident-actions.fifo'), 200);
    expect(messages).toHaveLength(1);
    return messages;
  }, 15_000);
  expect(JSON.parse(actions[0].Body!)).toMatchObject({ incidentId: 'inc-150', action: 'snooze', snoozeMinutes: 120, actor: { email: 'zhangwei@example.com', platform: 'wecom' } });
  const snoozed = await eventually(async () => {
    const inc = (await incidents.get('inc-150'))!;
    expect(inc).toMatchObject({ status: 'Snoozed', revision: triggered.revision + 1, lastTransition: { action: 'snooze' } });
    return inc;
  });
  // Let the click's refresh settle, then count what the replays cause.
  await new Promise((r) => setTimeout(r, 1000));
  const inboundRuns = t.stack.pollers!.invocations['process-inbound'];

  for (let i = 0; i < 3; i++) expect((await proxy.replay(recorded[0])).status).toBe(200);
  const crypto = new WeComCrypto({ token: corp.token, encodingAesKey: corp.encodingAesKey, receiveId: corp.corpId });
  const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(recorded[0].body.toString('utf8'))?.[1];
  expect(encrypt).toBeDefined();
  const xml = crypto.decrypt(encrypt!).message;
  expect(xml).toContain('snooze:120');
  const retry = crypto.encryptCallback(xml, { toUserName: corp.corpId, agentId: String(corp.agentId), timestamp: String(Math.floor(Date.now() / 1000)), nonce: 'retry1' });
  const query = `msg_signature=${retry.msgSignature}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=retry1`;
  expect((await fetch(`${t.url}/wecom/${ID}/callback?${query}`, { method: 'POST', body: retry.body })).status).toBe(200);

  await new Promise((r) => setTimeout(r, 2000));
  expect(t.stack.pollers!.invocations['process-inbound']).toBe(inboundRuns);
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 300)).toHaveLength(0);
  const after = (await incidents.get('inc-150'))!;
  expect(after.revision).toBe(triggered.revision + 1);
  expect(after.lastTransition).toEqual(snoozed.lastTransition);
  expect(after.snoozedUntil).toBe(snoozed.snoozedUntil);
});

it('marks a card stale when its update codes run out, and Refresh Status brings it up to date', async () => {
  await publish(incident('inc-200', 'incident.triggered', 1));
  const cardId = await eventually(async () => {
    const card = cardsOf('bob').find((c) => text(c).includes('inc-200'));
    expect(card).toBeDefined();
    return card!.cardId;
  }, 15_000);
  // Two changes: the send's code pays for the first; the second finds no code left.
  await publish(incident('inc-200', 'incident.updated', 2, { title: 'Payments API 5xx (inc-200) v2' }));
  await eventually(async () => expect(text(cardsOf('bob').find((c) => c.cardId === cardId)!)).toContain('v2'), 15_000);
  await publish(incident('inc-200', 'incident.updated', 3, { title: 'Payments API 5xx (inc-200) v3' }));
  await new Promise((r) => setTimeout(r, 2000));
  expect(text(cardsOf('bob').find((c) => c.cardId === cardId)!)).not.toContain('v3');

  const before = calls('message/update_template_card').length;
  await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: 'bob', cardId, buttonKey: 'refresh' }) });
  await eventually(async () => {
    for (const p of people) expect(text(cardsOf(p.userId).find((c) => c.cardId === cardId)!)).toContain('v3');
  }, 15_000);
  expect(calls('message/update_template_card').length).toBe(before + 1);
  // A refresh is not an action.
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 200)).toHaveLength(0);
});

it('concurrent refreshes of one change spend one update code, not one each', async () => {
  await publish(incident('inc-300', 'incident.triggered', 1));
  const cardId = await eventually(async () => {
    const card = cardsOf('alice').find((c) => text(c).includes('inc-300'));
    expect(card).toBeDefined();
    return card!.cardId;
  }, 15_000);
  // Two Refresh Status clicks leave two spare codes next to the send's code.
  for (const user of ['bob', 'zhangwei']) {
    await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId: user, cardId, buttonKey: 'refresh' }) });
  }
  const store = new DynamoWeComCardStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(async () => expect((await store.codes(cardId)).filter((c) => !c.used)).toHaveLength(3), 10_000);
  const before = calls('message/update_template_card').length;
  await publish(incident('inc-300', 'incident.updated', 2, { title: 'Payments API 5xx (inc-300) v2' }));
  // Besides the poller's own refresh, three more for the same change at the same moment.
  const record = (i: number) => ({ messageId: `m${i}`, receiptHandle: `r${i}`, body: JSON.stringify({ incidentId: 'inc-300', requestedAt: Date.now() }), attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {} });
  const incidents = new DynamoIncidentRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await eventually(async () => expect((await incidents.get('inc-300'))?.version).toBe(2), 10_000);
  await localHandlers['refresh-card']({ Records: [record(1), record(2), record(3)] } as never, lambdaContext('refresh-card', 30));
  await eventually(async () => {
    for (const p of people) expect(text(cardsOf(p.userId).find((c) => c.cardId === cardId)!)).toContain('v2');
  }, 15_000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(calls('message/update_template_card').length - before).toBe(1);
  expect((await store.codes(cardId)).filter((c) => !c.used)).toHaveLength(2);
});
