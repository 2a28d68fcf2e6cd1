/**
 * DingTalk flow control on the local stack: batchSend answers part of every batch as
 * flow-controlled (the simulator's `flowControl` switch, 30 % of recipients, not delivered); the
 * dispatch worker queues a delayed follow-up for them through the outgoing-im queue and sends it,
 * until every recipient has the message — exactly once.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSimulator, type Simulator } from '../../sim/server';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const app = { corpId: 'dingflowcorp', clientId: 'dingflowapp', clientSecret: 'secret', token: 'FlowDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingflowapp' };
const people = Array.from({ length: 12 }, (_, i) => ({ userId: `fc${i}`, name: `FC ${i}`, mobile: `+86-136000010${String(i).padStart(2, '0')}`, email: `fc${i}@example.com`, unionId: `u-fc${i}` }));
const ID = 'flow-ding';
let t: TestStack;
let sim: Simulator;

/** Seeded PRNG: the same 30 % of recipients are flow-controlled on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, random: mulberry32(20261122) });
  const put = await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, { method: 'PUT', body: JSON.stringify({ ...app, eventsUrl: 'http://127.0.0.1:9/none', users: people }) });
  expect(put.status).toBe(200);
  await t.admin.addDingTalk({ id: ID, clientId: app.clientId, clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'flow-card-secret', corpId: app.corpId, cardTemplateId: 'tpl', apiBase: sim.url, oapiBase: sim.url });
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

it('delivers every recipient exactly one message while DingTalk flow-controls 30 % of each batch', async () => {
  const switched = await fetch(`${sim.url}/_sim/dingtalk/switches`, { method: 'PUT', body: JSON.stringify({ flowControl: { percent: 30 } }) });
  expect(await switched.json()).toMatchObject({ flowControlPercent: 30 });
  const messages = Array.from({ length: 4 }, (_, i) => ({ key: `flow-test-${i}`, text: `flow-controlled notice ${i}` }));
  for (const { key, text } of messages) {
    await t.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.queueUrl('outgoing-im'),
        MessageBody: JSON.stringify({
          kind: 'dingtalk.oneToOneMessage',
          integrationId: ID,
          idempotencyKey: key,
          severity: 'Critical',
          summary: text,
          payload: { userIds: people.map((p) => p.userId), msgKey: 'sampleText', msgParam: JSON.stringify({ content: text }) },
        }),
      }),
    );
  }
  const copies = (userId: string, text: string) => sim.conversations().filter((c) => c.conversation === `user:${userId}` && c.text === text).length;
  await eventually(async () => {
    for (const { text } of messages) for (const p of people) expect(copies(p.userId, text)).toBeGreaterThanOrEqual(1);
  }, 150_000);
  // Nothing left that could still deliver a second copy.
  await eventually(async () => expect(await t.drain(t.queueUrl('outgoing-im'), 100)).toHaveLength(0), 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  for (const { text } of messages) for (const p of people) expect(copies(p.userId, text)).toBe(1);

  const sends = sim.calls({ platform: 'dingtalk', endpoint: 'robot/oToMessages/batchSend' });
  const flowControlled = sends.flatMap((c) => ((c.responseBody as { flowControlledStaffIdList?: string[] }).flowControlledStaffIdList ?? []));
  expect(flowControlled.length).toBeGreaterThan(0); // flow control really happened
  expect(sends.length).toBeGreaterThan(messages.length); // and follow-ups were sent
  // The ledger says what happened to the first batch.
  const record = await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk: `OUTCALL#${messages[0]!.key}`, sk: 'OUTCALL' } }));
  expect(record.Item).toMatchObject({ state: 'sent' });
  expect(await t.drain(t.dlqUrl('outgoing-im'), 100)).toHaveLength(0);
  console.log(`flow control: ${messages.length} messages × ${people.length} recipients, ${flowControlled.length} recipient-sends flow-controlled, ${sends.length} batchSend calls, every recipient got exactly one copy`);
});
