/**
 * Replay-proof card clicks on the local stack, with real cards delivered to the simulator and
 * clicked there (signed by the simulator):
 * - the replay window follows the deployment's DINGTALK_CARD_CALLBACK_WINDOW_SECONDS;
 * - a signature is accepted once: the same headers with another body get 409 and change nothing;
 * - per-user and per-incident click limits answer "slow down" and change nothing;
 * - a burst of snoozes spends one metered card update (PUT).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SLOW_DOWN_NOTE } from '../../shared/application/dingtalk-card-flow';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { dingTalkCardSignature } from '../../shared/crypto';
import type { ConversationItem } from '../../sim/core/contract';
import { createSimulator, type Simulator } from '../../sim/server';
import { addDingTalkIntegration, linkPeople, simDingTalkApp } from '../support/dingtalk-app';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(90_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '2';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';
process.env.DINGTALK_CARD_CALLBACK_WINDOW_SECONDS = '120';
process.env.CARD_CLICKS_PER_USER_PER_MINUTE = '4';
process.env.CARD_CLICKS_PER_INCIDENT_PER_MINUTE = '6';

const ID = 'ding-hardening';
const API_SECRET = 'hardening-card-api-secret';
const app = { corpId: 'dinghardencorp', clientId: 'dinghardenclient', clientSecret: 'harden-secret', token: 'Harden1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dinghardenclient' };
const people = ['lina', 'wang', 'zhao', 'qian'].map((userId, i) => ({ userId, name: userId, mobile: `+86-1380000010${i}`, email: `${userId}@example.com`, unionId: `u-${userId}` }));
let t: TestStack;
let sim: Simulator;
let proxy: RecordingProxy;
let incidents: DynamoIncidentRepository;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0 });
  proxy = await startRecordingProxy(t.url);
  await simDingTalkApp(sim, app, { eventsUrl: `${t.url}/dingtalk/${ID}/events`, users: people });
  await addDingTalkIntegration(t, sim, { id: ID, app, cardApiSecret: API_SECRET, callbackBase: proxy.url });
  await linkPeople(t, ID, people);
  incidents = new DynamoIncidentRepository(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
});
afterAll(async () => {
  await t?.stop();
  await sim?.stop();
  await proxy?.stop();
});

const cardOf = (userId: string, title: string) =>
  (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk' && i.conversation === `user:${userId}` && i.card?.title?.includes(title)).pop()?.card;
const cardPuts = () => sim.calls().filter((c) => c.platform === 'dingtalk' && c.method === 'PUT').length;

/** Triggers an incident for everybody and waits for lina's card. */
async function trigger(incidentId: string, title: string): Promise<string> {
  await t.sqs.send(
    new SendMessageCommand({
      QueueUrl: t.queueUrl('incident-events'),
      MessageBody: JSON.stringify({
        type: 'incident.triggered',
        incidentId,
        version: 1,
        occurredAt: new Date().toISOString(),
        title,
        severity: 'Critical',
        responders: people.map((p) => p.email),
        targets: [{ integrationId: ID }],
      }),
    }),
  );
  return eventually(async () => {
    const card = cardOf('lina', title);
    expect(card).toBeDefined();
    return card!.cardId;
  }, 20_000);
}

async function click(userId: string, cardId: string, buttonKey: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${sim.url}/_sim/click`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'dingtalk', orgId: app.corpId, userId, cardId, buttonKey }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: number; body: string };
}

/** Fixed one-minute windows: start a rate-limit scenario early in a minute. */
async function earlyInAMinute(): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 30_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

function signedDirect(body: object, ts: number) {
  return fetch(`${t.url}/dingtalk/${ID}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ddpaas-signature-timestamp': String(ts), 'x-ddpaas-signature': dingTalkCardSignature(API_SECRET, String(ts)) },
    body: JSON.stringify(body),
  });
}

it('follows the deployment window (DINGTALK_CARD_CALLBACK_WINDOW_SECONDS=120): 3 minutes old is stale, 1 minute old is accepted', async () => {
  const body = { outTrackId: 'no-such-card', userId: 'lina', content: '{}' };
  const stale = await signedDirect(body, Date.now() - 180_000);
  expect(stale.status).toBe(401);
  expect(await stale.json()).toEqual({ code: 'stale_timestamp', message: expect.stringContaining('120 s') });
  expect((await signedDirect(body, Date.now() - 60_000)).status).toBe(200);
});

