import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { dingTalkCardSignature } from '../../shared/crypto';
import type { ConversationItem } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { addDingTalkIntegration, linkPeople, simDingTalkApp } from '../support/dingtalk-app';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(60_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const ID = 'ding-cards';
const API_SECRET = 'card-api-secret-2';
let t: TestStack;

beforeAll(async () => {
  // Pollers on: the replay test below needs notify and dispatch to deliver a real card. (One stack
  // per file: the handlers' composition is per process.)
  t = await startTestStack({ pollers: true });
  await t.admin.addDingTalk({
    id: ID,
    clientId: 'dingcardsclient',
    clientSecret: 'secret',
    token: 'tokenCards1',
    aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus',
    cardApiSecret: API_SECRET,
    apiBase: 'http://127.0.0.1:9',
  });
});
afterAll(async () => t.stop());

const click = {
  type: 'actionCallback',
  outTrackId: 'inc-42-ding',
  corpId: 'dingcorp',
  userId: 'zhangwei',
  content: JSON.stringify({ cardPrivateData: { actionIds: ['ack'], params: { action: 'acknowledge' } } }),
};

function send(body: unknown, ts: number | null = Date.now(), secret = API_SECRET, signature?: string, id = ID) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (ts !== null) {
    headers['x-ddpaas-signature-timestamp'] = String(ts);
    headers['x-ddpaas-signature'] = signature ?? dingTalkCardSignature(secret, String(ts));
  }
  return fetch(`${t.url}/dingtalk/${id}/cards`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

it('answers a signed click on a card it does not know synchronously, for the clicker only', async () => {
  const res = await send(click);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    userPrivateData: { cardParamMap: { note: 'Incident not found' } },
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
  });
});


it.each([
  ['a wrong signature', () => send(click, Date.now(), 'wrong-secret'), 'unauthorized'],
  ['a timestamp more than 5 min old (the default window)', () => send(click, Date.now() - 301_000), 'stale_timestamp'],
  ['a timestamp more than 5 min ahead', () => send(click, Date.now() + 301_000), 'stale_timestamp'],
  ['missing signature headers', () => send(click, null), 'unauthorized'],
  ['a signature that is not 44 characters of base64', () => send(click, Date.now(), API_SECRET, 'x'.repeat(44)), 'unauthorized'],
  ['a timestamp in seconds', () => send(click, Math.floor(Date.now() / 1000)), 'unauthorized'],
  ['an unknown integration', () => send(click, Date.now(), API_SECRET, undefined, 'no-such-integration'), 'unauthorized'],
])('rejects %s with 401 and writes nothing', async (_n, make, code) => {
  const before = await t.countItems('DEDUPE#');
  const res = await make();
  expect(res.status).toBe(401);
  const body = await res.text();
  expect(JSON.parse(body)).toEqual(code === 'unauthorized' ? { code, message: 'the request could not be authenticated' } : { code, message: expect.any(String) });
  expect(body).not.toContain('no-such-integration');
  expect(await t.countItems('DEDUPE#')).toBe(before);
});

it.each([
  ['a body that is not JSON', 'not json', 'invalid_json'],
  ['a body without outTrackId', { ...click, outTrackId: undefined }, 'invalid_card_callback'],
  ['content that is not a JSON string', { ...click, content: '{oops' }, 'invalid_content'],
])('rejects %s with 400', async (_n, body, code) => {
  const res = await send(body);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe(code);
});

/**
 * Keep this last in the file: it stops the queue pollers.
 *
 * A real card: delivered by dutybridge to the simulator, clicked (Snooze 2h) by a linked user; the
 * simulator's signed request is recorded on its way in and sent again byte for byte. A snooze is
 * a transition every time it is applied, so only the de-duplication keeps the replay from acting:
 * the replay must publish no action, leave the incident as it was, request no card refresh, queue
 * no DingTalk call and answer without a card update.
 */
