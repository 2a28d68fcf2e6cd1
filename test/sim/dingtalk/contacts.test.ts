/**
 * Contacts lookups for account linking: topapi/v2/user/get (with and without the contacts
 * permission, switch contactsReadable) and topapi/user/getbyunionid.
 */
import { makeHarness, request } from './support';

describe('DingTalk sim: contacts for account linking', () => {
  it('user/get answers the user detail with mobile (without the country code) and email', async () => {
    const h = makeHarness();
    const response = await h.oapi('/topapi/v2/user/get', { userid: 'alice', language: 'zh_CN' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      errcode: 0,
      errmsg: 'ok',
      result: { userid: 'alice', name: 'Alice Chen', mobile: '13800000004', state_code: '86', email: 'alice@example.com', unionid: 'unionAlice', active: true },
    });
    const carol = await h.oapi('/topapi/v2/user/get', { userid: 'carol' });
    expect(carol.body).toMatchObject({ result: { mobile: '4155550100', state_code: '1' } });
    expect(h.ctx.records.at(-1)).toMatchObject({ endpoint: 'topapi/v2/user/get', resultCode: 0, metered: false });
  });

  it('user/get answers 60121 for an unknown user, 40035 without userid, 400002 for an unknown field or language', async () => {
    const h = makeHarness();
    expect((await h.oapi('/topapi/v2/user/get', { userid: 'ghost' })).body).toMatchObject({ errcode: 60121, errmsg: '找不到该用户' });
    expect((await h.oapi('/topapi/v2/user/get', {})).body).toMatchObject({ errcode: 40035 });
    expect((await h.oapi('/topapi/v2/user/get', { userid: 'alice', userId: 'alice' })).body).toMatchObject({ errcode: 400002 });
    expect((await h.oapi('/topapi/v2/user/get', { userid: 'alice', language: 'fr' })).body).toMatchObject({ errcode: 400002 });
    const noToken = await h.sim.handle(request('POST', '/topapi/v2/user/get', { userid: 'alice' }), h.ctx);
    expect(noToken?.body).toMatchObject({ errcode: 40014 });
  });

  it('contactsReadable=false leaves mobile and email out, for all apps or for one app', async () => {
    const h = makeHarness();
    h.sim.setSwitches({ contactsReadable: false });
    const hidden = (await h.oapi('/topapi/v2/user/get', { userid: 'alice' })).body as { result: Record<string, unknown> };
    expect(hidden.result).toMatchObject({ userid: 'alice', unionid: 'unionAlice' });
    expect(hidden.result).not.toHaveProperty('mobile');
    expect(hidden.result).not.toHaveProperty('email');
    expect(h.ctx.records.at(-1)?.reason).toMatch(/contacts permission/);

    h.sim.setSwitches({ contactsReadable: true });
    h.sim.setSwitches({ contactsReadable: { dingclient0001: false } });
    const snapshot = await h.sim.handleControl(request('GET', '/_sim/dingtalk/switches'), h.ctx);
    expect(snapshot?.body).toMatchObject({ contactsReadable: true, contactsReadableByApp: { dingclient0001: false } });
    expect(((await h.oapi('/topapi/v2/user/get', { userid: 'bob' })).body as { result: object }).result).not.toHaveProperty('mobile');
    h.sim.setSwitches({ contactsReadable: { dingclient0001: true } });
    expect((await h.oapi('/topapi/v2/user/get', { userid: 'bob' })).body).toMatchObject({ result: { mobile: '13800000005' } });
    const bad = await h.sim.handleControl(request('PUT', '/_sim/dingtalk/switches', { contactsReadable: 'no' }), h.ctx);
    expect(bad?.status).toBe(400);
  });

  it('getbyunionid maps a unionid to the userid, 60121 when unknown', async () => {
    const h = makeHarness();
    expect((await h.oapi('/topapi/user/getbyunionid', { unionid: 'unionBob' })).body).toMatchObject({ errcode: 0, result: { contact_type: 0, userid: 'bob' } });
    expect((await h.oapi('/topapi/user/getbyunionid', { unionid: 'nobody' })).body).toMatchObject({ errcode: 60121 });
    expect((await h.oapi('/topapi/user/getbyunionid', {})).body).toMatchObject({ errcode: 40035 });
  });

  it('injected faults apply to the contacts endpoints like to the others', async () => {
    const h = makeHarness();
    h.ctx.faultRegistry.add({ platform: 'dingtalk', endpoint: 'topapi/v2/user/get', kind: 'http500', nextN: 1 });
    const failed = await h.oapi('/topapi/v2/user/get', { userid: 'alice' });
    expect(failed.status).toBe(500);
    expect((await h.oapi('/topapi/v2/user/get', { userid: 'alice' })).body).toMatchObject({ errcode: 0 });
  });
});
