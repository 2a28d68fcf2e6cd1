/**
 * The account-linking pages on the local stack against the simulator over HTTP: the real handler
 * behind the local gateway, redirects followed by hand with a cookie jar, as the in-app browser would.
 */
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { LinkingAdmin } from '../../shared/application/linking-admin';
import { createSimulator, type Simulator } from '../../sim/server';
import { demoDingTalkApp, demoOidcClient, demoWeComCorp } from '../../sim/seed';
import { CookieJar } from '../support/cookie-jar';
import { eventually, startTestStack, type TestStack } from '../support/stack';

const WECOM = 'link-wecom';
const DINGTALK = 'link-dingtalk';
let t: TestStack;
let sim: Simulator;
let links: DynamoLinkStore;
let oplog: DynamoOperationLog;

beforeAll(async () => {
  sim = await createSimulator({ port: 0, seed: true });
  // Pollers: send-link-code mails the one-time codes from the link-mail queue.
  t = await startTestStack({ pollers: true });
  const table = t.stack.env.STATE_TABLE_NAME;
  links = new DynamoLinkStore(getDocumentClient(), table);
  oplog = new DynamoOperationLog(getDocumentClient(), table);
  await t.admin.addWeCom({ id: WECOM, corpId: demoWeComCorp.corpId, agentId: String(demoWeComCorp.agentId), apiBase: sim.url, secret: demoWeComCorp.secret, token: demoWeComCorp.token, aesKey: demoWeComCorp.encodingAesKey });
  await t.admin.addDingTalk({
    id: DINGTALK,
    clientId: demoDingTalkApp.clientId,
    corpId: demoDingTalkApp.corpId,
    apiBase: sim.url,
    oapiBase: sim.url,
    clientSecret: demoDingTalkApp.clientSecret,
    token: demoDingTalkApp.token,
    aesKey: demoDingTalkApp.aesKey,
    cardApiSecret: 'card-api-secret-for-tests',
  });
  const linking = new LinkingAdmin(new DynamoIntegrationRepository(getDocumentClient(), table), secretsManagerWriter(getSecretsManagerClient()));
  await linking.set(WECOM, { oauthBase: sim.url, emailCode: { from: 'noreply@dutybridge.example' } }, { smtpUrl: `smtp://demo:demo@127.0.0.1:${sim.smtpPort}` });
  await linking.set(
    DINGTALK,
    { jsapiUrl: `${sim.url}/_sim/dingtalk/dingtalk.open.js`, loginBase: sim.url, oidc: { issuer: `${sim.url}/oidc`, clientId: demoOidcClient.clientId } },
    { oidcClientSecret: demoOidcClient.clientSecret },
  );
  const members = new DynamoMemberDirectory(getDocumentClient(), table);
  // zhangwei: a member with the same mobile as his chat account; alice: known by email only (no mobile).
  await members.upsert({ email: 'zhangwei@example.com', name: '张伟', mobile: '+86-13800000001', updatedAt: Date.now() });
  await members.upsert({ email: 'alice.chen@corp.example', name: 'Alice Chen', updatedAt: Date.now() });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

const page = (platform: string, id: string, suffix = '') => `${t.url}/link/${platform}/${id}${suffix}`;
const inWeCom = (user: string, url: string) => `${sim.url}/_sim/wecom/client?user=${user}&url=${encodeURIComponent(url)}`;
const inDingTalk = (user: string, url: string) => `${sim.url}/_sim/dingtalk/client?user=${user}&url=${encodeURIComponent(url)}`;

async function records(integrationId: string) {
  return oplog.query({ integrationId, limit: 50 });
}

describe('WeCom: the homepage opened inside the client', () => {
  it('auto-matches by mobile and links (method login), then says it is already linked', async () => {
    const jar = new CookieJar();
    const { response, visited } = await jar.follow(inWeCom('zhangwei', page('wecom', WECOM)), { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(visited.some((u) => u.includes('/connect/oauth2/authorize') && u.includes('scope=snsapi_base') && u.includes(`agentid=${demoWeComCorp.agentId}`))).toBe(true);
    expect(html).toContain('Linked.');
    expect(html).toContain('zhangwei@example.com');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toContain('no-store');
    const link = await links.byUserId(WECOM, 'zhangwei');
    expect(link).toMatchObject({ email: 'zhangwei@example.com', method: 'login' });
    expect((await records(WECOM)).find((r) => r.reasonCode === 'linked')).toMatchObject({ result: 'done', recipient: 'zhangwei@example.com' });

    const again = await new CookieJar().follow(inWeCom('zhangwei', page('wecom', WECOM)), { headers: { 'accept-language': 'zh-CN' } });
    const text = await again.response.text();
    expect(again.response.status).toBe(200);
    expect(text).toContain('已经关联过了');
    expect(await links.byUserId(WECOM, 'zhangwei')).toEqual(link);
  });

  it('refuses a replayed callback (reused state and code), a forged state and a reused code; nothing changes', async () => {
    const jar = new CookieJar();
    const first = await jar.follow(inWeCom('lina', page('wecom', WECOM)), { headers: { 'accept-language': 'en' } });
    expect(first.response.status).toBe(200);
    // lina matches no member: asked to prove who she is (here by a code mailed to her work email).
    expect(await first.response.text()).toContain('We could not match the mobile number or email of your WeCom account');
    const callback = first.visited.find((u) => u.includes('/callback?'))!;
    expect(callback).toBeDefined();
    const before = await records(WECOM);

    // The same callback again, with the state cookie it was given put back (an attacker's replay).
    const replay = new CookieJar();
    const start = await replay.fetch(page('wecom', WECOM));
    const stateCookie = replay.cookies.get('dbl_state')!;
    const spentState = new URL(start.headers.get('location')!.replace('#wechat_redirect', '')).searchParams.get('state')!;
    expect(spentState).toMatch(/^[A-Za-z0-9]{1,128}$/);
    // A forged state: the cookie is genuine, the state is not the one it was given.
    const forged = await replay.fetch(`${page('wecom', WECOM, '/callback')}?code=x123&state=forgedState1`, { headers: { 'accept-language': 'en' } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('not started by this page');
    // A reused code with a fresh, valid state: WeCom answers 40029.
    const fresh = new CookieJar();
    const go = await fresh.fetch(page('wecom', WECOM));
    const state = new URL(go.headers.get('location')!.replace('#wechat_redirect', '')).searchParams.get('state')!;
    const usedCode = new URL(callback).searchParams.get('code')!;
    const reused = await fresh.fetch(`${page('wecom', WECOM, '/callback')}?code=${usedCode}&state=${state}`, { headers: { 'accept-language': 'zh-CN' } });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('登录凭证无效、已被使用或已过期');
    // The replayed state cookie: already claimed.
    const again = await fetch(`${page('wecom', WECOM, '/callback')}?code=${usedCode}&state=${spentState}`, { redirect: 'manual', headers: { cookie: `dbl_state=${stateCookie}` } });
    expect([400]).toContain(again.status);
    // No cookie at all.
    const bare = await fetch(callback, { redirect: 'manual' });
    expect(bare.status).toBe(400);

    expect(await links.byUserId(WECOM, 'lina')).toBeUndefined();
    const after = await records(WECOM);
    const refused = after.filter((r) => r.reasonCode === 'link_refused').length - before.filter((r) => r.reasonCode === 'link_refused').length;
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(after)).not.toContain(usedCode);
  });

  it('answers an unknown integration with 404 and a tampered session with 400', async () => {
    expect((await fetch(page('wecom', 'no-such-integration'), { redirect: 'manual' })).status).toBe(404);
    const tampered = await fetch(page('wecom', WECOM, '/oidc'), { redirect: 'manual', headers: { cookie: 'dbl_session=eyJ1Ijoiemhhbmd3ZWkifQ.AAAA' } });
    expect(tampered.status).toBe(400);
  });
});

describe('WeCom: a one-time code by email', () => {
  it('mails a 6-digit code to a member only; a wrong code counts down; the right one links (code); used again it is refused', async () => {
    const jar = new CookieJar();
    const opened = await jar.follow(inWeCom('wangfang', page('wecom', WECOM)), { headers: { 'accept-language': 'en' } });
    expect(opened.response.status).toBe(200);
    const prove = await opened.response.text();
    expect(prove).toContain('Enter your work email');
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' }, body: new URLSearchParams(fields).toString() });
    const stranger = await jar.fetch(page('wecom', WECOM, '/code'), form({ step: 'send', email: 'nobody@corp.example' }));
    expect(stranger.status).toBe(400);
    expect(await stranger.text()).toContain('No member of the incident system has the email nobody@corp.example');
    const sent = await jar.fetch(page('wecom', WECOM, '/code'), form({ step: 'send', email: 'Alice.Chen@corp.example' }));
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('We sent a code to alice.chen@corp.example');
    const mail = await eventually(async () => {
      const box = (await (await fetch(`${sim.url}/_sim/mailbox?to=${encodeURIComponent('alice.chen@corp.example')}`)).json()) as { messages: { subject: string; text: string }[] };
      expect(box.messages.length).toBeGreaterThan(0);
      return box.messages[0]!;
    }, 15_000);
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await jar.fetch(page('wecom', WECOM, '/code'), form({ step: 'verify', code: wrongCode }));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('4 tries left');
    expect(await links.byUserId(WECOM, 'wangfang')).toBeUndefined();
    const right = await jar.fetch(page('wecom', WECOM, '/code'), form({ step: 'verify', code }));
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('Linked.');
    expect(await links.byUserId(WECOM, 'wangfang')).toMatchObject({ email: 'alice.chen@corp.example', method: 'code' });
    // The session is spent with the link: the same code again is refused and changes nothing.
    const again = await jar.fetch(page('wecom', WECOM, '/code'), form({ step: 'verify', code }));
    expect(again.status).toBe(400);
    const logged = JSON.stringify(await records(WECOM));
    expect(logged).not.toContain(code);
  }, 30_000);
});

describe('DingTalk', () => {
  it('in the client: the page posts the auth code; auto-matched by mobile', async () => {
    await links.remove(DINGTALK, 'zhangwei@example.com');
    const jar = new CookieJar();
    const opened = await jar.follow(inDingTalk('zhangwei', page('dingtalk', DINGTALK)), { headers: { 'accept-language': 'en' } });
    const html = await opened.response.text();
    expect(opened.response.status).toBe(200);
    expect(html).toContain(`${sim.url}/_sim/dingtalk/dingtalk.open.js`);
    const state = /name="state" value="([A-Za-z0-9]+)"/.exec(html)![1];
    // What the jsapi does inside the client: dd.requestAuthCode → the simulator issues a code for the signed-in user.
    const codeAnswer = await jar.fetch(`${sim.url}/_sim/dingtalk/h5/auth-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: demoDingTalkApp.corpId, clientId: demoDingTalkApp.clientId }) });
    const { code } = (await codeAnswer.json()) as { code: string };
    const posted = await jar.fetch(page('dingtalk', DINGTALK, '/callback'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' }, body: new URLSearchParams({ state, code }).toString() });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Linked.');
    expect(await links.byUserId(DINGTALK, 'zhangwei')).toMatchObject({ email: 'zhangwei@example.com', method: 'login' });
  });

  it('a reused in-client auth code (40078) is refused with a clear message and changes nothing', async () => {
    await links.remove(DINGTALK, 'zhangwei@example.com');
    const jar = new CookieJar();
    const codeFor = async () => {
      const answer = await jar.fetch(`${sim.url}/_sim/dingtalk/h5/auth-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: demoDingTalkApp.corpId, clientId: demoDingTalkApp.clientId, userId: 'zhangwei' }) });
      return ((await answer.json()) as { code: string }).code;
    };
    const stateOf = async () => {
      const html = await (await jar.fetch(page('dingtalk', DINGTALK))).text();
      return /name="state" value="([A-Za-z0-9]+)"/.exec(html)![1]!;
    };
    const post = (state: string, code: string) =>
      jar.fetch(page('dingtalk', DINGTALK, '/callback'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'zh-CN' }, body: new URLSearchParams({ state, code }).toString() });
    const code = await codeFor();
    expect((await post(await stateOf(), code)).status).toBe(200);
    await links.remove(DINGTALK, 'zhangwei@example.com');
    const reused = await post(await stateOf(), code);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('登录凭证无效、已被使用或已过期');
    expect(await links.byUserId(DINGTALK, 'zhangwei')).toBeUndefined();
    // A form posted from elsewhere (no state cookie of this browser) is refused before the code is spent.
    const fresh = await codeFor();
    const forged = await fetch(page('dingtalk', DINGTALK, '/callback'), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ state: 'abc', code: fresh }).toString() });
    expect(forged.status).toBe(400);
    expect(await links.byUserId(DINGTALK, 'zhangwei')).toBeUndefined();
  });

  it('single sign-on with an email the identity provider has not verified is refused; nothing linked', async () => {
    const jar = new CookieJar();
    jar.cookies.set('sim_dingtalk_user', 'wangfang');
    jar.cookies.set('sim_oidc_user', 'idp-wangfang');
    const start = await jar.follow(`${page('dingtalk', DINGTALK)}?via=browser`, { headers: { 'accept-language': 'en' } });
    expect(await start.response.text()).toContain('Sign in with your company account');
    const sso = await jar.follow(page('dingtalk', DINGTALK, '/oidc'), { headers: { 'accept-language': 'en' } });
    expect(sso.response.status).toBe(400);
    expect(await sso.response.text()).toContain('has not verified this email address');
    expect(await links.byUserId(DINGTALK, 'wangfang')).toBeUndefined();
    expect((await records(DINGTALK)).some((r) => r.reasonCode === 'link_refused' && r.reason.startsWith('sso_unverified'))).toBe(true);
  });

  it('outside the client, without a match: browser OAuth, then single sign-on links by the verified email (sso)', async () => {
    const jar = new CookieJar();
    jar.cookies.set('sim_dingtalk_user', 'alice');
    jar.cookies.set('sim_oidc_user', 'idp-alice');
    const start = await jar.follow(`${page('dingtalk', DINGTALK)}?via=browser`, { headers: { 'accept-language': 'en' } });
    const prove = await start.response.text();
    expect(start.response.status).toBe(200);
    expect(start.visited.some((u) => u.includes('/oauth2/auth?'))).toBe(true);
    expect(prove).toContain('Sign in with your company account');
    const sso = await jar.follow(page('dingtalk', DINGTALK, '/oidc'), { headers: { 'accept-language': 'en' } });
    const result = await sso.response.text();
    expect(sso.response.status).toBe(200);
    expect(result).toContain('Linked.');
    expect(result).toContain('single sign-on');
    expect(await links.byUserId(DINGTALK, 'alice')).toMatchObject({ email: 'alice@example.com', method: 'sso' });
  });
});
