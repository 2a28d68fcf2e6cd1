import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WeComCrypto } from '../../shared/crypto';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { startTestStack, type TestStack } from '../support/stack';

const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/vectors/wecom.json'), 'utf8'));
const v = vectors.verifyUrl;
const m = vectors.decryptMessage;

const ID = 'wecom-vectors';
let t: TestStack;
let inboundUrl: string;

beforeAll(async () => {
  t = await startTestStack();
  inboundUrl = t.queueUrl('inbound-callbacks');
  await t.admin.addWeCom({
    id: ID,
    corpId: v.receiveid,
    agentId: '218',
    apiBase: 'http://127.0.0.1:9',
    secret: 'not-used-here',
    token: v.token,
    aesKey: v.encodingAESKey,
  });
});
afterAll(async () => t.stop());
beforeEach(async () => t.purge(inboundUrl));

const crypto = () => new WeComCrypto({ token: v.token, encodingAesKey: v.encodingAESKey, receiveId: v.receiveid });
/** WeCom timestamps are epoch seconds; more than 10 minutes from now is refused. */
const nowTs = (offsetSeconds = 0) => String(Math.floor(Date.now() / 1000) + offsetSeconds);
/** The official vector's URL verification, signed again with a fresh timestamp (its own is from 2014). */
const freshVerifyQuery = (ts = nowTs(), echostr = encodeURIComponent(v.echostr)) =>
  `msg_signature=${crypto().signature(ts, v.nonce, v.echostr)}&timestamp=${ts}&nonce=${v.nonce}&echostr=${echostr}`;
const uniform401 = { code: 'unauthorized', message: 'the request could not be authenticated' };

