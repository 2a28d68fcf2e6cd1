/**
 * Faults: with the simulator failing 30% of WeCom calls (5xx, timeouts, 45009 throttles, 42001
 * token revocations), every incident still reaches every linked responder exactly once. Also: two
 * people clicking Start Processing at once make exactly one transition and one action; an unlinked
 * clicker gets told how to link and changes nothing.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ConversationItem } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';
process.env.WECOM_TIMEOUT_MS = '700';

const ID = 'faulty-wecom';
const corp = { corpId: 'wwfaultcorp01', agentId: 1000003, secret: 'fault-secret', token: 'FaultToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const people = ['u1', 'u2', 'u3', 'stranger'].map((u) => ({ userId: u, name: u.toUpperCase(), mobile: '+86-13900000000', email: `${u}@example.com` }));
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000, timeoutFaultDelayMs: 1000 });
  await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${ID}/callback`, users: people });
  await addWeComIntegration(t, sim, { id: ID, corp });
  await linkPeople(t, ID, people.slice(0, 3));
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

const event = (id: string, recipients: string[]) => ({
  type: 'incident.triggered',
  incidentId: id,
  version: 1,
  occurredAt: new Date().toISOString(),
  title: `Disk full on db-${id}`,
  severity: 'Warning',
  responders: recipients.map((u) => `${u}@example.com`),
  targets: [{ integrationId: ID }],
});

function cardIds(userId: string): Set<string> {
  return new Set((sim.conversations() as ConversationItem[]).filter((i) => i.conversation === `user:${userId}` && i.card).map((i) => i.card!.cardId));
}
const click = (userId: string, cardId: string, buttonKey: string) =>
  fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', orgId: corp.corpId, userId, cardId, buttonKey }) });

it('loses no card and sends none twice while 30% of WeCom calls fail', async () => {
  for (const [kind, percent] of [['http500', 8], ['timeout', 7], ['throttle', 7], ['token-invalid', 8]] as const) {
    const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', endpoint: '*', kind, percent }) });
    expect(res.status).toBeLessThan(300);
  }
  const incidents = Array.from({ length: 20 }, (_, i) => `f-${i}`);
  for (const id of incidents) await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event(id, ['u1', 'u2', 'u3'])) }));
  await eventually(async () => {
    for (const u of ['u1', 'u2', 'u3']) expect(cardIds(u).size).toBe(incidents.length);
  }, 90_000);
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  const sends = sim.calls().filter((c) => c.platform === 'wecom' && c.endpoint === 'message/send');
  const delivered = sends.filter((c) => c.resultCode === 0);
  expect(delivered).toHaveLength(incidents.length); // exactly one successful send per incident
  // And faults really happened (P(no fault in 21+ calls at 30%) < 0.1%).
  const faulted = sim.calls().filter((c) => c.platform === 'wecom' && c.resultCode !== 0);
  expect(faulted.length).toBeGreaterThan(0);
  expect(await t.drain(t.dlqUrl('incident-events'), 100)).toHaveLength(0);
});

it('two people clicking at once make one transition and one action', async () => {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event('race-1', ['u1', 'u2'])) }));
  const cardId = await eventually(async () => {
    const ids = [...cardIds('u2')].filter((id) => id.startsWith('race-1'));
    expect(ids).toHaveLength(1);
    return ids[0];
  }, 15_000);
  await t.take(t.queueUrl('incident-actions.fifo'), 100);
  const incidents = new DynamoIncidentRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  const before = (await incidents.get('race-1'))!;
  expect(before.status).toBe('Triggered');
  // Both press Start Processing: whoever wins, the other's click finds it already being processed.
  const [a, b] = await Promise.all([click('u1', cardId, 'acknowledge'), click('u2', cardId, 'acknowledge')]);
  expect(a.status).toBe(200);
  expect(b.status).toBe(200);
  await eventually(async () => expect((await incidents.get('race-1'))?.status).toBe('Processing'), 15_000);
  await new Promise((r) => setTimeout(r, 3000));
  // take, not drain: on the FIFO queue a message left in flight would hide a second one of race-1.
  const actions = await t.take(t.queueUrl('incident-actions.fifo'), 500);
  expect(actions.map((m) => JSON.parse(m.Body!))).toEqual([expect.objectContaining({ incidentId: 'race-1', action: 'acknowledge' })]);
  expect(['u1@example.com', 'u2@example.com']).toContain(JSON.parse(actions[0].Body!).actor.email);
  const after = (await incidents.get('race-1'))!;
  expect(after.revision).toBe(before.revision + 1);
  expect(after.acknowledgedBy?.email).toBe(JSON.parse(actions[0].Body!).actor.email);
});

it('tells an unlinked clicker how to link and changes nothing', async () => {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify({ ...event('stranger-1', ['u1']), targets: [{ integrationId: ID, persons: ['u1@example.com', 'stranger@example.com'] }] }) }));
  // The stranger is not linked, so only u1 gets the card ("App Not Linked" for the stranger). WeCom
  // only lets recipients click, so to click while unlinked u1 is unlinked after delivery.
  const cardId = await eventually(async () => {
    const ids = [...cardIds('u1')].filter((id) => id.startsWith('stranger-1'));
    expect(ids).toHaveLength(1);
    return ids[0];
  }, 15_000);
  expect(cardIds('stranger').size).toBe(0);
  const links = new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  await links.remove(ID, 'u1@example.com');
  await t.take(t.queueUrl('incident-actions.fifo'), 100);
  expect((await click('u1', cardId, 'acknowledge')).status).toBe(200);
  await eventually(async () => {
    const texts = (sim.conversations() as ConversationItem[]).filter((i) => i.conversation === 'user:u1' && i.kind === 'text');
    expect(texts.some((i) => /not linked/i.test(i.text ?? ''))).toBe(true);
  }, 10_000);
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 300)).toHaveLength(0);
  await links.set({ integrationId: ID, email: 'u1@example.com', userId: 'u1', linkedAt: Date.now() });
});
