import { agentId, corpId, Harness, startHarness } from './support';

describe('wecom users and OAuth', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ trustedDomain: 'ops.example.com:8443' });
  });
  afterEach(async () => h.sim.stop());

  it('looks users up by mobile (with or without +86), email and userid', async () => {
    expect(await h.api('user/getuserid', { mobile: '13900000001' })).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    expect(await h.api('user/getuserid', { mobile: '+86-13900000002' })).toMatchObject({ errcode: 0, userid: 'lisi' });
    expect(await h.api('user/getuserid', { mobile: '+852-61234567' })).toMatchObject({ errcode: 0, userid: 'carol' });
    expect((await h.api('user/getuserid', { mobile: '13000000000' })).errcode).toBe(46004);
    expect((await h.api('user/getuserid', {})).errcode).toBe(40058);
    expect(await h.api('user/get_userid_by_email', { email: 'LISI@example.com' })).toMatchObject({ errcode: 0, userid: 'lisi' });
    expect((await h.api('user/get_userid_by_email', { email: 'x@example.com' })).errcode).toBe(46004);
    expect((await h.api('user/get_userid_by_email', { email: 'lisi@example.com', email_type: 3 })).errcode).toBe(40058);
    expect(await h.api('user/get', undefined, { userid: 'carol' })).toMatchObject({ errcode: 0, userid: 'carol', name: 'Carol Wu', mobile: '+852-61234567' });
    expect((await h.api('user/get', undefined, { userid: 'ghost' })).errcode).toBe(60111);
  });

  it('logs a member in through authorize → redirect with code → auth/getuserinfo (single use)', async () => {
    const redirect = 'https://ops.example.com:8443/login/wecom';
    const query = new URLSearchParams({ appid: corpId, redirect_uri: redirect, response_type: 'code', scope: 'snsapi_base', state: 'abc123', agentid: String(agentId) });
    const picker = await fetch(`${h.sim.url}/connect/oauth2/authorize?${query}`, { redirect: 'manual' });
    expect(picker.status).toBe(200);
    expect(await picker.text()).toContain('sim_userid=lisi');
    query.set('sim_userid', 'lisi');
    const response = await fetch(`${h.sim.url}/connect/oauth2/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirect);
    expect(location.searchParams.get('state')).toBe('abc123');
    const code = location.searchParams.get('code')!;
    expect(await h.api('auth/getuserinfo', undefined, { code })).toMatchObject({ errcode: 0, userid: 'lisi' });
    expect((await h.api('auth/getuserinfo', undefined, { code })).errcode).toBe(40029);
  });

  it('expires OAuth codes after 5 minutes and checks the trusted domain (50001)', async () => {
    const login = await h.control('POST', '/_sim/wecom/oauth/login', { corpId, userId: 'zhangsan', redirectUri: 'https://ops.example.com:8443/cb', state: 's' });
    expect(login.status).toBe(200);
    h.sim.clock.advance(5 * 60_000);
    expect((await h.api('auth/getuserinfo', undefined, { code: login.body.code })).errcode).toBe(40029);
    const wrongHost = await h.control('POST', '/_sim/wecom/oauth/login', { corpId, userId: 'zhangsan', redirectUri: 'https://ops.example.com/cb' });
    expect(wrongHost.body.errcode).toBe(50001);
    const badState = new URLSearchParams({ appid: corpId, redirect_uri: 'https://ops.example.com:8443/cb', response_type: 'code', scope: 'snsapi_base', state: 'no spaces', sim_userid: 'lisi' });
    expect((await fetch(`${h.sim.url}/connect/oauth2/authorize?${badState}`, { redirect: 'manual' })).status).toBe(400);
  });
});