it('accepts a signature once: the same headers with another body (user, button) get 409 and change nothing', async () => {
  await earlyInAMinute();
  const cardId = await trigger('harden-1', 'Disk full');
  const first = await click('lina', cardId, 'snooze:120');
  expect(first.status).toBe(200);
  const recorded = proxy.requests.filter((q) => q.url === `/dingtalk/${ID}/cards`).pop()!;
  const snoozed = await eventually(async () => {
    const inc = (await incidents.get('harden-1'))!;
    expect(inc.status).toBe('Snoozed');
    expect(inc.pendingActions ?? []).toHaveLength(0);
    return inc;
  });
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 300)).toHaveLength(1);
  const dedupeBefore = await t.countItems('DEDUPE#');

  const original = JSON.parse(recorded.body.toString('utf8')) as { userId: string; content: string };
  const forged = [
    { ...original, userId: 'wang' },
    { ...original, content: JSON.stringify({ cardPrivateData: { actionIds: ['resolve'], params: { action: 'resolve' } } }) },
  ];
  for (const body of forged) {
    const res = await fetch(`${t.url}/dingtalk/${ID}/cards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ddpaas-signature-timestamp': recorded.headers['x-ddpaas-signature-timestamp'] as string, 'x-ddpaas-signature': recorded.headers['x-ddpaas-signature'] as string },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ code: 'signature_reused', message: expect.any(String) });
  }
  await new Promise((r) => setTimeout(r, 500));
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 300)).toHaveLength(0);
  expect(await incidents.get('harden-1')).toEqual(snoozed);
  expect(await t.countItems('DEDUPE#')).toBe(dedupeBefore);
});

it('coalesces a burst of snoozes into one metered card update', async () => {
  const cardId = await trigger('harden-2', 'Queue backlog');
  // Let the refresh that follows the delivery run (it finds nothing new to show).
  await new Promise((r) => setTimeout(r, 3000));
  const putsBefore = cardPuts();
  for (const key of ['snooze:30', 'snooze:120', 'snooze:240']) expect((await click('zhao', cardId, key)).status).toBe(200);
  await eventually(async () => {
    const inc = (await incidents.get('harden-2'))!;
    expect(inc.status).toBe('Snoozed');
    expect(inc.pendingActions ?? []).toHaveLength(0);
  });
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 300)).toHaveLength(3);
  // The other copies (lina's, wang's, …) follow through PUT: one, after the refresh delay.
  await eventually(async () => expect(cardPuts() - putsBefore).toBe(1), 15_000);
  await new Promise((r) => setTimeout(r, 4000));
  expect(cardPuts() - putsBefore).toBe(1);
});

it('limits clicks per user (4/min here) and per incident (6/min here): over the limit the clicker is told to slow down and nothing changes', async () => {
  await earlyInAMinute();
  const cardId = await trigger('harden-3', 'Cache misses');
  await t.take(t.queueUrl('incident-actions.fifo'), 300);
  const answers: string[] = [];
  // An applied click clears the clicker's note (note: ''); a refused one sets it.
  const note = (r: { body: string }) => (JSON.parse(r.body) as { userPrivateData?: { cardParamMap?: { note?: string } } }).userPrivateData?.cardParamMap?.note || undefined;
  // qian: 4 snoozes pass, the 5th is refused.
  for (let i = 0; i < 5; i++) {
    const r = await click('qian', cardId, 'snooze:30');
    expect(r.status).toBe(200);
    answers.push(note(r) ?? 'applied');
  }
  expect(answers).toEqual(['applied', 'applied', 'applied', 'applied', SLOW_DOWN_NOTE]);
  // The incident has 4 counted clicks (the refused one counted against qian only): wang's 2 pass, the 3rd is refused.
  const wang = [];
  for (let i = 0; i < 3; i++) wang.push(note(await click('wang', cardId, 'snooze:30')) ?? 'applied');
  expect(wang).toEqual(['applied', 'applied', SLOW_DOWN_NOTE]);
  await eventually(async () => expect((await incidents.get('harden-3'))?.pendingActions ?? []).toHaveLength(0));
  // One incident.action per applied click, none for the refused ones.
  expect(await t.take(t.queueUrl('incident-actions.fifo'), 500)).toHaveLength(6);
});
