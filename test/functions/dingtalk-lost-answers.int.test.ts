/**
 * DingTalk under lost answers (the hard fault): 30 % of calls are executed by DingTalk (the
 * simulator) and then their answer is lost — dutybridge sees a timeout — and some of the rest fail
 * with 5xx or throttles. Per call type:
 *  - cards (createAndDeliver, keyed by outTrackId): exactly once, under both readings of a reused
 *    outTrackId (ignored, or 400 param.cardAlreadyExist — recorded as delivered, never a failure);
 *  - robot messages (group and 1:1; no idempotency key): every message arrives, a resend after a
 *    lost answer may duplicate it — each duplicate is bounded (≤ 2) and recorded in the ledger
 *    (`… may also have been delivered`, or `unanswered; may have been delivered` after 3 attempts).
 * And the quota meter never under-counts what DingTalk counted.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSimulator, type Simulator } from '../../sim/server';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoQuotaMeter } from '../../shared/adapters/aws/quota-meter';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { dingTalkOutTrackId } from '../../shared/application/dingtalk-card-flow';
import { registerDingTalkCardCallback } from '../../cli/register-card-callback';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(240_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';
process.env.DINGTALK_TIMEOUT_MS = '700';

const ID = 'lost-ding';
const GROUP = 'cidLostAnswers==';
const app = { corpId: 'dinglostcorp', clientId: 'dinglostapp', clientSecret: 'secret', token: 'LostDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dinglostapp' };
const people = [
  { userId: 'la1', name: 'LA One', mobile: '+86-13600000011', email: 'la1@example.com', unionId: 'u-la1' },
  { userId: 'la2', name: 'LA Two', mobile: '+86-13600000012', email: 'la2@example.com', unionId: 'u-la2' },
];
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, timeoutFaultDelayMs: 1000 });
  const put = await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, {
    method: 'PUT',
    body: JSON.stringify({ ...app, eventsUrl: 'http://127.0.0.1:9/none', users: people, groups: [{ openConversationId: GROUP, title: 'Lost answers', memberUserIds: people.map((p) => p.userId) }] }),
  });
  expect(put.status).toBe(200);
  const ding = await t.admin.addDingTalk({ id: ID, clientId: app.clientId, clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'lost-card-secret', corpId: app.corpId, cardTemplateId: 'tpl', apiBase: sim.url, oapiBase: sim.url });
  if (ding.platform !== 'dingtalk') throw new Error('unexpected platform');
  await registerDingTalkCardCallback(ding, { clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'lost-card-secret' }, t.url, t.stack.env.STATE_TABLE_NAME);
  const links = new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  for (const p of people) await links.set({ integrationId: ID, email: p.email, userId: p.userId, linkedAt: Date.now() });
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
});

const ledger = async (key: string) =>
  (await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk: `OUTCALL#${key}`, sk: 'OUTCALL' } }))).Item as { state: string; reason?: string } | undefined;
/** Duplicates the ledger admits for a robot message: `up to N duplicate(s)` or `at most N duplicate(s)`. */
const recordedDuplicates = (reason = '') => Number(/(?:up to|at most) (\d+) duplicate/.exec(reason)?.[1] ?? 0);
const totals = { cards: 0, cardCalls: 0, cardAlreadyExist: 0, messages: 0, copies: 0, duplicates: 0, recorded: 0, unconfirmed: 0, lost: 0 };

