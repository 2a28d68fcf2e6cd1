/**
 * DingTalk under faults: with 30% of calls failing (5xx, timeouts, throttles), every incident's
 * card is delivered exactly once, nothing is lost, and the quota meter agrees with the calls
 * DingTalk (the simulator) counted — exactly, except that a call that timed out is counted by
 * dutybridge (DingTalk may or may not have counted it; the meter must never under-count).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoQuotaMeter } from '../../shared/adapters/aws/quota-meter';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { registerDingTalkCardCallback } from '../../cli/register-card-callback';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';
process.env.DINGTALK_TIMEOUT_MS = '700';

const app = { corpId: 'dingfaultcorp', clientId: 'dingfaultapp', clientSecret: 'secret', token: 'FaultDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingfaultapp' };
const person = { userId: 'sre1', name: 'SRE One', mobile: '+86-13600000001', email: 'sre1@example.com', unionId: 'u-sre1' };
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, timeoutFaultDelayMs: 1000 });
  await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, { method: 'PUT', body: JSON.stringify({ ...app, eventsUrl: 'http://127.0.0.1:9/none', users: [person] }) });
  const ding = await t.admin.addDingTalk({ id: 'faulty-ding', clientId: app.clientId, clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'fault-card-secret', corpId: app.corpId, cardTemplateId: 'tpl', apiBase: sim.url, oapiBase: sim.url });
  if (ding.platform !== 'dingtalk') throw new Error('unexpected platform');
  await registerDingTalkCardCallback(ding, { clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'fault-card-secret' }, t.url, t.stack.env.STATE_TABLE_NAME);
  await new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME).set({ integrationId: 'faulty-ding', email: person.email, userId: person.userId, linkedAt: Date.now() });
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

it('delivers every card once and meters what DingTalk counted while 30% of calls fail', async () => {
  for (const [kind, percent] of [['http500', 10], ['timeout', 8], ['throttle', 12]] as const) {
    const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ platform: 'dingtalk', endpoint: 'card/instances/createAndDeliver', kind, percent }) });
    expect(res.status).toBeLessThan(300);
  }
  // 30 cards: with 30 % of calls failing, a run where no call fails at all (0.7^30) cannot happen in practice.
  const incidents = Array.from({ length: 30 }, (_, i) => `df-${i}`);
  for (const id of incidents) {
    await t.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.queueUrl('incident-events'),
        MessageBody: JSON.stringify({ type: 'incident.triggered', incidentId: id, version: 1, occurredAt: new Date().toISOString(), title: `Latency ${id}`, severity: 'Critical', responders: [person.email], targets: [{ integrationId: 'faulty-ding' }] }),
      }),
    );
  }
  const delivered = () => sim.calls().filter((c) => c.platform === 'dingtalk' && c.endpoint.includes('createAndDeliver') && c.status === 200);
  await eventually(async () => expect(new Set(delivered().map((c) => (c.requestBody as { outTrackId: string }).outTrackId)).size).toBe(incidents.length), 90_000);
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  await new Promise((r) => setTimeout(r, 1500));
  // Exactly once: one successful createAndDeliver per card.
  expect(delivered()).toHaveLength(incidents.length);
  const attempts = sim.calls().filter((c) => c.platform === 'dingtalk' && c.endpoint.includes('createAndDeliver'));
  const timeouts = attempts.filter((c) => c.status === 504).length;
  expect(attempts.length).toBeGreaterThan(incidents.length); // faults really happened
  expect(await t.drain(t.dlqUrl('outgoing-im'), 100)).toHaveLength(0);

  const usage = (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}/usage`)).json()) as { metered: number };
  const ours = await new DynamoQuotaMeter(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, { quotaOf: () => 5000 }).usage(app.corpId);
  expect(ours.used).toBeGreaterThanOrEqual(usage.metered);
  expect(ours.used - usage.metered).toBeLessThanOrEqual(timeouts);
});
