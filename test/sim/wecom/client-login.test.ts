/**
 * "Inside the WeCom client": GET /_sim/wecom/client sets the signed-in member (cookie
 * sim_wecom_user) and opens the page; /connect/oauth2/authorize is then silent for snsapi_base
 * (immediate redirect with a code), and keeps the picker otherwise.
 */
import { agentId, corpId, Harness, startHarness } from './support';

describe('WeCom sim: pages opened inside the client', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.sim.stop());

  const redirect = 'http://127.0.0.1:8787/link/wecom';
  const authorize = (scope = 'snsapi_base') =>
    `${h.sim.url}/connect/oauth2/authorize?${new URLSearchParams({ appid: corpId, redirect_uri: redirect, response_type: 'code', scope, state: 's1', agentid: String(agentId) })}#wechat_redirect`;

  it('client sets the cookie and redirects to the page; unknown users and bad URLs are refused', async () => {
    const opened = await fetch(`${h.sim.url}/_sim/wecom/client?user=lisi&url=${encodeURIComponent('http://127.0.0.1:8787/link?x=1')}`, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('http://127.0.0.1:8787/link?x=1');
    expect(opened.headers.get('set-cookie')).toMatch(/^sim_wecom_user=lisi; Path=\//);
    expect((await fetch(`${h.sim.url}/_sim/wecom/client?user=ghost&url=${encodeURIComponent(redirect)}`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${h.sim.url}/_sim/wecom/client?user=lisi&url=javascript:alert(1)`, { redirect: 'manual' })).status).toBe(400);
    const signedOut = await fetch(`${h.sim.url}/_sim/wecom/client?user=&url=${encodeURIComponent(redirect)}`, { redirect: 'manual' });
    expect(signedOut.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });

  it('authorize redirects at once for a member in the client (snsapi_base) and the code logs that member in', async () => {
    const response = await fetch(authorize(), { redirect: 'manual', headers: { cookie: 'sim_wecom_user=LiSi' } });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('s1');
    expect(await h.api('auth/getuserinfo', undefined, { code: location.searchParams.get('code')! })).toMatchObject({ errcode: 0, userid: 'lisi' });
  });

  it('keeps the picker without the cookie, for a non-member, and for snsapi_privateinfo (manual consent)', async () => {
    expect((await fetch(authorize(), { redirect: 'manual' })).status).toBe(200);
    expect((await fetch(authorize(), { redirect: 'manual', headers: { cookie: 'sim_wecom_user=ghost' } })).status).toBe(200);
    expect((await fetch(authorize('snsapi_privateinfo'), { redirect: 'manual', headers: { cookie: 'sim_wecom_user=lisi' } })).status).toBe(200);
  });
});