function cardEventXml(overrides: Partial<Record<string, string>> = {}): string {
  const f = { from: 'zhangwei', time: '1700000000', key: 'ack', task: 'inc-1-wecom', code: 'RC-1', ...overrides };
  return (
    `<xml><ToUserName><![CDATA[${v.receiveid}]]></ToUserName><FromUserName><![CDATA[${f.from}]]></FromUserName>` +
    `<CreateTime>${f.time}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>` +
    `<EventKey><![CDATA[${f.key}]]></EventKey><TaskId><![CDATA[${f.task}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
    `<ResponseCode><![CDATA[${f.code}]]></ResponseCode><AgentID>218</AgentID>` +
    `<SelectedItems><SelectedItem><QuestionKey><![CDATA[q1]]></QuestionKey><OptionIds><OptionId><![CDATA[o1]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>`
  );
}

async function post(body: string, query: string, contentType = 'text/xml'): Promise<Response> {
  return fetch(`${t.url}/wecom/${ID}/callback?${query}`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

function signedPost(xml: string, nonce = 'n1', timestamp = nowTs()) {
  const { body, msgSignature } = crypto().encryptCallback(xml, { toUserName: v.receiveid, agentId: '218', timestamp, nonce });
  return { body, query: `msg_signature=${msgSignature}&timestamp=${timestamp}&nonce=${nonce}` };
}

describe('GET URL verification', () => {
  it('answers the official vector (re-signed with a fresh timestamp) with the bare echostr (no quotes, BOM or newline)', async () => {
    const res = await fetch(`${t.url}/wecom/${ID}/callback?${freshVerifyQuery()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.toString('utf8')).toBe(v.expectedReply);
    expect(bytes.length).toBe(Buffer.byteLength(v.expectedReply));
  });

  it('refuses the official vector as it is: its timestamp (2014) is more than 10 minutes from now', async () => {
    const res = await fetch(`${t.url}/wecom/${ID}/callback?${v.rawRequest.split('?')[1].split(' ')[0]}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'stale_timestamp', message: expect.any(String) });
  });

  it.each([
    ['11 minutes old', -660],
    ['11 minutes ahead', 660],
  ])('refuses a correctly signed verification %s with 401 stale_timestamp', async (_n, offset) => {
    const res = await fetch(`${t.url}/wecom/${ID}/callback?${freshVerifyQuery(nowTs(offset))}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'stale_timestamp', message: expect.any(String) });
    // 9 minutes either way is still accepted.
    expect((await fetch(`${t.url}/wecom/${ID}/callback?${freshVerifyQuery(nowTs(Math.sign(offset) * 540))}`)).status).toBe(200);
  });

  it('decodes the query exactly once: a double-encoded echostr fails the signature', async () => {
    const twice = freshVerifyQuery(nowTs(), encodeURIComponent(encodeURIComponent(v.echostr)));
    const res = await fetch(`${t.url}/wecom/${ID}/callback?${twice}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(uniform401);
  });

  it('rejects a wrong signature with 401 JSON and no stack trace', async () => {
    const res = await fetch(`${t.url}/wecom/${ID}/callback?msg_signature=${'0'.repeat(40)}&timestamp=${nowTs()}&nonce=${v.nonce}&echostr=${encodeURIComponent(v.echostr)}`);
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual(uniform401);
    expect(body).not.toMatch(/at .*\.ts|Error:/);
  });

  it.each([
    ['a signature that is not 40 hex characters', `msg_signature=${'z'.repeat(40)}&timestamp=${nowTs()}&nonce=n&echostr=e`],
    ['a timestamp that is not epoch seconds or milliseconds', `msg_signature=${'0'.repeat(40)}&timestamp=17000&nonce=n&echostr=e`],
  ])('refuses %s with the uniform 401 before looking anything up', async (_n, query) => {
    const commands: string[] = [];
    const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      commands.push(String(context.commandName));
      return next(args);
    };
    getDocumentClient().middlewareStack.add(middleware as never, { step: 'initialize', name: 'countShapeReads' });
    try {
      // An id never seen, so the integration cache cannot be what answers.
      const res = await fetch(`${t.url}/wecom/never-seen-${Date.now()}/callback?${query}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(uniform401);
    } finally {
      getDocumentClient().middlewareStack.remove('countShapeReads');
    }
    expect(commands).toEqual([]);
  });

  it('a warm invocation reads no secret and no integration (Powertools Parameters cache)', async () => {
    const query = freshVerifyQuery();
    expect((await fetch(`${t.url}/wecom/${ID}/callback?${query}`)).status).toBe(200); // warm-up
    const commands: string[] = [];
    const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      commands.push(String(context.commandName));
      return next(args);
    };
    getSecretsManagerClient().middlewareStack.add(middleware as never, { step: 'initialize', name: 'countSecretsCalls' });
    getDocumentClient().middlewareStack.add(middleware as never, { step: 'initialize', name: 'countDynamoCalls' });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${t.url}/wecom/${ID}/callback?${query}`)).status).toBe(200);
    } finally {
      getSecretsManagerClient().middlewareStack.remove('countSecretsCalls');
      getDocumentClient().middlewareStack.remove('countDynamoCalls');
    }
    expect(commands).toEqual([]);
  });

  it('answers 400 for missing parameters, and an unknown integration exactly like a wrong signature (401, id not echoed)', async () => {
    expect((await fetch(`${t.url}/wecom/${ID}/callback?timestamp=1`)).status).toBe(400);
    const res = await fetch(`${t.url}/wecom/no-such-integration/callback?${freshVerifyQuery()}`);
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual(uniform401);
    expect(body).not.toContain('no-such-integration');
  });
});

describe('POST events', () => {
  it('enqueues a template_card_event once, keeping ids as strings and selections as arrays', async () => {
    const { body, query } = signedPost(cardEventXml());
    const res = await post(body, query);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const messages = await t.drain(inboundUrl);
    expect(messages).toHaveLength(1);
    const message = JSON.parse(messages[0].Body!);
    expect(message).toMatchObject({
      kind: 'wecom.event',
      integrationId: ID,
      event: {
        event: 'template_card_event',
        fromUserName: 'zhangwei',
        createTime: '1700000000',
        eventKey: 'ack',
        taskId: 'inc-1-wecom',
        responseCode: 'RC-1',
        selectedItems: [{ questionKey: 'q1', optionIds: ['o1'] }],
      },
    });
  });

  it('turns three deliveries of the same callback (WeCom retries) into one queue message', async () => {
    const xml = cardEventXml({ time: '1700000100', code: 'RC-2' });
    for (let i = 0; i < 3; i++) {
      // WeCom re-signs each retry with a fresh nonce; the event itself is the same.
      const { body, query } = signedPost(xml, `retry${i}`);
      expect((await post(body, query)).status).toBe(200);
    }
    expect(await t.drain(inboundUrl)).toHaveLength(1);
  });

  it('records and ignores messages and unknown events (the official text-message vector)', async () => {
    // Re-signed with a fresh timestamp (the vector's own is from 2014).
    const ts = nowTs();
    const res = await post(m.postBody, `msg_signature=${crypto().signature(ts, m.nonce, m.encrypt)}&timestamp=${ts}&nonce=${m.nonce}`);
    expect(res.status).toBe(200);
    expect(await t.drain(inboundUrl)).toHaveLength(0);
  });

  it('accepts the JSON envelope {"encrypt": ...}', async () => {
    const xml = cardEventXml({ time: '1700000200' });
    const ts = nowTs();
    const encrypt = crypto().encrypt(xml);
    const sig = crypto().signature(ts, 'nj', encrypt);
    const res = await post(JSON.stringify({ tousername: v.receiveid, encrypt, agentid: 218 }), `msg_signature=${sig}&timestamp=${ts}&nonce=nj`, 'application/json');
    expect(res.status).toBe(200);
    expect(await t.drain(inboundUrl)).toHaveLength(1);
  });

  const rejections: [string, () => { body: string; query: string }, number, string][] = [
    ['a wrong signature', () => ({ ...signedPost(cardEventXml()), query: `msg_signature=${'a'.repeat(40)}&timestamp=${nowTs()}&nonce=n` }), 401, 'unauthorized'],
    ['a timestamp 11 minutes old', () => signedPost(cardEventXml({ time: '1700000300' }), 'n1', nowTs(-660)), 401, 'stale_timestamp'],
    ['a timestamp 11 minutes ahead', () => signedPost(cardEventXml({ time: '1700000301' }), 'n1', nowTs(660)), 401, 'stale_timestamp'],
    ['a body that is not XML or JSON', () => ({ body: 'hello', query: `msg_signature=${'a'.repeat(40)}&timestamp=${nowTs()}&nonce=n` }), 400, 'unsupported_body'],
    [
      'an XXE payload in the envelope',
      () => ({ body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>', query: `msg_signature=${'a'.repeat(40)}&timestamp=${nowTs()}&nonce=n` }),
      400,
      'invalid_xml',
    ],
    [
      'an XXE payload inside the ciphertext',
      () => signedPost('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><xml><ToUserName>x</ToUserName><FromUserName>&a;</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>'),
      400,
      'invalid_xml',
    ],
    ['missing parameters', () => ({ body: signedPost(cardEventXml()).body, query: 'timestamp=1' }), 400, 'missing_parameter'],
    [
      'a message encrypted for another CorpID',
      () => {
        const other = new WeComCrypto({ token: v.token, encodingAesKey: v.encodingAESKey, receiveId: 'ww0000000000000000' });
        const ts = nowTs();
        const { body, msgSignature } = other.encryptCallback(cardEventXml(), { toUserName: 'x', timestamp: ts, nonce: 'n' });
        return { body, query: `msg_signature=${msgSignature}&timestamp=${ts}&nonce=n` };
      },
      400,
      'receiveid_mismatch',
    ],
  ];

  it.each(rejections)('rejects %s with a clear 4xx and enqueues nothing', async (_name, make, status, code) => {
    const { body, query } = make();
    const res = await post(body, query);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ code, message: expect.any(String) });
    expect(await t.drain(inboundUrl, 100)).toHaveLength(0);
  });

  it('refuses a body over 64 KB with 413', async () => {
    const res = await post(`<xml><Encrypt>${'A'.repeat(70 * 1024)}</Encrypt></xml>`, 'msg_signature=x&timestamp=1&nonce=n');
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
  });
});