describe.each(['ignore', 'reject'] as const)('reused outTrackId answered as %s', (reading) => {
  it('cards arrive exactly once; robot messages arrive, their duplicates bounded and recorded', async () => {
    await fetch(`${sim.url}/_sim/dingtalk/switches`, { method: 'PUT', body: JSON.stringify({ existingOutTrackId: reading }) });
    // 30 % lost answers, plus some of the existing mix (5xx, throttles) on the calls that remain.
    for (const [kind, percent] of [['lost-answer', 30], ['http500', 8], ['throttle', 8]] as const) {
      const rule = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ platform: 'dingtalk', endpoint: '*', kind, percent }) });
      expect(rule.status).toBe(200);
    }
    const seqBefore = sim.calls().length;

    const incidents = Array.from({ length: 12 }, (_, i) => `lost-${reading}-${i}`);
    for (const id of incidents) {
      await t.sqs.send(
        new SendMessageCommand({
          QueueUrl: t.queueUrl('incident-events'),
          MessageBody: JSON.stringify({ type: 'incident.triggered', incidentId: id, version: 1, occurredAt: new Date().toISOString(), title: `Queue backlog ${id}`, severity: 'Critical', responders: people.map((p) => p.email), targets: [{ integrationId: ID }] }),
        }),
      );
    }
    const messages = Array.from({ length: 12 }, (_, i) => ({ key: `robot-${reading}-${i}`, text: `robot message ${reading} ${i}`, group: i % 2 === 0 }));
    for (const m of messages) {
      await t.sqs.send(
        new SendMessageCommand({
          QueueUrl: t.queueUrl('outgoing-im'),
          MessageBody: JSON.stringify({
            kind: m.group ? 'dingtalk.groupMessage' : 'dingtalk.oneToOneMessage',
            integrationId: ID,
            idempotencyKey: m.key,
            severity: 'Critical',
            summary: m.text,
            payload: { ...(m.group ? { openConversationId: GROUP } : { userIds: ['la1'] }), msgKey: 'sampleText', msgParam: JSON.stringify({ content: m.text }) },
          }),
        }),
      );
    }
    const outTrackIds = incidents.map((id) => dingTalkOutTrackId(ID, id, 0));
    const finished = async (key: string) => expect((await ledger(key))?.state).toMatch(/^(sent|unconfirmed)$/);
    await eventually(async () => {
      for (const outTrackId of outTrackIds) await finished(`create:${outTrackId}`);
      for (const m of messages) await finished(m.key);
    }, 200_000);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    await new Promise((r) => setTimeout(r, 1500));

    const calls = sim.calls().slice(seqBefore);
    totals.lost += calls.filter((c) => c.answerLost).length;
    // Cards: every card in both 1:1 chats, recorded as sent (never rejected/parked), one card each.
    for (const outTrackId of outTrackIds) {
      expect(await ledger(`create:${outTrackId}`)).toMatchObject({ state: 'sent' });
      for (const p of people) expect(sim.conversations().filter((c) => c.conversation === `user:${p.userId}` && c.card?.cardId === outTrackId)).toHaveLength(1);
      const attempts = calls.filter((c) => c.endpoint === 'card/instances/createAndDeliver' && (c.requestBody as { outTrackId?: string }).outTrackId === outTrackId);
      const created = attempts.filter((c) => c.status === 200);
      // The card exists once; under "reject" DingTalk executed createAndDeliver exactly once.
      if (reading === 'reject') expect(created).toHaveLength(1);
      totals.cardCalls += attempts.length;
      totals.cardAlreadyExist += attempts.filter((c) => c.resultCode === 'param.cardAlreadyExist').length;
    }
    totals.cards += outTrackIds.length;
    // Robot messages: at least one copy, at most 3 (≤ 2 duplicates), and every duplicate recorded.
    for (const m of messages) {
      const conversation = m.group ? `group:${GROUP}` : 'user:la1';
      const copies = sim.conversations().filter((c) => c.conversation === conversation && c.text === m.text).length;
      const record = await ledger(m.key);
      expect(copies).toBeGreaterThanOrEqual(1);
      expect(copies).toBeLessThanOrEqual(3);
      expect(copies - 1).toBeLessThanOrEqual(recordedDuplicates(record?.reason));
      if (record?.state === 'unconfirmed') expect(record.reason).toMatch(/^unanswered; may have been delivered/);
      totals.messages += 1;
      totals.copies += copies;
      totals.duplicates += copies - 1;
      totals.recorded += recordedDuplicates(record?.reason);
      totals.unconfirmed += record?.state === 'unconfirmed' ? 1 : 0;
    }
    expect(calls.some((c) => c.answerLost)).toBe(true); // the fault really happened
    expect(await t.drain(t.dlqUrl('outgoing-im'), 100)).toHaveLength(0);
  });
});

afterAll(() => {
  console.log(
    `DingTalk, 30 % lost answers: ${totals.lost} answers lost; ${totals.cards} cards in ${totals.cardCalls} createAndDeliver calls (${totals.cardAlreadyExist} param.cardAlreadyExist), 0 duplicate cards; ` +
      `${totals.messages} robot messages → ${totals.copies} copies (${totals.duplicates} duplicates, ${totals.recorded} recorded as possible, ${totals.unconfirmed} unconfirmed after 3 unanswered sends)`,
  );
});

it('the quota meter never under-counts; it over-counts only refusals whose answer was lost', async () => {
  const usage = (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}/usage`)).json()) as { metered: number };
  const ours = await new DynamoQuotaMeter(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, { quotaOf: () => 5000 }).usage(app.corpId);
  // An executed call whose answer was lost is metered on both sides; a refusal (e.g. param.cardAlreadyExist)
  // whose answer was lost is not metered by DingTalk, and dutybridge cannot know it was refused.
  const lostRefusals = sim.calls().filter((c) => c.answerLost && c.status !== 200 && c.metered === false && c.endpoint !== 'oauth2/accessToken').length;
  expect(ours.used).toBeGreaterThanOrEqual(usage.metered);
  expect(ours.used - usage.metered).toBeLessThanOrEqual(lostRefusals);
});
