/**
 * DingTalk in-client H5 login-free over HTTP: the stand-in jsapi (run here in a vm with the
 * page's cookies) mints a code for the user the page was opened as, and the back end exchanges
 * it once at topapi/v2/user/getuserinfo; outside the client or for another org it fails.
 */
import { runInNewContext } from 'node:vm';
import { createSimulator, Simulator } from '../../../sim/server';
import { demoDingTalkApp } from '../../../sim/seed';

interface Dd {
  env: { platform: string };
  ready(cb: () => void): void;
  requestAuthCode(params: Record<string, unknown>): Promise<unknown>;
  runtime: { permission: { requestAuthCode(params: Record<string, unknown>): Promise<unknown> } };
}

describe('DingTalk sim: H5 login-free inside the client', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ port: 0, seed: true });
  });
  afterEach(async () => sim.stop());

  /** Loads the jsapi as a page on `origin` would, its fetches carrying `cookie`. */
  async function loadJsapi(cookie?: string): Promise<Dd> {
    const script = await (await fetch(`${sim.url}/_sim/dingtalk/dingtalk.open.js`)).text();
    const window: { dd?: Dd } = {};
    const pageFetch = (url: string, init: RequestInit) =>
      fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), origin: 'http://127.0.0.1:8787', ...(cookie ? { cookie } : {}) } });
    runInNewContext(script, { window, fetch: pageFetch, setTimeout });
    return window.dd!;
  }

  function callback(dd: Dd, params: Record<string, unknown>, legacy = false): Promise<{ ok: boolean; value: Record<string, unknown> }> {
    return new Promise((resolve) => {
      if (legacy) {
        void dd.runtime.permission.requestAuthCode({ ...params, onSuccess: (value: Record<string, unknown>) => resolve({ ok: true, value }), onFail: (value: Record<string, unknown>) => resolve({ ok: false, value }) });
      } else {
        void dd.requestAuthCode({ ...params, success: (value: Record<string, unknown>) => resolve({ ok: true, value }), fail: (value: Record<string, unknown>) => resolve({ ok: false, value }) });
      }
    });
  }

  async function exchange(code: string): Promise<Record<string, unknown>> {
    const token = (await (await fetch(`${sim.url}/v1.0/oauth2/accessToken`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appKey: demoDingTalkApp.clientId, appSecret: demoDingTalkApp.clientSecret }) })).json()) as { accessToken: string };
    const response = await fetch(`${sim.url}/topapi/v2/user/getuserinfo?access_token=${token.accessToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    return (await response.json()) as Record<string, unknown>;
  }

  it('client sets the cookie and redirects to the page', async () => {
    const page = 'http://127.0.0.1:8787/link/dingtalk?i=demo-dingtalk';
    const opened = await fetch(`${sim.url}/_sim/dingtalk/client?user=alice&url=${encodeURIComponent(page)}`, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe(page);
    expect(opened.headers.get('set-cookie')).toMatch(/^sim_dingtalk_user=alice; Path=\/; SameSite=Lax/);
    expect((await fetch(`${sim.url}/_sim/dingtalk/client?user=ghost&url=${encodeURIComponent(page)}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('dd.requestAuthCode gives a code for the in-client user; getuserinfo takes it once', async () => {
    const dd = await loadJsapi('sim_dingtalk_user=bob');
    expect(dd.env.platform).toBe('android');
    await new Promise<void>((resolve) => dd.ready(resolve));
    const result = await callback(dd, { corpId: demoDingTalkApp.corpId, clientId: demoDingTalkApp.clientId });
    expect(result.ok).toBe(true);
    const code = result.value.code as string;
    expect(await exchange(code)).toMatchObject({ errcode: 0, result: { userid: 'bob', name: 'Bob Smith' } });
    expect(await exchange(code)).toMatchObject({ errcode: 40078 });
  });

  it('the older dd.runtime.permission.requestAuthCode({corpId}) works too; the promise form resolves', async () => {
    const dd = await loadJsapi('sim_dingtalk_user=lina');
    const result = await callback(dd, { corpId: demoDingTalkApp.corpId }, true);
    expect(result.ok).toBe(true);
    expect(await exchange(result.value.code as string)).toMatchObject({ errcode: 0, result: { userid: 'lina' } });
    const promised = (await dd.requestAuthCode({ corpId: demoDingTalkApp.corpId, clientId: demoDingTalkApp.clientId })) as { code: string };
    expect(promised.code).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fails outside the client, for another org, and for a code older than 5 minutes', async () => {
    const outside = await callback(await loadJsapi(), { corpId: demoDingTalkApp.corpId, clientId: demoDingTalkApp.clientId });
    expect(outside).toEqual({ ok: false, value: { errorCode: '7', errorMessage: 'not in DingTalk client' } });
    const dd = await loadJsapi('sim_dingtalk_user=alice');
    const otherCorp = await callback(dd, { corpId: 'dingothercorp', clientId: demoDingTalkApp.clientId });
    expect(otherCorp.ok).toBe(false);
    expect(otherCorp.value.errorMessage).toMatch(/is not the org of app/);
    const late = await callback(dd, { corpId: demoDingTalkApp.corpId, clientId: demoDingTalkApp.clientId });
    sim.clock.advance(5 * 60_000);
    expect(await exchange(late.value.code as string)).toMatchObject({ errcode: 40078 });
  });

  it('auth-code answers CORS for the calling origin (preflight too) and takes {userId, corpId} directly', async () => {
    const preflight = await fetch(`${sim.url}/_sim/dingtalk/h5/auth-code`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:8787', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8787');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    const direct = await fetch(`${sim.url}/_sim/dingtalk/h5/auth-code`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8787' }, body: JSON.stringify({ userId: 'wangfang', corpId: demoDingTalkApp.corpId }) });
    expect(direct.status).toBe(200);
    expect(direct.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8787');
    const { code } = (await direct.json()) as { code: string };
    expect(await exchange(code)).toMatchObject({ errcode: 0, result: { userid: 'wangfang' } });
    const notMember = await fetch(`${sim.url}/_sim/dingtalk/h5/auth-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'ghost', corpId: demoDingTalkApp.corpId }) });
    expect(notMember.status).toBe(403);
  });
});
