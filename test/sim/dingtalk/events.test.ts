import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DingTalkCrypto } from '../../../shared/crypto';
import { judgeSuccessAnswer } from '../../../sim/dingtalk';
import { COOL_GROUP_ID, GROUP_ID, LocalServer, appInput, makeHarness, request, startServer } from './support';

const app = appInput();
const dutybridgeCrypto = new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKey: app.clientId });
const options = { eventRetryDelaysMs: [20, 40], eventDeadlineMs: 300 };

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function decryptPush(entry: { url: string; body: string }): Record<string, unknown> {
  const query = new URL(entry.url, 'http://x').searchParams;
  const { encrypt } = JSON.parse(entry.body) as { encrypt: string };
  expect(query.get('msg_signature')).toBe(query.get('signature'));
  const text = dutybridgeCrypto.decryptEvent({ signature: query.get('msg_signature') ?? '', timestamp: query.get('timestamp') ?? '', nonce: query.get('nonce') ?? '', encrypt });
  return JSON.parse(text) as Record<string, unknown>;
}

async function harnessAnswering(answer: Parameters<typeof startServer>[0]) {
  server = await startServer(answer);
  return makeHarness({ eventsUrl: `${server.url}/dingtalk/events` }, options);
}

const json = (body: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(typeof body === 'function' ? JSON.stringify((body as () => unknown)()) : JSON.stringify(body));
};

describe('DingTalk sim: HTTP-push events', () => {
  it('passes check_url answered with the exact encrypted success map', async () => {
    const h = await harnessAnswering(json(() => dutybridgeCrypto.successResponse()));
    const report = await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'check_url' }, h.ctx);
    expect(report.outcome).toBe('delivered');
    expect(report.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 200, passed: true })]);
    expect(decryptPush(server!.received[0]!)).toEqual({ EventType: 'check_url' });
    expect(server!.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('fails an answer encrypted with the corpId as owner key and retries twice with the configured delays', async () => {
    const wrongOwner = new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKey: app.corpId });
    const h = await harnessAnswering(json(() => wrongOwner.successResponse()));
    const report = await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'check_url' }, h.ctx);
    expect(report.outcome).toBe('failed');
    expect(report.attempts).toHaveLength(3);
    expect(report.attempts[0]?.why).toMatch(/owner key dingclient0001/);
    expect(report.attempts[2]!.afterMs).toBeGreaterThanOrEqual(60);
    expect(server!.received).toHaveLength(3);
    expect(h.ctx.records.filter((record) => record.endpoint === 'push:event/check_url').map((record) => record.resultCode)).toEqual(['fail', 'fail', 'fail']);
  });

  it.each([
    ['lower-cased timestamp key', () => {
      const { timeStamp, ...rest } = dutybridgeCrypto.successResponse();
      return { ...rest, timestamp: timeStamp };
    }, /exactly msg_signature, timeStamp/],
    ['a 3-digit timeStamp', () => dutybridgeCrypto.encryptedMap('success', '749', 'abcdefgh'), /timeStamp "749"/],
    ['a bad signature', () => ({ ...dutybridgeCrypto.successResponse(), msg_signature: '0'.repeat(40) }), /msg_signature is not/],
    ['a non-success plaintext', () => dutybridgeCrypto.encryptedMap('ok', String(Date.now()), 'abcdefgh'), /not "success"/],
  ])('fails an answer with %s', async (_name, body, why) => {
    const h = await harnessAnswering(json(body));
    const report = await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'check_url' }, h.ctx);
    expect(report.outcome).toBe('failed');
    expect(report.attempts[0]?.why).toMatch(why);
  });

  it('fails a plain-text "success" and a slow answer, and succeeds on a retry', async () => {
    let calls = 0;
    const h = await harnessAnswering(async (_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.end('success');
        return;
      }
      if (calls === 2) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (!res.destroyed) res.end('late');
        return;
      }
      json(() => dutybridgeCrypto.successResponse())(undefined, res);
    });
    const report = await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'check_url' }, h.ctx);
    expect(report.attempts.map((attempt) => attempt.why ?? 'ok')).toEqual(['answer is not a JSON object', 'no answer within 300 ms', 'ok']);
    expect(report.outcome).toBe('delivered');
  });

  it('sends chat_disband with camelCase fields, EventType and eventId, and disbands the group', async () => {
    const h = await harnessAnswering(json(() => dutybridgeCrypto.successResponse()));
    const report = await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'chat_disband', openConversationId: GROUP_ID, operator: 'alice' }, h.ctx);
    const payload = decryptPush(server!.received[0]!);
    expect(payload).toMatchObject({ EventType: 'chat_disband', eventId: report.eventId, corpId: 'dingcorp0001', openConversationId: GROUP_ID, operator: 'alice', chatId: expect.any(String) });
    const send = await h.api('POST', '/v1.0/robot/groupMessages/send', { robotCode: 'dingclient0001', openConversationId: GROUP_ID, msgKey: 'sampleText', msgParam: '{"content":"x"}' });
    expect(send.body.code).toBe('group.disbanded');
  });

  it('im_cool_app_install makes coolAppCode mandatory; uninstall lifts it; chat_update_title renames', async () => {
    const h = await harnessAnswering(json(() => dutybridgeCrypto.successResponse()));
    await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'im_cool_app_install', openConversationId: GROUP_ID, operator: 'bob', coolAppCode: 'COOLAPP-9' }, h.ctx);
    expect(decryptPush(server!.received[0]!)).toMatchObject({ EventType: 'im_cool_app_install', coolAppCode: 'COOLAPP-9', robotCode: 'dingclient0001', openConversationCorpId: 'dingcorp0001' });
    const body = { robotCode: 'dingclient0001', openConversationId: GROUP_ID, msgKey: 'sampleText', msgParam: '{"content":"x"}' };
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', body)).body.code).toBe('invalidParameter.robotCode.coolApp');
    await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'im_cool_app_uninstall', openConversationId: GROUP_ID, operator: 'bob', coolAppCode: 'COOLAPP-9' }, h.ctx);
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', body)).status).toBe(200);
    await h.sim.sendEvent({ clientId: 'dingclient0001', eventType: 'chat_update_title', openConversationId: COOL_GROUP_ID, operator: 'carol', title: 'Renamed' }, h.ctx);
    expect(h.sim.group(COOL_GROUP_ID)?.title).toBe('Renamed');
    expect(decryptPush(server!.received[2]!)).toMatchObject({ EventType: 'chat_update_title', title: 'Renamed', operatorUnionId: 'unionCarol' });
  });

  it('the control route answers after the first attempt and GET shows the final outcome', async () => {
    const h = await harnessAnswering((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const first = await h.sim.handleControl(request('POST', '/_sim/dingtalk/events', { clientId: 'dingclient0001', eventType: 'check_url' }), h.ctx);
    const started = first?.body as { eventId: string; outcome: string; attempts: unknown[] };
    expect(started.outcome).toBe('pending');
    expect(started.attempts).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = await h.sim.handleControl(request('GET', `/_sim/dingtalk/events/${started.eventId}`), h.ctx);
    expect(later?.body).toMatchObject({ outcome: 'failed', attempts: [{ why: 'HTTP 500, expected 200' }, {}, {}] });
    const invalid = await h.sim.handleControl(request('POST', '/_sim/dingtalk/events', { clientId: 'dingclient0001', eventType: 'chat_disband' }), h.ctx);
    expect(invalid?.status).toBe(400);
  });
});

