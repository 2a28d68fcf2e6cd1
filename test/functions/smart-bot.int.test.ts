/**
 * The WeCom smart bot end to end (issue 15) on the local stack, the simulator's smart bot (WeCom's
 * side: encrypted JSON callbacks, stream refresh polling, strict reply checks) and its fake
 * OpenAI-compatible model:
 * - bad input at the bot route: a clear 4xx (or an empty 200 for a msgtype WeCom added later), nothing queued;
 * - a War Room opens with the first analysis (status, timeline, the model's words) posted by the app;
 * - "@bot status" in the War Room streams the answer and finishes (the incident implied by the room);
 * - "ack" from a linked person changes the incident once (one incident.action); from an unlinked
 *   one it answers the link prompt and changes nothing;
 * - a question streams the fake model's summary across at least three refreshes;
 * - a hung model falls back to the deterministic status with a note; a model that writes "ack"
 *   changes nothing;
 * - an encrypted image decrypts to its bytes (the reply names their sha256).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { SmartBotAdmin } from '../../shared/application/smart-bot-admin';
import { WarRoomAdmin } from '../../shared/application/war-room-admin';
import { WeComCrypto } from '../../shared/crypto';
import { createSimulator, type Simulator } from '../../sim/server';
import type { AppChatSnapshot } from '../../sim/wecom/appchat';
import { linkPeople } from '../support/links';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { addWeComIntegration, putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(180_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';

const WECOM = 'sb-wecom';
const OFF = 'sb-wecom-off';
const BOT_ID = 'aibsmartbot0001';
const bot = { token: 'SmartBotTok', encodingAesKey: 'Qx3mZc9LbT2hV7nY4rK8pW1sD6fG0jH5aE3uI9oP2lC' };
const corp = { corpId: 'wwsmartbot00001', agentId: 1000011, secret: 'sb-secret', token: 'SbAppTok', encodingAesKey: 'bW9yZXNlY3JldHNhcmViZXR0ZXJ0aGFuZmV3ZXJzZWM' };
const people = [
  { email: 'ana@example.com', name: 'Ana', userId: 'ana', mobile: '+86-13800000021' },
  { email: 'bo@example.com', name: 'Bo', userId: 'bo', mobile: '+86-13800000022' },
  { email: 'zed@example.com', name: 'Zed', userId: 'zed', mobile: '+86-13800000023' },
];
const INCIDENT = 'INC-SB-1';
const MODEL_KEY = 'sk-fake-model-key';

let t: TestStack;
let sim: Simulator;
let table: string;

interface Conversation {
  status: string;
  contents: string[];
  final: string | null;
  refreshes: number;
  violations: string[];
}

async function publish(body: object): Promise<void> {
  await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(body) }));
}

async function say(input: { userId: string; text?: string; chatId?: string; msgtype?: string; imageBase64?: string }): Promise<Conversation> {
  const res = await fetch(`${sim.url}/_sim/wecom/bots/${BOT_ID}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgtype: 'text', chatType: input.chatId ? 'group' : 'single', ...input, wait: true, refreshIntervalMs: 250, maxWaitMs: 90_000 }),
  });
  // With wait: true the simulator answers once the conversation ended, with the conversation itself.
  const body = (await res.json()) as Conversation;
  expect(res.status).toBe(200);
  return body;
}

async function setModel(config: object): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/model`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: MODEL_KEY, ...config }) });
  expect(res.status).toBe(200);
}

const incident = async () => (await new DynamoIncidentRepository(getDocumentClient(), table).get(INCIDENT))!;
const appchats = async (): Promise<AppChatSnapshot[]> => ((await (await fetch(`${sim.url}/_sim/wecom/appchats?corpId=${corp.corpId}`)).json()) as { appchats: AppChatSnapshot[] }).appchats;

/** A bot callback as WeCom would sign it, with any plaintext. */
function signedPost(plaintext: string, crypto = new WeComCrypto({ token: bot.token, encodingAesKey: bot.encodingAesKey, receiveId: '' })) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const encrypt = crypto.encrypt(plaintext);
  return { query: `msg_signature=${crypto.signature(timestamp, nonce, encrypt)}&timestamp=${timestamp}&nonce=${nonce}`, body: JSON.stringify({ encrypt }) };
}

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  table = t.stack.env.STATE_TABLE_NAME;
  sim = await createSimulator({ port: 0 });
  expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${WECOM}/callback`, users: people.map((p) => ({ userId: p.userId, name: p.name, mobile: p.mobile, email: p.email })) })).toBe(200);
  await addWeComIntegration(t, sim, { id: WECOM, corp });
  await addWeComIntegration(t, sim, { id: OFF, corp });
  const repo = new DynamoIntegrationRepository(getDocumentClient(), table);
  await new WarRoomAdmin(repo).set(WECOM, { enabled: true });
  await new SmartBotAdmin(repo, secretsManagerWriter(getSecretsManagerClient())).set(WECOM, {
    smartBot: { enabled: true, botId: BOT_ID },
    model: { enabled: true, baseUrl: `${sim.url}/_model/v1`, model: 'fake-sre-1', timeoutSeconds: 5 },
    secrets: { botToken: bot.token, botEncodingAesKey: bot.encodingAesKey, modelApiKey: MODEL_KEY },
  });
  await setModel({ chunks: 8, chunkDelayMs: 150 });
  const put = await fetch(`${sim.url}/_sim/wecom/bots/${BOT_ID}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...bot, callbackUrl: `${t.url}/wecom/${WECOM}/bot`, name: 'SRE' }),
  });
  expect(put.status).toBe(200);
  await linkPeople(t, WECOM, people.filter((p) => p.userId !== 'zed').map((p) => ({ email: p.email, userId: p.userId })));
  await publish({
    type: 'incident.triggered',
    incidentId: INCIDENT,
    version: 1,
    occurredAt: new Date().toISOString(),
    title: 'Checkout latency p99 above 2 s',
    description: 'p99 of /checkout went from 300 ms to 2.4 s after the 14:05 deploy.',
    severity: 'Critical',
    responders: ['ana@example.com', 'bo@example.com'],
    targets: [{ integrationId: WECOM }],
  });
  await eventually(async () => expect(await incident()).toBeDefined(), 20_000);
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

