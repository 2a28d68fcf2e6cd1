import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator, type Simulator } from '../../../../sim/server';
import { WeComClient, weComTokenKey, type WeComCredentials } from '../../../../shared/adapters/wecom/client';
import {
  WeComCredentialsError,
  WeComPermanentError,
  WeComRetryableError,
  WeComThrottledError,
  WeComTokenError,
} from '../../../../shared/adapters/wecom/errors';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../../shared/application/token-provider';
import { renderWeComIncidentCard, weComTaskId } from '../../../../shared/domain/wecom-card';
import type { Incident } from '../../../../shared/domain/incident';

const CORP = 'wwclienttest';
const SECRET = 'app-secret-never-logged';
const users = [
  { userId: 'ZhangSan', name: 'Zhang San', mobile: '13800000001', email: 'zhangsan@example.com' },
  { userId: 'lisi', name: 'Li Si', mobile: '13800000002', email: 'lisi@example.com' },
];

let sim: Simulator;
let store: InMemoryAccessTokenStore;
let client: WeComClient;
let cardSeq = 0;

const credentials = (): WeComCredentials => ({ corpId: CORP, agentId: '1000002', secret: SECRET, apiBase: `${sim.url}/` });

async function control(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}
const fault = (endpoint: string, kind: string, nextN = 1) => control('POST', '/_sim/faults', { platform: 'wecom', endpoint, kind, nextN });
const calls = (endpoint: string) => sim.calls({ platform: 'wecom', endpoint });

function incident(): Incident {
  cardSeq += 1;
  return {
    incidentId: `INC-${cardSeq}`,
    version: 1,
    revision: 1,
    title: 'Payments API latency',
    severity: 'Critical',
    description: 'p99 above 2 s',
    labels: { env: 'prod' },
    detailUrl: 'https://oncall.example.com/incidents/1',
    responders: [],
    targets: [],
    status: 'Triggered',
    triggeredAt: Date.now(),
    updatedAt: Date.now(),
  };
}
const card = (i = incident()) => renderWeComIncidentCard(i, { taskId: weComTaskId(i.incidentId, 'wecom-test'), nowMs: Date.now() });

beforeAll(async () => {
  sim = await createSimulator({ port: 0, timeoutFaultDelayMs: 1500 });
  await control('PUT', `/_sim/wecom/corps/${CORP}`, {
    agentId: 1000002,
    secret: SECRET,
    token: 'callbackToken123',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    users,
  });
});
afterAll(async () => sim.stop());

beforeEach(async () => {
  await control('DELETE', '/_sim/faults', {});
  store = new InMemoryAccessTokenStore();
  client = new WeComClient(credentials(), { tokens: new TokenProvider({ store }), timeoutMs: 400 });
});

