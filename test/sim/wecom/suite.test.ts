/**
 * The WeCom service-provider side of the simulator (sim/wecom/suite*.ts): suite_ticket pushes and
 * get_suite_token's newest-ticket rule, market and site installs, permanent codes, corp tokens that
 * work for message/send with encrypted ids, licenses and the 90-day trial, cancel_auth, clicks of
 * an installed app, third-party OAuth, URL checks, 代开发 templates and historical corps.
 */
import { WeComCrypto } from '../../../shared/crypto';
import { createSimulator, Simulator } from '../../../sim/server';
import { buttonCard } from './support';
import { ProviderStub } from '../../support/wecom-provider-stub';

const SUITE_ID = 'wwsuite7f3a9c01';
const SUITE_SECRET = 'suite-secret-1';
const TOKEN = 'SuiteToken42';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const PROVIDER = 'wwprovider00aa11';
const PROVIDER_SECRET = 'provider-secret-1';
const CUSTOMER = 'wwcustomer00bb22';
const OTHER = 'wwcustomer00cc33';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;


const people = [
  { userId: 'alice', name: 'Alice', mobile: '+86-13900000001', email: 'alice@example.com' },
  { userId: 'Bob', name: 'Bob', mobile: '+86-13900000002', email: 'bob@example.com', unlicensed: true },
  { userId: 'carol', name: 'Carol', mobile: '+86-13900000003', email: 'carol@example.com' },
];