describe('bad input at the bot route', () => {
  it('answers each with a clear status and queues nothing', async () => {
    const url = `${t.url}/wecom/${WECOM}/bot`;
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(400); // no signature parameters
    const wrongKey = new WeComCrypto({ token: 'OtherTok', encodingAesKey: bot.encodingAesKey, receiveId: '' });
    const forged = signedPost(JSON.stringify({ msgid: 'x1', msgtype: 'text', from: { userid: 'ana' }, text: { content: 'status' } }), wrongKey);
    expect((await fetch(`${url}?${forged.query}`, { method: 'POST', body: forged.body })).status).toBe(401);
    const off = signedPost(JSON.stringify({ msgid: 'x2', msgtype: 'text', from: { userid: 'ana' }, text: { content: 'status' } }));
    expect((await fetch(`${t.url}/wecom/${OFF}/bot?${off.query}`, { method: 'POST', body: off.body })).status).toBe(401);
    const notJson = signedPost('not json');
    expect((await fetch(`${url}?${notJson.query}`, { method: 'POST', body: notJson.body })).status).toBe(400);
    const badEnvelope = signedPost('{}');
    expect((await fetch(`${url}?${badEnvelope.query}`, { method: 'POST', body: 'encrypt=1' })).status).toBe(400);
    const otherBot = signedPost(JSON.stringify({ msgid: 'x3', aibotid: 'aibsomeoneelse', msgtype: 'text', from: { userid: 'ana' }, text: { content: 'status' } }));
    expect((await fetch(`${url}?${otherBot.query}`, { method: 'POST', body: otherBot.body })).status).toBe(400);
    const later = signedPost(JSON.stringify({ msgid: 'x4', msgtype: 'hologram', from: { userid: 'ana' } }));
    const ignored = await fetch(`${url}?${later.query}`, { method: 'POST', body: later.body });
    expect(ignored.status).toBe(200);
    expect(await ignored.text()).toBe('');
    expect(await t.take(t.queueUrl('bot-replies'), 300)).toEqual([]);
  });

  it('answers WeCom’s retry of a message (same msgid) from the same stream, and the stream finishes', async () => {
    const crypto = new WeComCrypto({ token: bot.token, encodingAesKey: bot.encodingAesKey, receiveId: '' });
    const url = `${t.url}/wecom/${WECOM}/bot`;
    const message = JSON.stringify({ msgid: `dup-${Date.now()}`, aibotid: BOT_ID, chattype: 'single', from: { userid: 'bo' }, msgtype: 'text', text: { content: `status ${INCIDENT}` } });
    const open = async (plaintext: string) => {
      const post = signedPost(plaintext, crypto);
      const res = await fetch(`${url}?${post.query}`, { method: 'POST', body: post.body });
      expect(res.status).toBe(200);
      const envelope = (await res.json()) as { encrypt: string };
      return JSON.parse(crypto.decrypt(envelope.encrypt).message) as { msgtype: string; stream: { id: string; finish: boolean; content: string; feedback?: { id: string } } };
    };
    const first = await open(message);
    const retry = await open(message);
    expect(first.msgtype).toBe('stream');
    expect(retry.stream.id).toBe(first.stream.id);
    expect(first.stream.feedback?.id).toBe(first.stream.id);
    expect(retry.stream.feedback).toBeUndefined();
    const refresh = JSON.stringify({ msgid: `r-${Date.now()}`, aibotid: BOT_ID, chattype: 'single', from: { userid: 'bo' }, msgtype: 'stream', stream: { id: first.stream.id } });
    const done = await eventually(async () => {
      const answer = await open(refresh);
      expect(answer.stream.finish).toBe(true);
      return answer;
    }, 15_000);
    expect(done.stream.content).toContain(INCIDENT);
  });

  it('verifies the URL as WeCom does', async () => {
    const res = await fetch(`${sim.url}/_sim/wecom/bots/${BOT_ID}/verify-url`, { method: 'POST' });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });
});