describe('WeComClient against the simulator', () => {
  it('sends a rendered incident card: errcode 0, msgid, response_code, invalid users in the caller spelling', async () => {
    const before = calls('message/send').length;
    const result = await client.sendTemplateCard({ toUsers: ['zhangsan', 'LISI', 'Ghost', 'lisi'], card: card() });
    expect(result.msgId).toEqual(expect.any(String));
    expect(result.responseCode).toEqual(expect.any(String));
    expect(result.invalidUsers).toEqual(['Ghost']);
    const [record] = calls('message/send').slice(before);
    expect(record!.resultCode).toBe(0);
    // agentid an integer, recipients '|'-joined and de-duplicated, token in the URL only.
    expect(record!.requestBody).toMatchObject({ agentid: 1000002, touser: 'zhangsan|LISI|Ghost', msgtype: 'template_card', enable_duplicate_check: 0 });
    expect(record!.query.access_token).toEqual(expect.any(String));
    expect(JSON.stringify(record!.requestBody)).not.toContain(record!.query.access_token!);
  });

  // A Closed card carries replace_text, which only update_template_card documents (DOC-94888):
  // it is sent as an update (below), never with message/send.
  it.each(['Triggered', 'Processing', 'Snoozed'] as const)('the simulator accepts the %s card variant (errcode 0)', async (status) => {
    const i: Incident = {
      ...incident(),
      status,
      acknowledgedBy: { email: 'lisi@example.com', name: 'Li Si' },
      snoozedUntil: status === 'Snoozed' ? Date.now() + 3600_000 : undefined,
    };
    const before = calls('message/send').length;
    await client.sendTemplateCard({ toUsers: ['lisi'], card: card(i) });
    expect(calls('message/send').slice(before).map((c) => c.resultCode)).toEqual([0]);
  });

  it('card + replaceName: the replacement card carries replace_text (greyed buttons)', async () => {
    const i = incident();
    const taskId = weComTaskId(i.incidentId, 'wecom-test');
    const sent = await client.sendTemplateCard({ toUsers: ['lisi'], card: renderWeComIncidentCard(i, { taskId, nowMs: Date.now() }) });
    const processing: Incident = { ...i, status: 'Processing', acknowledgedBy: { email: 'lisi@example.com', name: 'Li Si' } };
    await client.updateTemplateCard({ userIds: ['lisi'], responseCode: sent.responseCode!, card: renderWeComIncidentCard(processing, { taskId, nowMs: Date.now() }), replaceName: 'Done' });
    const [record] = calls('message/update_template_card').slice(-1);
    expect(record!.resultCode).toBe(0);
    expect(record!.requestBody).not.toHaveProperty('button');
    expect((record!.requestBody as { template_card: { replace_text: string } }).template_card.replace_text).toBe('Done');
    const delivered = sim.conversations().filter((c) => c.card?.cardId === taskId);
    expect(delivered.at(-1)!.card!.buttons.every((b) => b.disabled)).toBe(true);
  });

  it('sends text, cut to 2048 bytes', async () => {
    const before = calls('message/send').length;
    await client.sendText({ toUsers: ['lisi', 'ghost'], content: '告'.repeat(1000) });
    const [record] = calls('message/send').slice(before);
    expect(record!.resultCode).toBe(0);
    const content = (record!.requestBody as { text: { content: string } }).text.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(2048);
    expect(content.endsWith('…')).toBe(true);
    expect(sim.conversations().some((c) => c.conversation === 'user:lisi' && c.kind === 'text')).toBe(true);
  });

  it('asks for duplicate suppression when told', async () => {
    const before = calls('message/send').length;
    await client.sendTemplateCard({ toUsers: ['lisi'], card: card(), duplicateCheckSeconds: 600 });
    expect(calls('message/send').slice(before)[0]!.requestBody).toMatchObject({ enable_duplicate_check: 1, duplicate_check_interval: 600 });
  });

  it('reuses one access_token across calls', async () => {
    const before = calls('gettoken').length;
    await client.sendTemplateCard({ toUsers: ['lisi'], card: card() });
    await client.sendTemplateCard({ toUsers: ['lisi'], card: card() });
    await client.getUserIdByEmail('lisi@example.com');
    expect(calls('gettoken').length - before).toBe(1);
    expect(await store.get(weComTokenKey(credentials()))).toBeDefined();
  });

  it('updates a card: grey buttons, then a full replacement with a click-issued code; invaliduser is an array', async () => {
    const i = incident();
    const sent = await client.sendTemplateCard({ toUsers: ['zhangsan', 'lisi'], card: card(i) });
    const greyed = await client.updateTemplateCard({ userIds: ['ZHANGSAN', 'Nobody'], responseCode: sent.responseCode!, replaceName: 'Taken by Zhang San' });
    expect(greyed.invalidUsers).toEqual(['Nobody']);
    const [record] = calls('message/update_template_card').slice(-1);
    expect(record!.requestBody).toMatchObject({ agentid: 1000002, userids: ['ZHANGSAN', 'Nobody'], button: { replace_name: 'Taken by Zhang San' } });
    // A single-use code cannot be used twice: 60140 is permanent, with the reason in words.
    const again = client.updateTemplateCard({ userIds: ['lisi'], responseCode: sent.responseCode!, replaceName: 'x' });
    await expect(again).rejects.toThrow(WeComPermanentError);
    await expect(client.updateTemplateCard({ userIds: ['lisi'], responseCode: sent.responseCode!, replaceName: 'x' })).rejects.toMatchObject({
      errcode: 60140,
      endpoint: 'message/update_template_card',
      reason: expect.stringContaining('72 hours'),
    });
  });

  it('replaces the whole card with the Closed variant (validated by the simulator)', async () => {
    const i = incident();
    const taskId = weComTaskId(i.incidentId, 'wecom-test');
    const sent = await client.sendTemplateCard({ toUsers: ['lisi'], card: renderWeComIncidentCard(i, { taskId, nowMs: Date.now() }) });
    const closed: Incident = { ...i, status: 'Closed', closedBy: { email: 'lisi@example.com', name: 'Li Si' } };
    const result = await client.updateTemplateCard({ userIds: ['lisi'], responseCode: sent.responseCode!, card: renderWeComIncidentCard(closed, { taskId, nowMs: Date.now() }) });
    expect(result.invalidUsers).toEqual([]);
    const delivered = sim.conversations().filter((c) => c.card?.cardId === taskId);
    expect(delivered.at(-1)!.card).toMatchObject({ replacedText: 'Closed by Li Si' });
  });

  it('idTranslation: enable_id_trans 1 on message/send and on a replacement card, absent with replace_name alone; 0 by default', async () => {
    const i = incident();
    const taskId = weComTaskId(i.incidentId, 'wecom-test');
    const processing: Incident = { ...i, status: 'Processing', acknowledgedBy: { email: 'lisi@example.com', platform: 'wecom', userId: 'lisi' } };
    const translated = renderWeComIncidentCard(processing, { taskId, nowMs: Date.now(), idTranslation: true });
    const sent = await client.sendTemplateCard({ toUsers: ['lisi'], card: translated, idTranslation: true });
    expect(calls('message/send').at(-1)!.requestBody).toMatchObject({ enable_id_trans: 1 });
    // The simulator draws the placeholder as the member's name, as WeCom's client does (DOC-90372).
    const shown = () => sim.conversations().filter((c) => c.card?.cardId === taskId).at(-1)!.card!;
    expect(shown().subtitle).toBe('Processing by Li Si');
    expect(shown().fields).toContainEqual({ key: 'Assignee', value: 'Li Si' });

    await client.updateTemplateCard({ userIds: ['lisi'], responseCode: sent.responseCode!, card: translated, idTranslation: true });
    expect(calls('message/update_template_card').at(-1)!.requestBody).toMatchObject({ enable_id_trans: 1 });
    expect(shown().subtitle).toBe('Processing by Li Si');

    // Without the flag the same text reaches the member literally: nothing asked WeCom to translate.
    const other = incident();
    const otherTask = weComTaskId(other.incidentId, 'wecom-test');
    const plain = await client.sendTemplateCard({ toUsers: ['lisi'], card: renderWeComIncidentCard({ ...processing, incidentId: other.incidentId }, { taskId: otherTask, nowMs: Date.now(), idTranslation: true }) });
    expect(calls('message/send').at(-1)!.requestBody).toMatchObject({ enable_id_trans: 0 });
    expect(sim.conversations().filter((c) => c.card?.cardId === otherTask).at(-1)!.card!.subtitle).toBe('Processing by $userName=lisi$');

    // button.replace_name alone: DOC-94888's table for this form lists no enable_id_trans.
    await client.updateTemplateCard({ userIds: ['lisi'], responseCode: plain.responseCode!, replaceName: 'Done', idTranslation: true });
    const greyed = calls('message/update_template_card').at(-1)!;
    expect(greyed.resultCode).toBe(0);
    expect(greyed.requestBody).not.toHaveProperty('enable_id_trans');
  });

  it('42001 on message/send: drops the token, fetches a fresh one and retries once', async () => {
    await client.getUserIdByEmail('lisi@example.com'); // warm the token
    const tokensBefore = calls('gettoken').length;
    const sendsBefore = calls('message/send').length;
    await fault('message/send', 'token-invalid', 1);
    const result = await client.sendTemplateCard({ toUsers: ['lisi'], card: card() });
    expect(result.msgId).toEqual(expect.any(String));
    const sends = calls('message/send').slice(sendsBefore);
    expect(sends.map((c) => c.resultCode)).toEqual([42001, 0]);
    expect(calls('gettoken').length - tokensBefore).toBe(1);
    expect(sends[0]!.query.access_token).not.toBe(sends[1]!.query.access_token);
  });

  it('a token rejected twice ends in WeComTokenError after exactly one retry', async () => {
    const sendsBefore = calls('message/send').length;
    await fault('message/send', 'token-invalid', 2);
    await expect(client.sendTemplateCard({ toUsers: ['lisi'], card: card() })).rejects.toThrow(WeComTokenError);
    expect(calls('message/send').length - sendsBefore).toBe(2);
  });

  it('45009 → WeComThrottledError without retrying', async () => {
    const sendsBefore = calls('message/send').length;
    await fault('message/send', 'throttle');
    await expect(client.sendTemplateCard({ toUsers: ['lisi'], card: card() })).rejects.toMatchObject({ name: 'WeComThrottledError', errcode: 45009, kind: 'throttled' });
    await expect(client.sendTemplateCard({ toUsers: ['lisi'], card: card() })).resolves.toBeDefined();
    expect(calls('message/send').length - sendsBefore).toBe(2);
    expect(new WeComThrottledError({ endpoint: 'x', errcode: 45009, errmsg: '', reason: 'r' })).toBeInstanceOf(WeComThrottledError);
  });

  it('HTTP 500 → WeComRetryableError', async () => {
    await fault('message/send', 'http500');
    const error = await client.sendTemplateCard({ toUsers: ['lisi'], card: card() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComRetryableError);
    expect(error).toMatchObject({ errcode: undefined, reason: 'HTTP 500 from WeCom' });
  });

  it('a held answer past the deadline → WeComRetryableError (timeout)', async () => {
    await fault('message/send', 'timeout');
    const error = await client.sendTemplateCard({ toUsers: ['lisi'], card: card() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComRetryableError);
    expect((error as WeComRetryableError).reason).toBe('no answer within 400 ms');
  });

  it('every recipient invalid → 81013 WeComPermanentError with the reason', async () => {
    await expect(client.sendTemplateCard({ toUsers: ['ghost1', 'ghost2'], card: card() })).rejects.toMatchObject({
      name: 'WeComPermanentError',
      errcode: 81013,
      reason: expect.stringContaining('nothing was delivered'),
      errmsg: expect.stringContaining('more info'),
    });
  });

  it('a wrong secret → 40001 from gettoken, and neither the secret nor the URL leaks into the error', async () => {
    const bad = new WeComClient({ ...credentials(), secret: 'wrong-secret-value' }, { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }) });
    const error = (await bad.getUser('lisi').catch((e: unknown) => e)) as WeComPermanentError;
    expect(error).toBeInstanceOf(WeComPermanentError);
    expect(error).toMatchObject({ endpoint: 'gettoken', errcode: 40001 });
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toMatch(/wrong-secret-value|corpsecret/);
  });

  it('looks users up by email, mobile and id; misses are undefined', async () => {
    expect(await client.getUserIdByEmail('ZhangSan@Example.com')).toBe('zhangsan');
    expect(await client.getUserIdByMobile('13800000002')).toBe('lisi');
    expect(await client.getUserIdByEmail('nobody@example.com')).toBeUndefined();
    expect(await client.getUserIdByMobile('13999999999')).toBeUndefined();
    expect(await client.getUser('ZHANGSAN')).toEqual({ userId: 'zhangsan', name: 'Zhang San', mobile: '13800000001', email: 'zhangsan@example.com', status: 1 });
    expect(await client.getUser('ghost')).toBeUndefined();
  });

  it('refuses requests WeCom would reject, before calling it', async () => {
    const before = calls('message/send').length;
    const many = Array.from({ length: 1001 }, (_, n) => `u${n}`);
    await expect(client.sendTemplateCard({ toUsers: many, card: card() })).rejects.toThrow(/at most 1000/);
    await expect(client.sendTemplateCard({ toUsers: [], card: card() })).rejects.toThrow(WeComPermanentError);
    await expect(client.sendTemplateCard({ toUsers: ['a|b'], card: card() })).rejects.toThrow(WeComPermanentError);
    await expect(client.sendTemplateCard({ toUsers: ['lisi'], card: card(), duplicateCheckSeconds: 4 * 3600 + 1 })).rejects.toThrow(WeComPermanentError);
    await expect(client.updateTemplateCard({ userIds: ['lisi'], responseCode: 'c' })).rejects.toThrow(/card, replaceName or both/);
    await expect(client.sendText({ toUsers: ['lisi'], content: ' ' })).rejects.toThrow(/44004/);
    expect(calls('message/send').length).toBe(before);
  });

  it('refuses appchat requests WeCom would reject, before calling it; an update with nothing to change makes no call', async () => {
    const appchatCalls = () => sim.calls({ platform: 'wecom' }).filter((c) => String(c.endpoint).startsWith('appchat/')).length;
    const before = appchatCalls();
    const chat = { chatId: 'inc1', name: 'P1', owner: 'lisi', userIds: ['lisi', 'ZhangSan'] };
    await expect(client.appChatCreate({ ...chat, chatId: 'inc-1' })).rejects.toThrow(/86001/);
    await expect(client.appChatCreate({ ...chat, chatId: 'a'.repeat(33) })).rejects.toThrow(WeComPermanentError);
    await expect(client.appChatCreate({ ...chat, userIds: ['lisi', 'LISI'] })).rejects.toThrow(/86006/);
    await expect(client.appChatCreate({ ...chat, owner: 'wangwu' })).rejects.toThrow(/86207/);
    await expect(client.appChatCreate({ ...chat, name: ' \n ' })).rejects.toThrow(/86004/);
    await expect(client.appChatUpdate({ chatId: 'inc1', addUserIds: ['wangwu'], removeUserIds: ['WANGWU'] })).rejects.toThrow(/both added and removed/);
    await expect(client.appChatSendMarkdown({ chatId: 'inc1', content: '  ' })).rejects.toThrow(/44004/);
    await client.appChatUpdate({ chatId: 'inc1', addUserIds: [], removeUserIds: [] });
    expect(appchatCalls()).toBe(before);
  });
});