describe('an exact replay of a real click', () => {
  const RID = 'ding-replay';
  const app = { corpId: 'dingreplaycorp', clientId: 'dingreplayclient', clientSecret: 'replay-secret', token: 'ReplayDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingreplayclient' };
  const lina = { userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'u-lina' };
  let sim: Simulator;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    sim = await createSimulator({ port: 0 });
    proxy = await startRecordingProxy(t.url);
    await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${RID}/events`, users: [lina] });
    // Card clicks reach the gateway through the recording proxy.
    await addDingTalkIntegration(t, sim, { id: RID, app, cardApiSecret: 'replay-card-api-secret', callbackBase: proxy.url });
    await linkPeople(t, RID, [lina]);
  });
  afterAll(async () => {
    await sim?.stop();
    await proxy?.stop();
  });

  const linaCard = () => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk' && i.conversation === 'user:lina' && i.card).pop()?.card;
  const cardPuts = () => sim.calls().filter((c) => c.platform === 'dingtalk' && c.method === 'PUT').length;

  it('does nothing the second time: no action, no transition, no refresh, no card update', async () => {
    await t.sqs.send(
      new SendMessageCommand({
        QueueUrl: t.queueUrl('incident-events'),
        MessageBody: JSON.stringify({
          type: 'incident.triggered',
          incidentId: 'ding-replay-1',
          version: 1,
          occurredAt: new Date().toISOString(),
          title: 'Checkout latency',
          severity: 'Critical',
          responders: [lina.email],
          targets: [{ integrationId: RID, persons: [lina.email] }],
        }),
      }),
    );
    const card = await eventually(async () => {
      const c = linaCard();
      expect(c?.title).toContain('Checkout latency');
      return c!;
    }, 20_000);
    const incidents = new DynamoIncidentRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
    const triggered = (await incidents.get('ding-replay-1'))!;
    expect(triggered.status).toBe('Triggered');

    const clicked = await fetch(`${sim.url}/_sim/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'dingtalk', orgId: app.corpId, userId: 'lina', cardId: card.cardId, buttonKey: 'snooze:120' }),
    });
    expect(clicked.status).toBe(200);
    expect(((await clicked.json()) as { status: number }).status).toBe(200);
    const recorded = proxy.requests.filter((q) => q.url === `/dingtalk/${RID}/cards`);
    expect(recorded).toHaveLength(1);
    expect(recorded[0].headers['x-ddpaas-signature']).toBeTruthy();
    // The first delivery acted: one transition, one action, a card update in the answer.
    expect(JSON.parse(recorded[0].responseBody!)).toMatchObject({ cardData: { cardParamMap: expect.any(Object) } });
    const actions = await eventually(async () => {
      const messages = await t.take(t.queueUrl('incident-actions.fifo'), 200);
      expect(messages).toHaveLength(1);
      return messages;
    }, 15_000);
    expect(JSON.parse(actions[0].Body!)).toMatchObject({ incidentId: 'ding-replay-1', action: 'snooze', snoozeMinutes: 120, actor: { email: lina.email, platform: 'dingtalk' } });
    const snoozed = await eventually(async () => {
      const inc = (await incidents.get('ding-replay-1'))!;
      expect(inc).toMatchObject({ status: 'Snoozed', revision: triggered.revision + 1 });
      expect(inc.pendingActions ?? []).toHaveLength(0); // the outbox was published
      return inc;
    });

    // Let the first click's refresh work finish, then stop the pollers so that whatever the replay
    // puts on a queue stays there to be counted; messages already queued are set aside (drained).
    await new Promise((res) => setTimeout(res, 1500));
    await t.stack.pollers!.stop();
    for (const q of ['card-refresh', 'outgoing-im', 'inbound-callbacks']) await t.drain(t.queueUrl(q), 100);
    const putsBefore = cardPuts();
    const cardBefore = JSON.stringify(linaCard());

    const replay = await proxy.replay(recorded[0]);
    expect(replay.status).toBe(200);
    // No card update for the clicker ...
    expect(await replay.json()).toEqual({});
    await new Promise((res) => setTimeout(res, 500));
    // ... no incident.action, no transition ...
    expect(await t.take(t.queueUrl('incident-actions.fifo'), 300)).toHaveLength(0);
    expect(await incidents.get('ding-replay-1')).toEqual(snoozed);
    // ... no card refresh requested, no DingTalk call queued or made, the card as it was.
    expect(await t.drain(t.queueUrl('card-refresh'), 300)).toHaveLength(0);
    expect(await t.drain(t.queueUrl('outgoing-im'), 300)).toHaveLength(0);
    expect(cardPuts()).toBe(putsBefore);
    expect(JSON.stringify(linaCard())).toBe(cardBefore);
  });
});