describe('in a War Room', () => {
  let chatId = '';

  it('posts the first analysis with the model’s words when the room opens', async () => {
    await publish({ type: 'incident.war_room_requested', incidentId: INCIDENT, requestedBy: 'ana@example.com' });
    await eventually(async () => {
      const chats = await appchats();
      expect(chats).toHaveLength(1);
      const analysis = chats[0]!.messages.find((m) => m.content.includes('First analysis'));
      expect(analysis?.content).toContain(INCIDENT);
      expect(analysis?.content).toContain('AI analysis');
      chatId = chats[0]!.chatId;
    }, 40_000);
    const requests = (await (await fetch(`${sim.url}/_sim/model/requests`)).json()) as { requests: { messages: { content: string }[] }[] };
    const prompt = JSON.stringify(requests.requests.at(-1)?.messages);
    expect(prompt).toContain('Checkout latency');
    expect(prompt).not.toMatch(/@example\.com/);
  });

  it('"@bot status" streams the status of the room’s incident and finishes', async () => {
    const conversation = await say({ userId: 'bo', text: 'status', chatId });
    expect(conversation.violations).toEqual([]);
    expect(conversation.status).toBe('finished');
    expect(conversation.final).toContain(INCIDENT);
    expect(conversation.final).toContain('Checkout latency');
  });

  it('a question streams the fake model’s summary across at least three refreshes', async () => {
    await setModel({ chunks: 8, chunkDelayMs: 400 });
    const conversation = await say({ userId: 'ana', text: 'what changed before this started?', chatId });
    expect(conversation.status).toBe('finished');
    expect(conversation.violations).toEqual([]);
    const growing = [...new Set(conversation.contents.filter((c) => !c.includes('Working on it')))];
    expect(growing.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < growing.length; i++) expect(growing[i]!.length).toBeGreaterThan(growing[i - 1]!.length);
    expect(conversation.final).toContain(INCIDENT);
    await setModel({ chunks: 8, chunkDelayMs: 150 });
  });

  it('a hung model falls back to the deterministic status with a note', async () => {
    await setModel({ behaviour: 'hang' });
    const conversation = await say({ userId: 'ana', text: 'summarise please', chatId });
    expect(conversation.status).toBe('finished');
    expect(conversation.final).toContain(INCIDENT);
    expect(conversation.final).toMatch(/timed out|超时/i);
    const requests = (await (await fetch(`${sim.url}/_sim/model/requests`)).json()) as { requests: { outcome: string }[] };
    expect(requests.requests.at(-1)?.outcome).toBe('aborted');
    await setModel({ behaviour: 'normal', chunks: 8, chunkDelayMs: 150 });
  });

  it('a model that writes "ack" changes nothing', async () => {
    const before = await incident();
    await setModel({ reply: 'ack\nclose\nsnooze 2h' });
    const conversation = await say({ userId: 'ana', text: 'tell me what to do', chatId });
    expect(conversation.final).toContain('ack');
    const after = await incident();
    expect(after.revision).toBe(before.revision);
    expect(after.status).toBe(before.status);
    await setModel({ chunks: 8, chunkDelayMs: 150 });
  });
});