describe('judgeSuccessAnswer', () => {
  const vectors = JSON.parse(readFileSync(join(__dirname, '../../fixtures/vectors/dingtalk.json'), 'utf8')) as Record<string, Record<string, string>>;
  const v2 = vectors.responseSuccess13DigitTs as Record<string, string>;
  const crypto = new DingTalkCrypto({ token: v2.token!, aesKey: v2.aesKey!, ownerKey: v2.ownerKey! });
  const answer = { msg_signature: v2.signature, timeStamp: v2.timestamp, nonce: v2.nonce, encrypt: v2.encrypt };

  it('accepts the official success vector', () => {
    expect(judgeSuccessAnswer(200, JSON.stringify(answer), crypto, v2.ownerKey!)).toBeUndefined();
  });

  it('rejects it with line breaks in encrypt or a different owner key', () => {
    const broken = { ...answer, encrypt: `${answer.encrypt!.slice(0, 40)}\n${answer.encrypt!.slice(40)}` };
    expect(judgeSuccessAnswer(200, JSON.stringify(broken), crypto, v2.ownerKey!)).toMatch(/single-line/);
    const otherOwner = new DingTalkCrypto({ token: v2.token!, aesKey: v2.aesKey!, ownerKey: 'ding' });
    expect(judgeSuccessAnswer(200, JSON.stringify(answer), otherOwner, 'ding')).toMatch(/owner key ding/);
  });
});
