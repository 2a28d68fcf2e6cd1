import { createHmac } from 'node:crypto';
import { GROUP_ID, makeHarness, request } from './support';

function robotUrl(token: string, timestamp: number | string, secret: string, encode = true): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return `/robot/send?access_token=${token}&timestamp=${timestamp}&sign=${encode ? encodeURIComponent(sign) : sign}`;
}

describe('DingTalk sim: contacts and login (oapi)', () => {
  it('getbymobile finds active users with and without the +86 prefix', async () => {
    const h = makeHarness();
    expect((await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13800000004' })).body).toMatchObject({ errcode: 0, errmsg: 'ok', result: { userid: 'alice' } });
    expect((await h.oapi('/topapi/v2/user/getbymobile', { mobile: '+1-4155550100' })).body).toMatchObject({ errcode: 0, result: { userid: 'carol' } });
    expect((await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13900000000' })).body).toMatchObject({ errcode: 60121 });
    expect((await h.oapi('/topapi/v2/user/getbymobile', { mobile: 'abc' })).body).toMatchObject({ errcode: 40104 });
  });

  it('rejects a missing access_token with 40014 (HTTP 200)', async () => {
    const h = makeHarness();
    const response = await h.sim.handle(request('POST', '/topapi/v2/user/getbymobile', { mobile: '13800000004' }), h.ctx);
    expect(response?.status).toBe(200);
    expect(response?.body).toMatchObject({ errcode: 40014 });
  });

  it('getuserinfo accepts a login code once, within 5 minutes, for the app it was issued to', async () => {
    const h = makeHarness();
    const issued = await h.sim.handleControl(request('POST', '/_sim/dingtalk/login-code', { clientId: 'dingclient0001', userId: 'bob' }), h.ctx);
    const { code } = issued?.body as { code: string };
    const first = await h.oapi('/topapi/v2/user/getuserinfo', { code });
    expect(first.body).toMatchObject({ errcode: 0, result: { userid: 'bob', unionid: 'unionBob', name: 'Bob Smith' } });
    const second = await h.oapi('/topapi/v2/user/getuserinfo', { code });
    expect(second.body).toMatchObject({ errcode: 40078 });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/single use/);

    const late = h.sim.issueLoginCode('dingclient0001', 'alice', h.ctx);
    h.ctx.clock.advance(5 * 60_000);
    expect((await h.oapi('/topapi/v2/user/getuserinfo', { code: late.code })).body).toMatchObject({ errcode: 40078 });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/expired/);
  });
});

describe('DingTalk sim: custom group robot', () => {
  const secret = 'SECabc123';
  const text = (content: string, at: Record<string, unknown> = {}) => ({ msgtype: 'text', text: { content }, at });

  function setup() {
    const h = makeHarness();
    h.sim.createCustomRobot({ accessToken: 'robotToken1', secret, openConversationId: GROUP_ID });
    return h;
  }

  it('accepts a correctly signed message and highlights @mobiles present in the text', async () => {
    const h = setup();
    const response = await h.sim.handle(request('POST', robotUrl('robotToken1', h.ctx.clock.now(), secret), text('DB down @13800000004 @bob', { atMobiles: ['13800000004'], atUserIds: ['bob', 'carol'] })), h.ctx);
    expect(response?.body).toMatchObject({ errcode: 0, errmsg: 'ok' });
    expect(h.ctx.delivered.at(-1)).toMatchObject({ conversation: `group:${GROUP_ID}`, kind: 'text', mentions: ['bob', 'alice'] });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/@carol is not a member/);
  });

  it("shows a non-member's @mobile masked instead of refusing the message", async () => {
    const h = setup();
    const response = await h.sim.handle(request('POST', robotUrl('robotToken1', h.ctx.clock.now(), secret), text('DB down @13911112222', { atMobiles: ['13911112222'] })), h.ctx);
    expect(response?.body).toMatchObject({ errcode: 0 });
    expect(h.ctx.delivered.at(-1)).toMatchObject({ text: 'DB down @139****2222', mentions: [] });
  });

  it('answers 310000 for a sign that was not URL-encoded, a missing sign and a stale timestamp', async () => {
    const h = setup();
    // Find a timestamp whose base64 sign contains "+", which an un-encoded query turns into " ".
    let ts = h.ctx.clock.now();
    while (!createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64').includes('+')) ts += 1;
    const raw = await h.sim.handle(request('POST', robotUrl('robotToken1', ts, secret, false), text('x')), h.ctx);
    expect(raw?.body).toMatchObject({ errcode: 310000, errmsg: 'sign not match' });
    const missing = await h.sim.handle(request('POST', '/robot/send?access_token=robotToken1', text('x')), h.ctx);
    expect(missing?.body).toMatchObject({ errcode: 310000 });
    const stale = await h.sim.handle(request('POST', robotUrl('robotToken1', h.ctx.clock.now() - 3600_001, secret), text('x')), h.ctx);
    expect(stale?.body).toMatchObject({ errcode: 310000, errmsg: 'invalid timestamp' });
    expect(h.ctx.delivered).toHaveLength(0);
  });

  it('blocks a robot for 10 minutes after 20 messages in a minute (410100)', async () => {
    const h = setup();
    const send = async () => (await h.sim.handle(request('POST', robotUrl('robotToken1', h.ctx.clock.now(), secret), text('x')), h.ctx))?.body as { errcode: number };
    for (let i = 0; i < 20; i += 1) {
      expect((await send()).errcode).toBe(0);
      h.ctx.clock.advance(1000);
    }
    expect((await send()).errcode).toBe(410100);
    h.ctx.clock.advance(9 * 60_000);
    expect((await send()).errcode).toBe(410100);
    h.ctx.clock.advance(60_000);
    expect((await send()).errcode).toBe(0);
  });

  it('rejects unknown tokens, a wrong content type, an unsupported msgtype and a disbanded group', async () => {
    const h = setup();
    const now = h.ctx.clock.now();
    expect((await h.sim.handle(request('POST', robotUrl('nope', now, secret), text('x')), h.ctx))?.body).toMatchObject({ errcode: 400101 });
    expect((await h.sim.handle(request('POST', robotUrl('robotToken1', now, secret), JSON.stringify(text('x')), { 'content-type': 'text/plain' }), h.ctx))?.body).toMatchObject({ errcode: 43004 });
    expect((await h.sim.handle(request('POST', robotUrl('robotToken1', now, secret), { msgtype: 'image', image: {} }), h.ctx))?.body).toMatchObject({ errcode: 400105 });
    const link = await h.sim.handle(request('POST', robotUrl('robotToken1', now, secret), { msgtype: 'link', link: { title: 't', text: 'x', messageUrl: 'https://x' }, at: { atUserIds: ['alice'] } }), h.ctx);
    expect(link?.body).toMatchObject({ errcode: 0 });
    expect(h.ctx.delivered.at(-1)?.mentions).toEqual([]);
    expect(h.ctx.records.at(-1)?.reason).toMatch(/cannot @/);
  });
});