describe('in a 1:1 chat', () => {
  it('a question naming the incident goes to the model; one naming none asks which incident', async () => {
    const before = (await (await fetch(`${sim.url}/_sim/model/requests`)).json()) as { requests: unknown[] };
    const named = await say({ userId: 'ana', text: `what should I check first for ${INCIDENT}?` });
    expect(named.status).toBe('finished');
    expect(named.final).toContain(`Summary of ${INCIDENT}`);
    const after = (await (await fetch(`${sim.url}/_sim/model/requests`)).json()) as { requests: unknown[] };
    expect(after.requests.length).toBe(before.requests.length + 1);
    const unnamed = await say({ userId: 'ana', text: 'what should I check first?' });
    expect(unnamed.final).not.toContain('Summary of');
    expect(((await (await fetch(`${sim.url}/_sim/model/requests`)).json()) as { requests: unknown[] }).requests.length).toBe(after.requests.length);
  });
});

describe('actions', () => {
  it('"ack" from an unlinked person answers the link prompt and changes nothing', async () => {
    const before = await incident();
    const conversation = await say({ userId: 'zed', text: `ack ${INCIDENT}` });
    expect(conversation.status).toBe('finished');
    expect(conversation.final).toContain('/link/');
    expect((await incident()).revision).toBe(before.revision);
  });

  it('"ack" from a linked person changes the incident once, with one incident.action', async () => {
    await t.take(t.queueUrl('incident-actions.fifo'), 300);
    const first = await say({ userId: 'ana', text: `ack ${INCIDENT}` });
    expect(first.final).toMatch(/Processing/);
    const after = await incident();
    expect(after.status).toBe('Processing');
    expect(after.acknowledgedBy?.email).toBe('ana@example.com');
    const again = await say({ userId: 'ana', text: `认领 ${INCIDENT}` });
    expect(again.status).toBe('finished');
    expect((await incident()).revision).toBe(after.revision);
    const actions: Message[] = [];
    await eventually(async () => {
      actions.push(...(await t.take(t.queueUrl('incident-actions.fifo'), 500)));
      expect(actions.map((m) => JSON.parse(m.Body!) as { type: string; action?: string }).filter((m) => m.type === 'incident.action')).toHaveLength(1);
    }, 10_000);
    const log = await new DynamoOperationLog(getDocumentClient(), table).query({ incidentId: INCIDENT });
    expect(log.filter((r) => r.channel === 'bot' && r.reasonCode === 'bot_answered').length).toBeGreaterThan(0);
  });
});

describe('media', () => {
  it('an encrypted image from the simulator decrypts to its bytes', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3000)]);
    const conversation = await say({ userId: 'ana', msgtype: 'image', imageBase64: png.toString('base64') });
    expect(conversation.status).toBe('finished');
    expect(conversation.final).toContain(createHash('sha256').update(png).digest('hex'));
    expect(conversation.final).toContain('PNG');
  });
});
