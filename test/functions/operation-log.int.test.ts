/**
 * The operation log end to end on the local stack and the simulator: an incident for a linked, an
 * unlinked, an unlicensed and a wrongly linked person on WeCom gives one record each (sent; dropped
 * App Not Linked; failed not licensed; failed invalid user), found by incident and by member; on DingTalk a card delivered
 * through dispatch is recorded per recipient (by email), and a call refused once the org's
 * monthly quota is used up is recorded as failed quota_exhausted.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoQuotaMeter } from '../../shared/adapters/aws/quota-meter';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { addDingTalkIntegration, linkPeople, simDingTalkApp } from '../support/dingtalk-app';
import { addWeComIntegration, putSimWeComCorp } from '../support/wecom-corp';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(90_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';

const WECOM = 'oplog-wecom';
const DING = 'oplog-ding';
const corp = { corpId: 'wwoplogcorp01', agentId: 1000002, secret: 'oplog-app-secret', token: 'OplogToken1', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const app = { corpId: 'dingoplogcorp', clientId: 'dingoplogclient', clientSecret: 'oplog-ding-secret', token: 'OplogDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingoplogclient' };
let t: TestStack;
let sim: Simulator;
const log = () => new DynamoOperationLog(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  const wecom = await putSimWeComCorp(sim, corp, {
    users: [
      { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com' },
      // No account license: message/send lists carol in unlicenseduser and she gets nothing.
      { userId: 'carol', name: 'Carol Wu', mobile: '+86-13800000006', email: 'carol@example.com', unlicensed: true },
    ],
  });
  expect(wecom).toBe(200);
  await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${DING}/events`, users: [{ userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'u-lina' }] });
  await addWeComIntegration(t, sim, { id: WECOM, corp });
  await addDingTalkIntegration(t, sim, { id: DING, app, cardApiSecret: 'oplog-card-api-secret' });
  await linkPeople(t, WECOM, [
    { email: 'alice@example.com', userId: 'alice' },
    { email: 'carol@example.com', userId: 'carol' },
    // Linked to a userid WeCom does not know: message/send lists it in invaliduser.
    { email: 'dave@example.com', userId: 'ghost' },
  ]);
  await linkPeople(t, DING, [{ email: 'lina@example.com', userId: 'lina' }]);
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

async function publish(event: object): Promise<void> {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
}
const triggered = (incidentId: string, targets: object[]) => ({
  type: 'incident.triggered',
  incidentId,
  version: 1,
  occurredAt: new Date().toISOString(),
  title: `Payments API 5xx (${incidentId})`,
  severity: 'Critical',
  responders: [],
  targets,
});
const summary = (records: { recipient?: string; result: string; reasonCode: string }[]) => records.map((r) => [r.recipient, r.result, r.reasonCode]).sort();

it('WeCom: sent, App Not Linked, not licensed and invalid user, one record each, by incident and by member', async () => {
  await publish(triggered('oplog-1', [{ integrationId: WECOM, persons: ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'] }]));
  const records = await eventually(async () => {
    const found = await log().query({ incidentId: 'oplog-1' });
    expect(found).toHaveLength(4);
    return found;
  }, 20_000);
  expect(summary(records)).toEqual([
    ['alice@example.com', 'sent', 'delivered'],
    ['bob@example.com', 'dropped', 'app_not_linked'],
    ['carol@example.com', 'failed', 'not_licensed'],
    ['dave@example.com', 'failed', 'invalid_user'],
  ]);
  expect(records.find((r) => r.recipient === 'carol@example.com')!.reason).toMatch(/^WeCom license not activated: carol@example.com .*unlicenseduser.*Activate an API access license/);
  for (const r of records) expect(r).toMatchObject({ integrationId: WECOM, platform: 'wecom', incidentId: 'oplog-1' });
  expect(records.find((r) => r.recipient === 'bob@example.com')!.reason).toMatch(/links set/);
  expect(records.find((r) => r.recipient === 'dave@example.com')).toMatchObject({ requestKind: 'message/send', reason: expect.stringMatching(/ghost.*invalid/) });

  const bob = await log().query({ member: 'bob@example.com' });
  expect(bob).toEqual([expect.objectContaining({ incidentId: 'oplog-1', result: 'dropped', reasonCode: 'app_not_linked' })]);
  expect(summary(await log().query({ member: 'alice@example.com' }))).toEqual([['alice@example.com', 'sent', 'delivered']]);
  expect((await log().query({ integrationId: WECOM })).length).toBeGreaterThanOrEqual(4);
});

it('DingTalk: a card delivered through dispatch, then a call parked on the exhausted monthly quota', async () => {
  await publish(triggered('oplog-2', [{ integrationId: DING, persons: ['lina@example.com', 'wangfang@example.com'] }]));
  const first = await eventually(async () => {
    const found = await log().query({ incidentId: 'oplog-2' });
    expect(found).toHaveLength(2);
    return found;
  }, 30_000);
  expect(summary(first)).toEqual([
    ['lina@example.com', 'sent', 'delivered'],
    ['wangfang@example.com', 'dropped', 'app_not_linked'],
  ]);
  expect(first.find((r) => r.result === 'sent')).toMatchObject({ platform: 'dingtalk', channel: 'card', requestKind: 'card/instances/createAndDeliver' });

  // The org's monthly quota is used up (as after DingTalk answered 90020): the next call is parked.
  await new DynamoQuotaMeter(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, { quotaOf: () => 10_000 }).markExhausted(app.corpId);
  await publish(triggered('oplog-3', [{ integrationId: DING, persons: ['lina@example.com'] }]));
  const parked = await eventually(async () => {
    const found = await log().query({ incidentId: 'oplog-3' });
    expect(found).toHaveLength(1);
    return found[0];
  }, 30_000);
  expect(parked).toMatchObject({ recipient: 'lina@example.com', result: 'failed', reasonCode: 'quota_exhausted', platform: 'dingtalk' });
  expect(parked.reason).toMatch(/quota/);
  const lina = await log().query({ member: 'lina@example.com' });
  expect(lina.map((r) => r.incidentId)).toEqual(['oplog-3', 'oplog-2']);
});
