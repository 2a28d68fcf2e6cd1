/**
 * DingTalk browser OAuth over HTTP: /oauth2/auth (picker or the in-client cookie) → redirect
 * with code=authCode → /v1.0/oauth2/userAccessToken (SDK model, single-use 5-minute codes) →
 * /v1.0/contact/users/me with the user token (mobile/email only with contactsReadable).
 */
import { createSimulator, Simulator } from '../../../sim/server';
import { demoDingTalkApp } from '../../../sim/seed';

const REDIRECT = 'http://127.0.0.1:8787/link/dingtalk/callback';

describe('DingTalk sim: browser OAuth (login.dingtalk.com)', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ port: 0, seed: true });
  });
  afterEach(async () => sim.stop());

  const authUrl = (params: Record<string, string> = {}) =>
    `${sim.url}/oauth2/auth?${new URLSearchParams({ redirect_uri: REDIRECT, response_type: 'code', client_id: demoDingTalkApp.clientId, scope: 'openid corpid', state: 'xyz', prompt: 'consent', ...params })}`;

  async function codeFor(userId: string, viaCookie = false): Promise<string> {
    const response = viaCookie
      ? await fetch(authUrl(), { redirect: 'manual', headers: { cookie: `sim_dingtalk_user=${userId}` } })
      : await fetch(authUrl({ sim_userid: userId }), { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('authCode')).toBe(location.searchParams.get('code'));
    return location.searchParams.get('code')!;
  }

  const userToken = (body: Record<string, unknown>) =>
    fetch(`${sim.url}/v1.0/oauth2/userAccessToken`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const exchange = (code: string, extra: Record<string, unknown> = {}) =>
    userToken({ clientId: demoDingTalkApp.clientId, clientSecret: demoDingTalkApp.clientSecret, code, grantType: 'authorization_code', ...extra });
  const me = (token: string) => fetch(`${sim.url}/v1.0/contact/users/me`, { headers: { 'x-acs-dingtalk-access-token': token } });

  it('shows a picker of the org, then signs in, exchanges the code once and answers users/me', async () => {
    const picker = await fetch(authUrl(), { redirect: 'manual' });
    expect(picker.status).toBe(200);
    expect(await picker.text()).toContain('sim_userid=alice');

    const code = await codeFor('alice');
    const response = await exchange(code);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ expireIn: 7200, corpId: demoDingTalkApp.corpId });
    expect(typeof tokens.accessToken).toBe('string');
    expect(typeof tokens.refreshToken).toBe('string');

    const profile = await me(tokens.accessToken as string);
    expect(profile.status).toBe(200);
    const body = (await profile.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ nick: 'Alice Chen', mobile: '13800000004', email: 'alice@example.com', unionId: 'demoUnion0004', stateCode: '86' });
    expect(typeof body.openId).toBe('string');
    expect(sim.calls({ endpoint: 'contact/users/me' }).at(-1)).toMatchObject({ status: 200, resultCode: 'ok' });

    const reused = await exchange(code);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ code: 'invalidParameter.authCode', message: '不合法的临时授权码', requestid: expect.any(String) });
  });

  it('signs in at once with the in-client cookie; leaves mobile and email out without the contacts permission', async () => {
    await fetch(`${sim.url}/_sim/dingtalk/switches`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactsReadable: false }) });
    const tokens = (await (await exchange(await codeFor('bob', true))).json()) as { accessToken: string };
    const body = (await (await me(tokens.accessToken)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ nick: 'Bob Smith', unionId: 'demoUnion0005' });
    expect(body).not.toHaveProperty('mobile');
    expect(body).not.toHaveProperty('email');
  });

  it('refuses a wrong secret, an expired code, a body outside the SDK model, and a bad user token', async () => {
    const code = await codeFor('lina');
    const wrong = await exchange(code, { clientSecret: 'nope' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ code: 'invalidClientIdOrSecret' });
    const extra = await exchange(code, { redirectUri: REDIRECT });
    expect(await extra.json()).toMatchObject({ code: 'invalidParameter.unknownField' });
    expect(await (await exchange(code, { grantType: 'password' })).json()).toMatchObject({ code: 'invalidParameter.grantType' });
    sim.clock.advance(5 * 60_000);
    const expired = await exchange(code);
    expect(expired.status).toBe(400);
    expect(sim.calls({ endpoint: 'oauth2/userAccessToken' }).at(-1)?.reason).toMatch(/expired/);

    const bad = await me('not-a-token');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: 'InvalidAuthentication' });
    // An app access token is not a user token.
    const appToken = (await (await fetch(`${sim.url}/v1.0/oauth2/accessToken`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appKey: demoDingTalkApp.clientId, appSecret: demoDingTalkApp.clientSecret }) })).json()) as { accessToken: string };
    expect((await me(appToken.accessToken)).status).toBe(401);
  });

  it('refresh_token gives new tokens once', async () => {
    const first = (await (await exchange(await codeFor('alice'))).json()) as { refreshToken: string };
    const refresh = () => userToken({ clientId: demoDingTalkApp.clientId, clientSecret: demoDingTalkApp.clientSecret, grantType: 'refresh_token', refreshToken: first.refreshToken });
    const renewed = await refresh();
    expect(renewed.status).toBe(200);
    expect((await me(((await renewed.json()) as { accessToken: string }).accessToken)).status).toBe(200);
    expect((await refresh()).status).toBe(400);
  });

  it('shows an error page for an unknown client, a wrong response_type, or a scope without openid', async () => {
    const cases: Record<string, string>[] = [{ client_id: 'nope' }, { response_type: 'token' }, { scope: 'corpid' }, { redirect_uri: 'not-a-url' }];
    for (const params of cases) {
      const response = await fetch(authUrl(params), { redirect: 'manual' });
      expect([JSON.stringify(params), response.status]).toEqual([JSON.stringify(params), 400]);
    }
    expect(sim.calls({ endpoint: 'oauth2/auth' }).at(-1)?.reason).toMatch(/redirect_uri/);
  });
});
