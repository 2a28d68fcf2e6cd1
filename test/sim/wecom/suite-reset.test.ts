/**
 * A 代开发 admin's "重新获取secret" in the simulator (POST /_sim/wecom/suites/{id}/reset-secret):
 * reset_permanent_code reaches the template's command URL encrypted for the template id with a
 * single-use 10-minute AuthCode (DOC-94758); get_permanent_code gives the new secret (DOC-97163);
 * gettoken refuses the old secret (40001) and accepts the new one (DOC-97164); tokens issued before
 * the reset keep working until they expire. Third-party apps have no secret to reset (409).
 */
import { createSimulator, type Simulator } from '../../../sim/server';
import { ProviderStub } from '../../support/wecom-provider-stub';

const TEMPLATE_ID = 'dkResetTemplate01';
const THIRD_PARTY_ID = 'wwResetSuite0001';
const SUITE_SECRET = 'template-secret-1';
const TOKEN = 'ResetToken42';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const PROVIDER = 'wwprovider00dd44';
const PROVIDER_SECRET = 'provider-secret-1';
const CUSTOMER = 'wwcustomer00ee55';
const OTHER = 'wwcustomer00ff66';
const MINUTE = 60_000;


describe('WeCom sim: 代开发 secret reset (reset_permanent_code)', () => {
  let sim: Simulator;
  let receiver: ProviderStub;

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const api = async (path: string, query: Record<string, string>, body?: unknown): Promise<Record<string, any>> => {
    const response = await fetch(`${sim.url}/cgi-bin/${path}?${new URLSearchParams(query)}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, any>;
  };
  const putSuite = (suiteId: string, developerHosted: boolean) =>
    control('PUT', `/_sim/wecom/suites/${suiteId}`, {
      suiteSecret: SUITE_SECRET, token: TOKEN, encodingAesKey: AES_KEY, providerCorpId: PROVIDER, providerSecret: PROVIDER_SECRET, commandUrl: `${receiver.url}/suite/command`, developerHosted,
    });
  const suiteToken = async (suiteId = TEMPLATE_ID) => {
    const ticket = (await control('GET', `/_sim/wecom/suites/${suiteId}`)).body.ticket.ticket as string;
    return (await api('service/get_suite_token', {}, { suite_id: suiteId, suite_secret: SUITE_SECRET, suite_ticket: ticket })).suite_access_token as string;
  };
  const exchange = async (authCode: string) => api('service/v2/get_permanent_code', { suite_access_token: await suiteToken() }, { auth_code: authCode });
  const gettoken = (corpId: string, secret: string) => api('gettoken', { corpid: corpId, corpsecret: secret });
  /** A market install of the template, exchanged as the provider would: the corp id the app sees and its first secret. */
  const install = async (plainCorpId = CUSTOMER) => {
    const installed = await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/market-install`, { corpId: plainCorpId });
    expect(installed.status).toBe(200);
    const granted = await exchange(installed.body.authCode);
    return { corpId: granted.auth_corp_info.corpid as string, secret: granted.permanent_code as string };
  };

  beforeEach(async () => {
    receiver = new ProviderStub({ token: TOKEN, aesKey: AES_KEY, suiteId: TEMPLATE_ID, providerCorpId: PROVIDER });
    await receiver.start();
    sim = await createSimulator({ port: 0, callbackTimeoutMs: 500 });
    expect((await putSuite(TEMPLATE_ID, true)).status).toBe(200);
    const person = { userId: 'dora', name: 'Dora', mobile: '+86-13900000021', email: 'dora@example.com' };
    expect((await control('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Delta', users: [person] })).status).toBe(200);
    expect((await control('PUT', `/_sim/wecom/customers/${OTHER}`, { corpName: 'Epsilon', users: [person] })).status).toBe(200);
  });
  afterEach(async () => {
    expect(receiver.errors).toEqual([]);
    await sim.stop();
    await receiver.stop();
  });

  it('pushes reset_permanent_code with a fresh AuthCode; the exchange gives a new secret; gettoken follows it at once', async () => {
    const first = await install();
    const before = await gettoken(first.corpId, first.secret);
    expect(before.errcode).toBe(0);

    // The corp named by the id the app sees (encrypted for a new corp, DOC-96516).
    expect(first.corpId).not.toBe(CUSTOMER);
    const reset = await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/reset-secret`, { corpId: first.corpId });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ answer: 'success', status: 200, ok: true });
    expect(reset.body.elapsedMs).toBeLessThan(1000);

    const [pushed] = receiver.commands('reset_permanent_code');
    expect(receiver.commands('reset_permanent_code')).toHaveLength(1);
    expect(pushed).toEqual({ SuiteId: TEMPLATE_ID, InfoType: 'reset_permanent_code', TimeStamp: expect.stringMatching(/^\d{10}$/), AuthCode: reset.body.authCode });
    expect(receiver.received.filter((r) => r.kind === 'command').at(-1)?.envelope).toMatchObject({ ToUserName: TEMPLATE_ID, AgentID: '' });
    const recorded = (sim.calls() as { endpoint: string; resultCode: unknown }[]).filter((c) => c.endpoint === 'callback/reset_permanent_code');
    expect(recorded).toEqual([expect.objectContaining({ resultCode: 0 })]);

    // The old secret died with the reset (the sim's strict reading); a token it gave is still good.
    expect((await gettoken(first.corpId, first.secret)).errcode).toBe(40001);
    const agentId = (await control('GET', `/_sim/wecom/suites/${TEMPLATE_ID}`)).body.authorizations[0].agentId as number;
    const userId = (await control('GET', `/_sim/wecom/suites/${TEMPLATE_ID}`)).body.authorizations[0].users[0].userId as string;
    const oldTokenSend = await api('message/send', { access_token: before.access_token }, { touser: userId, msgtype: 'text', agentid: agentId, text: { content: 'still here' } });
    expect(oldTokenSend.errcode).toBe(0);

    const granted = await exchange(reset.body.authCode);
    expect(granted.errcode).toBe(0);
    expect(granted.auth_corp_info.corpid).toBe(first.corpId);
    const secret = granted.permanent_code as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toBe(first.secret);
    expect((await control('GET', `/_sim/wecom/suites/${TEMPLATE_ID}`)).body.authorizations[0].permanentCode).toBe(secret);
    const after = await gettoken(first.corpId, secret);
    expect(after.errcode).toBe(0);
    expect(after.access_token).not.toBe(before.access_token);

    // The new secret is also the permanent code of the other suite calls; the old one is refused there too.
    const sat = await suiteToken();
    expect((await api('service/v2/get_auth_info', { suite_access_token: sat }, { auth_corpid: first.corpId, permanent_code: secret })).errcode).toBe(0);
    expect((await api('service/v2/get_auth_info', { suite_access_token: sat }, { auth_corpid: first.corpId, permanent_code: first.secret })).errcode).toBe(40084);
    // Single use (DOC-100776).
    expect((await exchange(reset.body.authCode)).errcode).toBe(40078);
  });

  it('the AuthCode lives 10 minutes; a second reset makes the secret of the first stale too', async () => {
    const { corpId } = await install();
    const late = await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/reset-secret`, { corpId: CUSTOMER });
    expect(late.status).toBe(200);
    expect((await control('POST', '/_sim/clock/advance', { ms: 10 * MINUTE })).status).toBe(200);
    expect((await exchange(late.body.authCode)).errcode).toBe(40078);
    // The provider missed that secret; the admin resets again, and the missed one dies with it.
    const missed = (await control('GET', `/_sim/wecom/suites/${TEMPLATE_ID}`)).body.authorizations[0].permanentCode as string;
    expect((await gettoken(corpId, missed)).errcode).toBe(0);

    const again = await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/reset-secret`, { corpId: CUSTOMER });
    expect(again.body.authCode).not.toBe(late.body.authCode);
    const secret = (await exchange(again.body.authCode)).permanent_code as string;
    expect(secret).not.toBe(missed);
    expect((await gettoken(corpId, secret)).errcode).toBe(0);
    expect((await gettoken(corpId, missed)).errcode).toBe(40001);
    expect(receiver.commands('reset_permanent_code').map((e) => e.AuthCode)).toEqual([late.body.authCode, again.body.authCode]);
  });

  it('a command URL that does not answer `success` is reported; the reset has happened anyway', async () => {
    const { corpId, secret } = await install();
    receiver.commandAnswer = 'ok';
    const reset = await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/reset-secret`, { corpId });
    expect(reset.status).toBe(200);
    expect(reset.body.ok).toBe(false);
    expect(reset.body.answer).toBe('ok');
    expect(reset.body.reason).toContain('literal "success"');
    expect((await gettoken(corpId, secret)).errcode).toBe(40001);
  });

  it('refuses a third-party app (409), a corp without the app (404) and a body without corpId (400)', async () => {
    expect((await putSuite(THIRD_PARTY_ID, false)).status).toBe(200);
    const thirdParty = await control('POST', `/_sim/wecom/suites/${THIRD_PARTY_ID}/market-install`, { corpId: OTHER });
    expect(thirdParty.status).toBe(200);
    const refused = await control('POST', `/_sim/wecom/suites/${THIRD_PARTY_ID}/reset-secret`, { corpId: OTHER });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain('only a 代开发 (developer-hosted, dk…) app has a secret to reset');

    expect((await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/reset-secret`, { corpId: CUSTOMER })).status).toBe(404);
    expect((await control('POST', `/_sim/wecom/suites/${TEMPLATE_ID}/reset-secret`, {})).status).toBe(400);
    expect((await control('POST', '/_sim/wecom/suites/dkNoSuchTemplate/reset-secret', { corpId: CUSTOMER })).status).toBe(404);
    expect(receiver.commands('reset_permanent_code')).toEqual([]);
  });
});
