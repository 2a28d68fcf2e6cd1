import { DEMO_DINGTALK_GROUP_ID, createDingTalkModule } from '../../../sim/dingtalk';
import { demoDingTalkApp } from '../../../sim/seed';
import { GROUP_ID, appInput, makeContext, request } from './support';

describe('DingTalk sim: control API', () => {
  it('registers an app with PUT and applies the defaults (qps 20, quota 5000)', async () => {
    const sim = createDingTalkModule();
    const ctx = makeContext();
    const { clientId: _omitted, ...body } = appInput();
    const put = await sim.handleControl(request('PUT', '/_sim/dingtalk/apps/dingclient0001', body), ctx);
    expect(put).toMatchObject({ status: 200, body: { clientId: 'dingclient0001', corpId: 'dingcorp0001' } });
    expect(sim.usage('dingclient0001', ctx)).toMatchObject({ quota: 5000, metered: 0 });
    expect(sim.group(GROUP_ID)?.memberUserIds).toEqual(['alice', 'bob']);
  });

  it('rejects invalid apps with the issues listed', async () => {
    const sim = createDingTalkModule();
    const ctx = makeContext();
    const bad = await sim.handleControl(request('PUT', '/_sim/dingtalk/apps/dingclient0001', { ...appInput(), aesKey: 'short', token: 'x' }), ctx);
    expect(bad?.status).toBe(400);
    expect(JSON.stringify(bad?.body)).toMatch(/aesKey must be exactly 43/);
    expect(JSON.stringify(bad?.body)).toMatch(/token must be 3–32/);
    const mismatch = await sim.handleControl(request('PUT', '/_sim/dingtalk/apps/other', appInput()), ctx);
    expect(mismatch?.status).toBe(400);
    const noMobileCode = await sim.handleControl(request('PUT', '/_sim/dingtalk/apps/dingclient0001', { ...appInput(), users: [{ userId: 'u', name: 'U', mobile: '13800000000', email: 'u@x', unionId: 'un' }], groups: [] }), ctx);
    expect(JSON.stringify(noMobileCode?.body)).toMatch(/country code/);
  });

  it('creates custom robots, login codes, and 404s unknown apps and routes', async () => {
    const sim = createDingTalkModule();
    const ctx = makeContext();
    sim.registerApp(appInput());
    const robot = await sim.handleControl(request('POST', '/_sim/dingtalk/robots', { accessToken: 'tok', secret: 'SECx', openConversationId: GROUP_ID }), ctx);
    expect(robot?.body).toEqual({ webhookPath: '/robot/send?access_token=tok' });
    const unknownGroup = await sim.handleControl(request('POST', '/_sim/dingtalk/robots', { accessToken: 'tok', secret: 'SECx', openConversationId: 'cidNope' }), ctx);
    expect(unknownGroup?.status).toBe(404);
    const code = await sim.handleControl(request('POST', '/_sim/dingtalk/login-code', { clientId: 'dingclient0001', userId: 'alice' }), ctx);
    expect(code?.body).toEqual({ code: expect.any(String), expiresAt: ctx.clock.now() + 300_000 });
    expect((await sim.handleControl(request('POST', '/_sim/dingtalk/login-code', { clientId: 'dingclient0001', userId: 'ghost' }), ctx))?.status).toBe(404);
    expect((await sim.handleControl(request('GET', '/_sim/dingtalk/apps/nope/usage'), ctx))?.status).toBe(404);
    expect((await sim.handleControl(request('GET', '/_sim/dingtalk/whatever'), ctx))?.status).toBe(404);
    expect(await sim.handleControl(request('GET', '/_sim/wecom/apps'), ctx)).toBeUndefined();
  });

  it('uses the core directory users of the org as well as the app users', async () => {
    const sim = createDingTalkModule();
    const ctx = makeContext([{ userId: 'dave', name: 'Dave', mobile: '+86-13800000099', email: 'dave@example.com', unionId: 'unionDave' }]);
    sim.registerApp(appInput());
    const token = (await sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: 'dingclient0001', appSecret: 'client-secret-0001' }), ctx))?.body as { accessToken: string };
    const found = await sim.handle(request('POST', `/topapi/v2/user/getbymobile?access_token=${token.accessToken}`, { mobile: '13800000099' }), ctx);
    expect(found?.body).toMatchObject({ errcode: 0, result: { userid: 'dave' } });
  });
});

describe('DingTalk sim: demo seed and reset', () => {
  it('seeds the demo app with an on-call group and forgets everything on reset', async () => {
    const sim = createDingTalkModule();
    const ctx = makeContext();
    sim.seedDemo(ctx);
    const token = await sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: demoDingTalkApp.clientId, appSecret: demoDingTalkApp.clientSecret }), ctx);
    expect(token?.status).toBe(200);
    expect(sim.group(DEMO_DINGTALK_GROUP_ID)?.memberUserIds).toHaveLength(5);
    sim.reset();
    expect(sim.group(DEMO_DINGTALK_GROUP_ID)).toBeUndefined();
    const after = await sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: demoDingTalkApp.clientId, appSecret: demoDingTalkApp.clientSecret }), ctx);
    expect(after?.status).toBe(400);
  });
});