describe('WeComClient answer handling (fake fetch)', () => {
  function clientWith(answers: (() => Response)[]): { client: WeComClient; urls: string[] } {
    const urls: string[] = [];
    const fake = (async (input: string | URL | Request) => {
      urls.push(String(input));
      if (String(input).includes('/cgi-bin/gettoken')) return Response.json({ errcode: 0, errmsg: 'ok', access_token: 'T1', expires_in: 7200 });
      const next = answers.shift();
      if (!next) throw new Error('unexpected call');
      return next();
    }) as typeof fetch;
    const c = new WeComClient({ corpId: 'c', agentId: '7', secret: 's', apiBase: 'https://qyapi.example' }, { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), fetch: fake });
    return { client: c, urls };
  }

  it('never trusts HTTP 200: errcode -1 is retryable', async () => {
    const { client } = clientWith([() => Response.json({ errcode: -1, errmsg: 'system busy' })]);
    await expect(client.getUser('a')).rejects.toMatchObject({ name: 'WeComRetryableError', errcode: -1 });
  });

  it('a non-JSON page or an answer without errcode is retryable; HTTP 404 is permanent (wrong base URL)', async () => {
    const { client } = clientWith([
      () => new Response('<html>gateway</html>', { status: 200 }),
      () => Response.json({ userid: 'a' }),
      () => new Response('not found', { status: 404 }),
    ]);
    await expect(client.getUser('a')).rejects.toThrow(WeComRetryableError);
    await expect(client.getUser('a')).rejects.toThrow(WeComRetryableError);
    await expect(client.getUser('a')).rejects.toThrow(WeComPermanentError);
  });

  it('errcode 0 with an undocumented shape is reported, not passed on', async () => {
    const { client } = clientWith([() => Response.json({ errcode: 0, errmsg: 'ok' })]);
    await expect(client.sendTemplateCard({ toUsers: ['a'], card: {} })).rejects.toThrow(/documented shape \(msgid\)/);
  });

  it('a network failure is retryable and names no URL', async () => {
    // A port that was just free: nothing listens there any more.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = new WeComClient({ corpId: 'c', agentId: '7', secret: 'sekret', apiBase: `http://127.0.0.1:${port}` }, { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }) });
    const error = (await c.getUser('a').catch((e: unknown) => e)) as WeComRetryableError;
    expect(error).toBeInstanceOf(WeComRetryableError);
    expect(error.reason).toBe('network failure (ECONNREFUSED)');
    expect(error.message).not.toContain('sekret');
  });

  it('puts the token in the URL of the configured base', async () => {
    const { client, urls } = clientWith([() => Response.json({ errcode: 0, userid: 'a' })]);
    await client.getUserIdByMobile('13800000001');
    expect(urls.at(-1)).toBe('https://qyapi.example/cgi-bin/user/getuserid?access_token=T1');
  });

  it('rejects bad credentials at construction', () => {
    const tokens = new TokenProvider({ store: new InMemoryAccessTokenStore() });
    expect(() => new WeComClient({ corpId: 'c', agentId: 'agent', secret: 's', apiBase: 'https://x' }, { tokens })).toThrow(WeComCredentialsError);
    expect(() => new WeComClient({ corpId: 'c', agentId: '1', secret: 's', apiBase: 'ftp://x' }, { tokens })).toThrow(WeComCredentialsError);
  });
});
