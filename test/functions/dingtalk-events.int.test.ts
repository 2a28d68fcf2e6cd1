import { DingTalkCrypto } from '../../shared/crypto';
import { DynamoGroupChatRegistry } from '../../shared/adapters/aws/group-registry';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { eventually, startTestStack, type TestStack } from '../support/stack';

const ID = 'ding-events';
const app = { clientId: 'dingtestclient01', token: 'tokenTest123', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus' };
const crypto = new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKey: app.clientId });
let t: TestStack;
let inboundUrl: string;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  inboundUrl = t.queueUrl('inbound-callbacks');
  await t.admin.addDingTalk({
    id: ID,
    clientId: app.clientId,
    clientSecret: 'secret',
    token: app.token,
    aesKey: app.aesKey,
    cardApiSecret: 'card-api-secret-1',
    apiBase: 'http://127.0.0.1:9',
  });
});
afterAll(async () => t.stop());

const uniform401 = { code: 'unauthorized', message: 'the request could not be authenticated' };
/** A well-formed, fresh query whose signature is wrong: passes the shape checks, fails the signature. */
const shapedQuery = () => `msg_signature=${'a'.repeat(40)}&timestamp=${Date.now()}&nonce=n`;

let seq = 0;
function push(payload: object, opts: { sigParam?: string; tsParam?: string; signer?: DingTalkCrypto; ts?: string } = {}) {
  seq += 1;
  const signer = opts.signer ?? crypto;
  const encrypt = signer.encrypt(JSON.stringify(payload));
  // Milliseconds, as DingTalk sends them; more than 10 minutes from now is refused.
  const ts = opts.ts ?? String(Date.now() + seq);
  const nonce = `nonce${seq}`;
  const sig = signer.signature(ts, nonce, encrypt);
  const query = `${opts.sigParam ?? 'msg_signature'}=${sig}&${opts.tsParam ?? 'timestamp'}=${ts}&nonce=${nonce}`;
  return fetch(`${t.url}/dingtalk/${ID}/events?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) });
}

function expectSuccessMap(body: Record<string, string>, before: number): void {
  expect(Object.keys(body).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
  expect(body.timeStamp).toMatch(/^\d{13}$/);
  expect(Number(body.timeStamp)).toBeGreaterThanOrEqual(before);
  expect(crypto.signature(body.timeStamp, body.nonce, body.encrypt)).toBe(body.msg_signature);
  expect(crypto.decrypt(body.encrypt).message).toBe('success');
}

it('answers check_url with the exact encrypted success map (signature= and timeStamp= spellings too)', async () => {
  const before = Date.now();
  for (const opts of [{}, { sigParam: 'signature', tsParam: 'timeStamp' }]) {
    const res = await push({ EventType: 'check_url' }, opts);
    expect(res.status).toBe(200);
    expectSuccessMap((await res.json()) as Record<string, string>, before);
  }
});

it('registers a group from im_cool_app_install, renames it, and keeps the newest state', async () => {
  const registry = new DynamoGroupChatRegistry(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  const base = { openConversationId: 'cidGroup1==', robotCode: app.clientId, coolAppCode: 'COOLAPP-1' };
  const install = { EventType: 'im_cool_app_install', eventId: 'ev-install-1', EventTime: 1700000000000, ...base, title: 'DB on-call' };
  const before = Date.now();
  // DingTalk retries at +10 s and +30 s: three deliveries, one group change.
  for (let i = 0; i < 3; i++) expectSuccessMap((await (await push(install)).json()) as Record<string, string>, before);
  // Legacy PascalCase payload for the rename.
  await push({ EventType: 'chat_update_title', EventId: 'ev-title-1', TimeStamp: '1700000005000', OpenConversationId: 'cidGroup1==', Title: 'DB war room' });
  await eventually(async () => {
    const groups = await registry.list(ID);
    expect(groups).toEqual([
      expect.objectContaining({ openConversationId: 'cidGroup1==', title: 'DB war room', coolAppCode: 'COOLAPP-1', state: 'active' }),
    ]);
  });
  // A late, older uninstall must not overwrite the newer state.
  await push({ eventType: 'im_cool_app_uninstall', eventId: 'ev-old', eventTime: 1690000000000, ...base });
  await push({ eventType: 'chat_disband', eventId: 'ev-disband', eventTime: 1700000009000, openConversationId: 'cidGroup1==' });
  await eventually(async () => {
    const [group] = await registry.list(ID);
    expect(group).toMatchObject({ state: 'disbanded', title: 'DB war room' });
  });
});

it.each([
  ['a wrong signature', { signer: new DingTalkCrypto({ token: 'otherToken', aesKey: app.aesKey, ownerKey: app.clientId }) }, 401, 'unauthorized'],
  ['a timestamp 11 minutes old (ms)', { ts: String(Date.now() - 660_000) }, 401, 'stale_timestamp'],
  ['a timestamp 11 minutes ahead (ms)', { ts: String(Date.now() + 660_000) }, 401, 'stale_timestamp'],
  ['a timestamp 11 minutes old (s)', { ts: String(Math.floor(Date.now() / 1000) - 660), tsParam: 'timeStamp' }, 401, 'stale_timestamp'],
  ['another app (owner key)', { signer: new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKey: 'dingOTHERapp' }) }, 400, 'owner_key_mismatch'],
])('rejects %s and changes nothing', async (_n, opts, status, code) => {
  const stack = t;
  const before = await stack.countItems('DEDUPE#');
  const res = await push({ EventType: 'im_cool_app_install', eventId: `ev-bad-${code}-${seq}`, openConversationId: 'cidBad' }, opts);
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ code, message: expect.any(String) });
  expect(await stack.countItems('DEDUPE#')).toBe(before);
});

it('accepts a fresh timestamp in seconds too', async () => {
  const res = await push({ EventType: 'check_url' }, { ts: String(Math.floor(Date.now() / 1000)) });
  expect(res.status).toBe(200);
});

it('rejects non-JSON bodies, missing parameters, malformed signatures and unknown integrations', async () => {
  const bad = await fetch(`${t.url}/dingtalk/${ID}/events?${shapedQuery()}`, { method: 'POST', body: '<xml/>' });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { code: string }).code).toBe('invalid_json');
  const missing = await fetch(`${t.url}/dingtalk/${ID}/events?timestamp=1`, { method: 'POST', body: '{"encrypt":"x"}' });
  expect(((await missing.json()) as { code: string }).code).toBe('missing_parameter');
  for (const query of [`msg_signature=a&timestamp=${Date.now()}&nonce=n`, `msg_signature=${'a'.repeat(40)}&timestamp=1&nonce=n`]) {
    const malformed = await fetch(`${t.url}/dingtalk/${ID}/events?${query}`, { method: 'POST', body: '{"encrypt":"x"}' });
    expect(malformed.status).toBe(401);
    expect(await malformed.json()).toEqual(uniform401);
  }
  const unknown = await fetch(`${t.url}/dingtalk/nobody/events?${shapedQuery()}`, { method: 'POST', body: '{"encrypt":"x"}' });
  expect(unknown.status).toBe(401);
  expect(await unknown.json()).toEqual(uniform401);
});

it('treats a WeCom integration id on the DingTalk route as unknown: the same 401, nothing claimed, enqueued or registered', async () => {
  // A WeCom integration with the very token and AES key the request is signed with, so only the
  // platform check stands between this request and the queue.
  const WID = 'wecom-on-ding';
  await t.admin.addWeCom({ id: WID, corpId: 'wwdingmixup01', agentId: '1000009', apiBase: 'http://127.0.0.1:9', secret: 'wecom-secret', token: app.token, aesKey: app.aesKey });
  const signer = new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKey: 'wwdingmixup01' });
  const event = { EventType: 'im_cool_app_install', eventId: 'ev-wecom-id', EventTime: Date.now(), openConversationId: 'cidMixUp==', robotCode: app.clientId, coolAppCode: 'COOLAPP-X', title: 'mix-up' };
  const encrypt = signer.encrypt(JSON.stringify(event));
  const ts = String(Date.now());
  const sig = signer.signature(ts, 'nmix', encrypt);
  const query = `msg_signature=${sig}&timestamp=${ts}&nonce=nmix`;
  const dedupeBefore = await t.countItems('DEDUPE#');
  const inboundRuns = t.stack.pollers!.invocations['process-inbound'];

  const res = await fetch(`${t.url}/dingtalk/${WID}/events?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) });
  expect(res.status).toBe(401);
  const body = (await res.json()) as { code: string; message: string };
  // Uniform: exactly what an id that exists nowhere gets, and what a wrong signature gets; no id echoed.
  const nobody = await fetch(`${t.url}/dingtalk/nobody/events?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt }) });
  expect(nobody.status).toBe(401);
  expect(await nobody.json()).toEqual(body);
  expect(body).toEqual(uniform401);

  await new Promise((r) => setTimeout(r, 1500));
  expect(await t.countItems('DEDUPE#')).toBe(dedupeBefore);
  expect(t.stack.pollers!.invocations['process-inbound']).toBe(inboundRuns);
  expect(await t.drain(inboundUrl, 100)).toHaveLength(0);
  const registry = new DynamoGroupChatRegistry(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  expect(await registry.list(WID)).toEqual([]);
  expect(await registry.get(WID, 'cidMixUp==')).toBeUndefined();
});