describe('WeCom sim: service-provider (suite) side', () => {
  let sim: Simulator;
  let provider: ProviderStub;

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as any };
    } catch {
      return { status: response.status, body: text as any };
    }
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
  const putSuite = (extra: Record<string, unknown> = {}, suiteId = SUITE_ID) =>
    control('PUT', `/_sim/wecom/suites/${suiteId}`, {
      suiteSecret: SUITE_SECRET, token: TOKEN, encodingAesKey: AES_KEY, providerCorpId: PROVIDER, providerSecret: PROVIDER_SECRET,
      commandUrl: `${provider.url}/suite/command`, dataUrl: `${provider.url}/suite/data/$CORPID$`, ...extra,
    });
  const newestTicket = async (suiteId = SUITE_ID) => (await control('GET', `/_sim/wecom/suites/${suiteId}`)).body.ticket.ticket as string;
  const suiteToken = async (suiteId = SUITE_ID) =>
    (await api('service/get_suite_token', {}, { suite_id: suiteId, suite_secret: SUITE_SECRET, suite_ticket: await newestTicket(suiteId) })).suite_access_token as string;
  const providerToken = async () => (await api('service/get_provider_token', {}, { corpid: PROVIDER, provider_secret: PROVIDER_SECRET })).provider_access_token as string;
  const advance = (ms: number) => control('POST', '/_sim/clock/advance', { ms });
  /** Market install → create_auth → v2 get_permanent_code → get_auth_info → get_corp_token. */
  const installViaMarket = async (corpId = CUSTOMER, state = 'st4te') => {
    const install = await control('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId, state });
    expect(install.status).toBe(200);
    const sat = await suiteToken();
    const permanent = await api('service/v2/get_permanent_code', { suite_access_token: sat }, { auth_code: install.body.authCode });
    const corp = permanent.auth_corp_info.corpid as string;
    const info = await api('service/v2/get_auth_info', { suite_access_token: sat }, { auth_corpid: corp, permanent_code: permanent.permanent_code });
    const token = await api('service/get_corp_token', { suite_access_token: sat }, { auth_corpid: corp, permanent_code: permanent.permanent_code });
    return { install, sat, permanent, corp, info, agentId: info.auth_info.agent[0].agentid as number, accessToken: token.access_token as string, tokenAnswer: token };
  };
  const appUser = async (plainUserId: string) => {
    const suite = (await control('GET', `/_sim/wecom/suites/${SUITE_ID}`)).body;
    const live = suite.authorizations.find((a: any) => !a.cancelled);
    return live.users.find((u: any) => u.plainUserId === plainUserId).userId as string;
  };

  beforeEach(async () => {
    provider = new ProviderStub({ token: TOKEN, aesKey: AES_KEY, suiteId: SUITE_ID, providerCorpId: PROVIDER });
    await provider.start();
    sim = await createSimulator({ port: 0, callbackTimeoutMs: 500 });
    expect((await putSuite()).status).toBe(200);
    expect((await control('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Acme', users: people })).status).toBe(200);
    expect((await control('PUT', `/_sim/wecom/customers/${OTHER}`, { corpName: 'Other Co', users: [people[0]] })).status).toBe(200);
  });
  afterEach(async () => {
    expect(provider.errors).toEqual([]);
    await sim.stop();
    await provider.stop();
  });

  it('pushes suite_ticket encrypted for the suite id and accepts the newest or a younger-than-30-min ticket', async () => {
    const [first] = provider.commands('suite_ticket');
    expect(first).toMatchObject({ SuiteId: SUITE_ID, InfoType: 'suite_ticket' });
    const firstPush = provider.received.find((r) => r.event?.InfoType === 'suite_ticket')!;
    expect(firstPush.envelope).toMatchObject({ ToUserName: SUITE_ID, AgentID: '' });
    expect(first!.SuiteTicket).toBe(await newestTicket());
    const tokenFor = (ticket: string) => api('service/get_suite_token', {}, { suite_id: SUITE_ID, suite_secret: SUITE_SECRET, suite_ticket: ticket });

    const ok = await tokenFor(first!.SuiteTicket!);
    expect(ok.errcode).toBeUndefined();
    expect(ok.expires_in).toBe(7200);
    expect(typeof ok.suite_access_token).toBe('string');
    expect((await tokenFor('never-pushed')).errcode).toBe(40085);
    expect((await api('service/get_suite_token', {}, { suite_id: SUITE_ID, suite_secret: 'wrong', suite_ticket: first!.SuiteTicket })).errcode).toBe(40080);
    expect((await api('service/get_suite_token', {}, { suite_id: 'wwnosuchsuite', suite_secret: SUITE_SECRET, suite_ticket: first!.SuiteTicket })).errcode).toBe(40083);
    expect((await api('service/get_suite_token', {}, { suite_id: SUITE_ID, suite_secret: SUITE_SECRET })).errcode).toBe(41023);

    await advance(10 * MINUTE); // due: a second ticket
    const tickets = provider.commands('suite_ticket').map((e) => e.SuiteTicket);
    expect(tickets).toHaveLength(2);
    expect((await tokenFor(tickets[0]!)).errcode).toBeUndefined(); // 10 min old: still valid
    await advance(25 * MINUTE); // the first is 35 min old now; a third ticket is pushed
    const third = provider.commands('suite_ticket').map((e) => e.SuiteTicket);
    expect(third).toHaveLength(3);
    expect((await tokenFor(tickets[0]!)).errcode).toBe(40085);
    expect((await tokenFor(tickets[1]!)).errcode).toBeUndefined(); // 25 min old
    expect((await tokenFor(third[2]!)).errcode).toBeUndefined();

    const manual = await control('POST', `/_sim/wecom/suites/${SUITE_ID}/ticket`);
    expect(manual.body).toMatchObject({ answer: 'success', status: 200, ok: true });
    expect(manual.body.ticket).toBe(await newestTicket());
  });

  it('market install: create_auth, single-use auth code, one agent, a corp token that sends to encrypted ids', async () => {
    const flow = await installViaMarket();
    expect(flow.install.body).toMatchObject({ answer: 'success', status: 200, ok: true });
    const [createAuth] = provider.commands('create_auth');
    expect(createAuth).toMatchObject({ SuiteId: SUITE_ID, InfoType: 'create_auth', AuthCode: flow.install.body.authCode, State: 'st4te' });
    // A corp new to the provider: encrypted, case-sensitive corp and user ids (DOC-96516).
    expect(flow.corp).toMatch(/^wp[A-Za-z0-9]+$/);
    expect(flow.corp).not.toBe(flow.corp.toLowerCase());
    expect(flow.permanent).toMatchObject({ errcode: 0, state: 'st4te', auth_corp_info: { corp_name: 'Acme' } });
    expect(flow.permanent.auth_user_info.userid).toBe(await appUser('alice'));
    expect(flow.permanent.auth_user_info.userid).not.toBe('alice');
    const again = await api('service/v2/get_permanent_code', { suite_access_token: flow.sat }, { auth_code: flow.install.body.authCode });
    expect(again.errcode).toBe(40078);
    expect(flow.info.auth_info.agent).toHaveLength(1);
    expect(flow.info.auth_info.agent[0]).toMatchObject({ auth_mode: 0, is_customized_app: false });
    expect(flow.tokenAnswer.errcode).toBeUndefined();
    expect(flow.tokenAnswer.expires_in).toBe(7200);

    const alice = await appUser('alice');
    const bob = await appUser('Bob');
    const sent = await api('message/send', { access_token: flow.accessToken }, { touser: `${alice}|${bob}|${alice.toLowerCase()}`, msgtype: 'text', agentid: flow.agentId, text: { content: 'P1 payments down' } });
    expect(sent).toMatchObject({ errcode: 0, unlicenseduser: bob.toLowerCase(), invaliduser: alice.toLowerCase() });
    expect(sim.conversations().filter((c) => c.orgId === flow.corp).map((c) => c.conversation)).toEqual([`user:${alice}`]);
    const onlyBob = await api('message/send', { access_token: flow.accessToken }, { touser: bob, msgtype: 'text', agentid: flow.agentId, text: { content: 'x' } });
    expect(onlyBob.errcode).toBe(81013);
    // A third-party app has no corpsecret: gettoken is refused for its corp.
    expect((await api('gettoken', { corpid: flow.corp, corpsecret: flow.permanent.permanent_code })).errcode).toBe(40001);
  });

  it('records a create_auth answer that is not the literal success', async () => {
    provider.commandAnswer = 'ok';
    const install = await control('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId: CUSTOMER });
    expect(install.body).toMatchObject({ answer: 'ok', ok: false });
    expect(install.body.reason).toMatch(/literal "success"/);
    expect(sim.calls({ endpoint: 'callback/create_auth' })[0]!.reason).toMatch(/literal "success"/);
  });

  it('corpid_to_opencorpid: the encrypted id for an installed corp, 48001 for a corp that never installed', async () => {
    const flow = await installViaMarket();
    const pat = await providerToken();
    expect(await providerToken()).toBe(pat); // the same token within its validity (DOC-91200)
    expect(await api('service/corpid_to_opencorpid', { provider_access_token: pat }, { corpid: CUSTOMER })).toMatchObject({ errcode: 0, open_corpid: flow.corp });
    expect((await api('service/corpid_to_opencorpid', { provider_access_token: pat }, { corpid: OTHER })).errcode).toBe(48001);
    expect((await api('service/corpid_to_opencorpid', { provider_access_token: flow.sat }, { corpid: CUSTOMER })).errcode).toBe(40014);
    expect((await api('service/get_provider_token', {}, { corpid: PROVIDER, provider_secret: 'wrong' })).errcode).toBe(40001);
  });

  it('site install: install page, Authorize → 302 with auth_code and state, no create_auth, pre_auth_code single use', async () => {
    const sat = await suiteToken();
    const pre = await api('service/get_pre_auth_code', { suite_access_token: sat });
    expect(pre).toMatchObject({ errcode: 0, expires_in: 1200 });
    expect((await api('service/set_session_info', { suite_access_token: sat }, { pre_auth_code: 'nope', session_info: {} })).errcode).toBe(40077);
    expect((await api('service/set_session_info', { suite_access_token: sat }, { pre_auth_code: pre.pre_auth_code, session_info: { auth_type: 1, mode: 2 } })).errcode).toBe(40058);
    expect(await api('service/set_session_info', { suite_access_token: sat }, { pre_auth_code: pre.pre_auth_code, session_info: { auth_type: 1 } })).toMatchObject({ errcode: 0 });
    const link = { suite_id: SUITE_ID, pre_auth_code: pre.pre_auth_code, redirect_uri: 'http://127.0.0.1:8787/wecom/installed', state: 'abc123' };
    const page = await fetch(`${sim.url}/3rdapp/install?${new URLSearchParams(link)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(CUSTOMER);
    expect(html).toContain('Authorize');
    expect((await fetch(`${sim.url}/3rdapp/install?${new URLSearchParams({ ...link, state: 'bad state!' })}`)).status).toBe(400);
    expect((await fetch(`${sim.url}/3rdapp/install?${new URLSearchParams({ ...link, suite_id: 'wwother0001' })}`)).status).toBe(400);

    const commandsBefore = provider.received.filter((r) => r.kind === 'command').length;
    const authorized = await fetch(`${sim.url}/3rdapp/install`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...link, corpid: CUSTOMER }).toString(),
    });
    expect(authorized.status).toBe(302);
    const location = new URL(authorized.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:8787/wecom/installed');
    expect(location.searchParams.get('expires_in')).toBe('600');
    expect(location.searchParams.get('state')).toBe('abc123');
    expect(provider.received.filter((r) => r.kind === 'command')).toHaveLength(commandsBefore); // no create_auth (DOC-100964)
    // The pre_auth_code is spent.
    expect((await fetch(`${sim.url}/3rdapp/install?${new URLSearchParams(link)}`)).status).toBe(400);
    const permanent = await api('service/v2/get_permanent_code', { suite_access_token: sat }, { auth_code: location.searchParams.get('auth_code')! });
    expect(permanent).toMatchObject({ errcode: 0, auth_corp_info: { corp_name: 'Acme' } });
    expect((await control('GET', `/_sim/wecom/suites/${SUITE_ID}`)).body.authorizations[0]).toMatchObject({ via: 'site', authType: 1, state: 'abc123' });
  });

  it('cancel: cancel_auth with the id the app sees, then get_corp_token 40084 and the old token 40014', async () => {
    const flow = await installViaMarket();
    const cancelled = await control('POST', `/_sim/wecom/suites/${SUITE_ID}/cancel`, { corpId: CUSTOMER });
    expect(cancelled.status).toBe(200);
    expect(provider.commands('cancel_auth')).toEqual([expect.objectContaining({ SuiteId: SUITE_ID, AuthCorpId: flow.corp })]);
    const token = await api('service/get_corp_token', { suite_access_token: flow.sat }, { auth_corpid: flow.corp, permanent_code: flow.permanent.permanent_code });
    expect(token.errcode).toBe(40084);
    expect((await control('GET', `/_sim/wecom/suites/${SUITE_ID}`)).body.authorizations.filter((a: any) => !a.cancelled)).toEqual([]);
    const send = await api('message/send', { access_token: flow.accessToken }, { touser: flow.permanent.auth_user_info.userid, msgtype: 'text', agentid: flow.agentId, text: { content: 'x' } });
    expect(send.errcode).toBe(40014);
    expect((await control('GET', `/_sim/wecom/suites/${SUITE_ID}`)).body.authorizations[0].cancelled).toBe(true);
  });

  it('license info: 90-day trial from the first install survives cancel and reinstall; accounts list the licensed members', async () => {
    const installedAt = sim.clock.now();
    const first = await installViaMarket();
    const info = async () => api('license/get_app_license_info', { provider_access_token: await providerToken() }, { corpid: CUSTOMER, suite_id: SUITE_ID });
    const before = await info();
    expect(before).toMatchObject({ errcode: 0, license_status: 1 });
    expect(Math.abs(before.trail_info.start_time - Math.floor(installedAt / 1000))).toBeLessThanOrEqual(2);
    expect(before.trail_info.end_time - before.trail_info.start_time).toBe(90 * 24 * 3600);

    await advance(5 * DAY);
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/cancel`, { corpId: first.corp });
    expect((await info()).errcode).toBe(48004); // not installed right now
    const second = await installViaMarket();
    expect(second.agentId).not.toBe(first.agentId);
    expect(second.corp).toBe(first.corp); // same provider, same encrypted id
    expect((await info()).trail_info).toEqual(before.trail_info);

    const accounts = await api('license/list_actived_account', { provider_access_token: await providerToken() }, { corpid: second.corp, limit: 1 });
    expect(accounts).toMatchObject({ errcode: 0, has_more: 1 });
    expect(accounts.account_list).toHaveLength(1);
    const rest = await api('license/list_actived_account', { provider_access_token: await providerToken() }, { corpid: CUSTOMER, cursor: accounts.next_cursor });
    expect(rest).toMatchObject({ has_more: 0, next_cursor: '' });
    const listed = [...accounts.account_list, ...rest.account_list].map((a: any) => a.userid).sort();
    expect(listed).toEqual([await appUser('alice'), await appUser('carol')].sort());
    expect((await api('license/list_actived_account', { provider_access_token: await providerToken() }, { corpid: CUSTOMER, limit: 1001 })).errcode).toBe(701101);

    // Deactivating carol: message/send then lists her in unlicenseduser.
    expect((await control('POST', `/_sim/wecom/customers/${CUSTOMER}/licenses`, { userId: 'carol', active: false })).status).toBe(200);
    const carol = await appUser('carol');
    const sent = await api('message/send', { access_token: second.accessToken }, { touser: `${carol}|${await appUser('alice')}`, msgtype: 'text', agentid: second.agentId, text: { content: 'x' } });
    expect(sent).toMatchObject({ errcode: 0, unlicenseduser: carol.toLowerCase() });
  });

  it('a click via /_sim/click reaches the data URL encrypted for the corp id the app sees', async () => {
    const flow = await installViaMarket();
    const alice = await appUser('alice');
    const card = await api('message/send', { access_token: flow.accessToken }, { touser: alice, msgtype: 'template_card', agentid: flow.agentId, template_card: buttonCard('INC-9') });
    expect(card.errcode).toBe(0);
    const click = await control('POST', '/_sim/click', { platform: 'wecom', orgId: flow.corp, userId: alice, cardId: 'INC-9', buttonKey: 'ack:INC-9' });
    expect(click.status).toBe(200);
    const data = provider.received.filter((r) => r.kind === 'data');
    expect(data).toHaveLength(1);
    expect(data[0]!.query.get('msg_signature')).toBeTruthy();
    expect(data[0]!.path).toBe(`/suite/data/${flow.corp}`); // $CORPID$ replaced (DOC-90595)
    expect(data[0]!.envelope!.ToUserName).toBe(flow.corp); // decrypted with receiveid = this id
    expect(data[0]!.event).toMatchObject({ ToUserName: flow.corp, FromUserName: alice, Event: 'template_card_event', EventKey: 'ack:INC-9', AgentID: String(flow.agentId) });
  });

  it('unlicensed_notify goes to the data URL for an unlicensed member only', async () => {
    const flow = await installViaMarket();
    const notify = await control('POST', `/_sim/wecom/suites/${SUITE_ID}/unlicensed-notify`, { corpId: CUSTOMER, userId: 'bob' });
    expect(notify.body).toMatchObject({ ok: true, status: 200 });
    const event = provider.received.find((r) => r.kind === 'data')!.event!;
    expect(event).toMatchObject({ ToUserName: flow.corp, FromUserName: await appUser('Bob'), MsgType: 'event', Event: 'unlicensed_notify', AgentID: String(flow.agentId) });
    expect((await control('POST', `/_sim/wecom/suites/${SUITE_ID}/unlicensed-notify`, { corpId: CUSTOMER, userId: 'alice' })).status).toBe(409);
  });

  it('third-party OAuth: a signed-in member gets a code; getuserinfo3rd answers ids as the app sees them, once', async () => {
    const flow = await installViaMarket();
    const authorize = `${sim.url}/connect/oauth2/authorize?${new URLSearchParams({ appid: SUITE_ID, redirect_uri: 'http://127.0.0.1:8787/link', response_type: 'code', scope: 'snsapi_base', state: 'x1' })}`;
    expect((await fetch(authorize, { redirect: 'manual' })).status).toBe(200); // picker without a signed-in member
    const signedIn = await fetch(`${sim.url}/_sim/wecom/client?user=alice&url=${encodeURIComponent('http://127.0.0.1:8787/')}`, { redirect: 'manual' });
    expect(signedIn.status).toBe(302);
    const redirected = await fetch(authorize, { redirect: 'manual', headers: { cookie: 'sim_wecom_user=alice' } });
    expect(redirected.status).toBe(302);
    const code = new URL(redirected.headers.get('location')!).searchParams.get('code')!;
    const who = await api('service/auth/getuserinfo3rd', { suite_access_token: flow.sat, code });
    expect(who).toMatchObject({ errcode: 0, corpid: flow.corp, userid: await appUser('alice'), open_userid: await appUser('alice') });
    expect(who.user_ticket).toBeUndefined(); // snsapi_base
    expect((await api('service/auth/getuserinfo3rd', { suite_access_token: flow.sat, code })).errcode).toBe(40029);
  });

  it('URL checks: command with receiveid = suite id, data with the provider corpid', async () => {
    expect((await control('POST', `/_sim/wecom/suites/${SUITE_ID}/verify`, { which: 'command' })).body).toMatchObject({ ok: true, status: 200 });
    expect((await control('POST', `/_sim/wecom/suites/${SUITE_ID}/verify`, { which: 'data' })).body).toMatchObject({ ok: true, status: 200 });
    const dataCheck = provider.received.find((r) => r.kind === 'data' && r.method === 'GET')!;
    expect(dataCheck.path).toBe(`/suite/data/${PROVIDER}`); // $CORPID$ = the provider's corpid on the check (DOC-90595)
    expect((await control('POST', `/_sim/wecom/suites/${SUITE_ID}/verify`, { which: 'both' })).status).toBe(400);
  });

  it('historical corps keep plain ids until every app of the provider is removed', async () => {
    await control('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Acme', users: people, historical: true });
    const first = await installViaMarket();
    expect(first.corp).toBe(CUSTOMER);
    expect(await appUser('alice')).toBe('alice');
    const pat = await providerToken();
    expect((await api('service/corpid_to_opencorpid', { provider_access_token: pat }, { corpid: CUSTOMER })).open_corpid).toBe(CUSTOMER);
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/cancel`, { corpId: CUSTOMER });
    const second = await installViaMarket();
    expect(second.corp).toMatch(/^wp/); // new again (DOC-96516 FAQ 3)
  });

  it('代开发 template: permanent_code is the secret for gettoken; get_corp_token and getuserinfo3rd are refused', async () => {
    const dk = 'dkTemplate0001';
    expect((await putSuite({ developerHosted: true, commandUrl: undefined }, dk)).status).toBe(200);
    expect((await putSuite({ developerHosted: true }, 'wwnotdk')).status).toBe(400);
    // Without a command URL there is no ticket: a dk template cannot get a suite token yet.
    expect((await control('GET', `/_sim/wecom/suites/${dk}`)).body.ticket).toBeNull();
    await putSuite({ developerHosted: true }, dk);
    // Only one app of a provider per corp is played: use the other customer.
    const install = await control('POST', `/_sim/wecom/suites/${dk}/market-install`, { corpId: OTHER });
    expect(install.status).toBe(200);
    const sat = await suiteToken(dk);
    const permanent = await api('service/v2/get_permanent_code', { suite_access_token: sat }, { auth_code: install.body.authCode });
    const corp = permanent.auth_corp_info.corpid as string;
    const info = await api('service/v2/get_auth_info', { suite_access_token: sat }, { auth_corpid: corp, permanent_code: permanent.permanent_code });
    expect(info.auth_info.agent[0].is_customized_app).toBe(true);
    expect((await api('service/get_corp_token', { suite_access_token: sat }, { auth_corpid: corp, permanent_code: permanent.permanent_code })).errcode).toBe(48002);
    const token = await api('gettoken', { corpid: corp, corpsecret: permanent.permanent_code });
    expect(token).toMatchObject({ errcode: 0 });
    expect((await api('service/auth/getuserinfo3rd', { suite_access_token: sat, code: 'any' })).errcode).toBe(48002);
  });

  it('suite tokens expire (42009), are not provider tokens (40082), and are checked before the contract', async () => {
    await putSuite({ tokenTtlSeconds: 60 });
    const sat = await suiteToken();
    expect((await api('service/get_pre_auth_code', { suite_access_token: sat })).errcode).toBe(0);
    expect((await api('service/get_pre_auth_code', {})).errcode).toBe(41022);
    expect((await api('service/get_pre_auth_code', { suite_access_token: await providerToken() })).errcode).toBe(40082);
    expect((await api('service/v2/get_permanent_code', { suite_access_token: sat }, { auth_code: 'short' })).errcode).toBe(40078);
    await advance(61_000);
    expect((await api('service/get_pre_auth_code', { suite_access_token: sat })).errcode).toBe(42009);
  });

  it('market page: lists suites and customers; its Install form installs and comes back', async () => {
    const page = await fetch(`${sim.url}/_sim/wecom/market`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(SUITE_ID);
    expect(html).toContain(`/_sim/wecom/suites/${SUITE_ID}/market-install`);
    const installed = await fetch(`${sim.url}/_sim/wecom/suites/${SUITE_ID}/market-install`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `corpId=${CUSTOMER}`,
    });
    expect(installed.status).toBe(303);
    expect(provider.commands('create_auth')).toHaveLength(1);
    expect(await (await fetch(`${sim.url}/_sim/wecom/market`)).text()).toContain('Remove');
  });

  it('flags an auth event answered after 1000 ms', async () => {
    await sim.stop();
    sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000 });
    await control('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Acme', users: people });
    await putSuite();
    provider.commandDelayMs = 1100;
    const install = await control('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId: CUSTOMER });
    expect(install.body).toMatchObject({ answer: 'success', status: 200, ok: false });
    expect(install.body.reason).toMatch(/within 1000 ms/);
  });

  it('refuses bad configuration and clears everything on reset', async () => {
    expect((await control('PUT', '/_sim/wecom/suites/xxbad', { suiteSecret: 's', token: TOKEN, encodingAesKey: AES_KEY, providerCorpId: PROVIDER, providerSecret: PROVIDER_SECRET })).status).toBe(400);
    expect((await putSuite({ encodingAesKey: 'short' }, 'wwsecond0001')).status).toBe(400);
    expect((await putSuite({ providerSecret: 'other' }, 'wwsecond0001')).status).toBe(400);
    expect((await control('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId: 'wwnobody' })).status).toBe(404);
    expect((await control('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId: CUSTOMER, state: 'no spaces' })).status).toBe(400);
    await control('POST', '/_sim/reset');
    expect((await control('GET', `/_sim/wecom/suites/${SUITE_ID}`)).status).toBe(404);
    expect((await api('service/get_provider_token', {}, { corpid: PROVIDER, provider_secret: PROVIDER_SECRET })).errcode).toBe(40013);
  });
});
