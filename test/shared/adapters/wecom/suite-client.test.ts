import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WeComSuiteClient, weComSuiteApiFactory } from '../../../../shared/adapters/wecom/suite-client';
import {
  WeComApiError,
  WeComCredentialsError,
  WeComPermanentError,
  WeComRetryableError,
  WeComTokenError,
} from '../../../../shared/adapters/wecom/errors';
import { WeComCrypto } from '../../../../shared/crypto';
import { isSuiteErrcode, suiteErrcodes } from '../../../../shared/domain/wecom-suite-errcodes';
import { createSimulator, type Simulator } from '../../../../sim/server';

const SUITE_SECRET = 'suite-secret-never-logged';
const PROVIDER_SECRET = 'provider-secret-never-logged';
const SUITE_TOKEN = 'suite-token-never-logged';
const PROVIDER_TOKEN = 'provider-token-never-logged';
const TICKET = 'ticket-never-logged';

/** What a stand-in WeCom received. */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

type Reply = (res: ServerResponse) => void;
const json = (body: unknown, status = 200): Reply => (res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/**
 * A node:http stand-in for qyapi that answers what a test tells it to: malformed answers, HTTP
 * errors and silence, which the simulator never produces.
 */
class StandIn {
  readonly received: Received[] = [];
  reply: Reply = json({ errcode: 0, errmsg: 'ok' });
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body: raw ? JSON.parse(raw) : undefined });
        this.reply(res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  last(): Received {
    const request = this.received.at(-1);
    if (!request) throw new Error('the stand-in received nothing');
    return request;
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<WeComApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WeComApiError);
    return error as WeComApiError;
  }
  throw new Error('expected a failure, the call succeeded');
}

function expectNoSecrets(error: Error): void {
  for (const secret of [SUITE_SECRET, PROVIDER_SECRET, SUITE_TOKEN, PROVIDER_TOKEN, TICKET]) {
    expect(error.message).not.toContain(secret);
    expect((error as WeComApiError).reason).not.toContain(secret);
    expect(error.stack ?? '').not.toContain(secret);
  }
}

describe('WeComSuiteClient against a stand-in (request shapes, malformed answers, failures)', () => {
  const standIn = new StandIn();
  let client: WeComSuiteClient;

  beforeAll(() => standIn.start());
  afterAll(() => standIn.stop());
  beforeEach(() => {
    standIn.received.length = 0;
    standIn.reply = json({ errcode: 0, errmsg: 'ok' });
    // Generous: a first request on a busy machine can take hundreds of ms. The timeout test uses its own.
    client = new WeComSuiteClient({ apiBase: `${standIn.url}/`, timeoutMs: 5000 });
  });

  it('get_suite_token: POSTs id, secret and ticket in the body, accepts a success without errcode (DOC-90600)', async () => {
    standIn.reply = json({ suite_access_token: 'st-1', expires_in: 7200 });
    await expect(client.getSuiteToken({ suiteId: 'wwsuite', suiteSecret: SUITE_SECRET, suiteTicket: TICKET })).resolves.toEqual({ token: 'st-1', expiresInSeconds: 7200 });
    expect(standIn.last()).toEqual({
      method: 'POST',
      path: '/cgi-bin/service/get_suite_token',
      query: {},
      body: { suite_id: 'wwsuite', suite_secret: SUITE_SECRET, suite_ticket: TICKET },
    });
  });

  it('get_suite_token: 40085 is a retryable error carrying the errcode, without the secret or the ticket', async () => {
    standIn.reply = json({ errcode: 40085, errmsg: 'invalid suite_ticket' });
    const error = await failure(client.getSuiteToken({ suiteId: 'wwsuite', suiteSecret: SUITE_SECRET, suiteTicket: TICKET }));
    expect(error).toBeInstanceOf(WeComRetryableError);
    expect(error).toMatchObject({ errcode: 40085, endpoint: 'service/get_suite_token', errmsg: 'invalid suite_ticket' });
    expect(error.message).toContain('service/get_suite_token');
    expectNoSecrets(error);
  });

  it('get_provider_token: body {corpid, provider_secret}; success with or without errcode (DOC-91200)', async () => {
    standIn.reply = json({ provider_access_token: 'pt-1', expires_in: 7200 });
    await expect(client.getProviderToken({ providerCorpId: 'wwprovider', providerSecret: PROVIDER_SECRET })).resolves.toEqual({ token: 'pt-1', expiresInSeconds: 7200 });
    expect(standIn.last()).toEqual({ method: 'POST', path: '/cgi-bin/service/get_provider_token', query: {}, body: { corpid: 'wwprovider', provider_secret: PROVIDER_SECRET } });
    standIn.reply = json({ errcode: 0, errmsg: 'ok', provider_access_token: 'pt-2', expires_in: 7000 });
    await expect(client.getProviderToken({ providerCorpId: 'wwprovider', providerSecret: PROVIDER_SECRET })).resolves.toEqual({ token: 'pt-2', expiresInSeconds: 7000 });
  });

  it('elsewhere a success without errcode is unreadable (retryable)', async () => {
    standIn.reply = json({ open_corpid: 'wpOpen' });
    const error = await failure(client.corpIdToOpenCorpId(PROVIDER_TOKEN, 'wwplain'));
    expect(error).toBeInstanceOf(WeComRetryableError);
    expect(error.reason).toBe('the answer has no errcode');
    expectNoSecrets(error);
  });

  it('get_corp_token: token in the query, auth_corpid + permanent_code in the body, errcode may be omitted (DOC-90605)', async () => {
    standIn.reply = json({ access_token: 'corp-token', expires_in: 7200 });
    await expect(client.getCorpToken(SUITE_TOKEN, { corpId: 'wpCorp', permanentCode: 'perm' })).resolves.toEqual({ token: 'corp-token', expiresInSeconds: 7200 });
    expect(standIn.last()).toEqual({
      method: 'POST',
      path: '/cgi-bin/service/get_corp_token',
      query: { suite_access_token: SUITE_TOKEN },
      body: { auth_corpid: 'wpCorp', permanent_code: 'perm' },
    });
  });

  it('does not retry an expired suite token itself: one request, a WeComTokenError with errcode 42009', async () => {
    standIn.reply = json({ errcode: 42009, errmsg: 'suite_access_token expired' });
    const error = await failure(client.getPreAuthCode(SUITE_TOKEN));
    expect(error).toBeInstanceOf(WeComTokenError);
    expect(error.errcode).toBe(42009);
    expect(standIn.received).toHaveLength(1);
    expect(standIn.last()).toMatchObject({ method: 'GET', path: '/cgi-bin/service/get_pre_auth_code', query: { suite_access_token: SUITE_TOKEN } });
    expectNoSecrets(error);
  });

  it('set_session_info: {pre_auth_code, session_info:{auth_type}} (DOC-90602)', async () => {
    await client.setSessionInfo(SUITE_TOKEN, { preAuthCode: 'pre-1', authType: 1 });
    expect(standIn.last()).toEqual({
      method: 'POST',
      path: '/cgi-bin/service/set_session_info',
      query: { suite_access_token: SUITE_TOKEN },
      body: { pre_auth_code: 'pre-1', session_info: { auth_type: 1 } },
    });
  });

  it('v2 get_permanent_code: corpid verbatim, state and installer (DOC-100776)', async () => {
    standIn.reply = json({
      errcode: 0,
      errmsg: 'ok',
      permanent_code: 'perm-1',
      auth_corp_info: { corpid: 'wpAbCdEf', corp_name: 'Acme' },
      auth_user_info: { userid: 'woInstaller', open_userid: 'woOpen', name: 'x' },
      state: 'nonce42',
    });
    await expect(client.getPermanentCode(SUITE_TOKEN, 'auth-1')).resolves.toEqual({
      permanentCode: 'perm-1',
      corpId: 'wpAbCdEf',
      corpName: 'Acme',
      state: 'nonce42',
      installerUserId: 'woInstaller',
    });
    expect(standIn.last()).toMatchObject({ path: '/cgi-bin/service/v2/get_permanent_code', body: { auth_code: 'auth-1' } });
  });

  it('v2 get_auth_info: agentid (a JSON integer) becomes a digit string; no auth_info means no agents', async () => {
    standIn.reply = json({
      errcode: 0,
      auth_corp_info: { corpid: 'wpAbCdEf', corp_name: 'Acme' },
      auth_info: { agent: [{ agentid: 1000005, name: 'DutyBridge', auth_mode: 0, is_customized_app: false, privilege: { level: 1 } }] },
    });
    await expect(client.getAuthInfo(SUITE_TOKEN, { corpId: 'wpAbCdEf', permanentCode: 'perm-1' })).resolves.toEqual({
      corpId: 'wpAbCdEf',
      corpName: 'Acme',
      agents: [{ agentId: '1000005', name: 'DutyBridge', authMode: 0, isCustomizedApp: false }],
    });
    expect(standIn.last()).toMatchObject({ path: '/cgi-bin/service/v2/get_auth_info', body: { auth_corpid: 'wpAbCdEf', permanent_code: 'perm-1' } });

    standIn.reply = json({ errcode: 0, auth_corp_info: { corpid: 'wpAbCdEf', corp_name: 'Acme' } });
    await expect(client.getAuthInfo(SUITE_TOKEN, { corpId: 'wpAbCdEf', permanentCode: 'perm-1' })).resolves.toMatchObject({ agents: [] });
  });

  it('getuserinfo3rd: GET with suite token and code; a member or an outsider', async () => {
    standIn.reply = json({ errcode: 0, corpid: 'wpAbCdEf', userid: 'woUser', open_userid: 'woOpen', user_ticket: 't', expires_in: 1800 });
    await expect(client.getUserInfo3rd(SUITE_TOKEN, 'code-1')).resolves.toEqual({ corpId: 'wpAbCdEf', userId: 'woUser', openUserId: 'woOpen' });
    expect(standIn.last()).toMatchObject({ method: 'GET', path: '/cgi-bin/service/auth/getuserinfo3rd', query: { suite_access_token: SUITE_TOKEN, code: 'code-1' }, body: undefined });
    standIn.reply = json({ errcode: 0, openid: 'oOutsider' });
    await expect(client.getUserInfo3rd(SUITE_TOKEN, 'code-2')).resolves.toEqual({ openId: 'oOutsider' });
  });

  it('get_app_license_info: trail_info (sic) seconds become ms; no trial, no trial fields (DOC-95844)', async () => {
    standIn.reply = json({ errcode: 0, license_status: 1, trail_info: { start_time: 1651752000, end_time: 1659700800 }, license_check_time: 1684166400 });
    await expect(client.getAppLicenseInfo(PROVIDER_TOKEN, { corpId: 'wpAbCdEf', suiteId: 'wwsuite' })).resolves.toEqual({
      licenseStatus: 1,
      trialStartMs: 1651752000000,
      trialEndMs: 1659700800000,
      licenseCheckTimeMs: 1684166400000,
    });
    expect(standIn.last()).toEqual({
      method: 'POST',
      path: '/cgi-bin/license/get_app_license_info',
      query: { provider_access_token: PROVIDER_TOKEN },
      body: { corpid: 'wpAbCdEf', suite_id: 'wwsuite' },
    });
    standIn.reply = json({ errcode: 0, license_status: 0 });
    await expect(client.getAppLicenseInfo(PROVIDER_TOKEN, { corpId: 'wpAbCdEf', suiteId: 'wwsuite' })).resolves.toEqual({ licenseStatus: 0 });
  });

  it('list_actived_account: one page, times in ms, cursor forwarded, has_more 0/1 (DOC-95544)', async () => {
    standIn.reply = json({ errcode: 0, next_cursor: 'c2', has_more: 1, account_list: [{ userid: 'woA', type: 1, active_time: 1700000000, expire_time: 1731536000 }] });
    await expect(client.listActivatedAccounts(PROVIDER_TOKEN, { corpId: 'wpAbCdEf', cursor: 'c1' })).resolves.toEqual({
      accounts: [{ userId: 'woA', type: 1, activeTimeMs: 1700000000000, expireTimeMs: 1731536000000 }],
      nextCursor: 'c2',
      hasMore: true,
    });
    expect(standIn.last()).toMatchObject({ path: '/cgi-bin/license/list_actived_account', query: { provider_access_token: PROVIDER_TOKEN }, body: { corpid: 'wpAbCdEf', limit: 1000, cursor: 'c1' } });

    standIn.reply = json({ errcode: 0, next_cursor: '', has_more: 0 });
    await expect(client.listActivatedAccounts(PROVIDER_TOKEN, { corpId: 'wpAbCdEf', limit: 10 })).resolves.toEqual({ accounts: [], hasMore: false });
    expect(standIn.last().body).toEqual({ corpid: 'wpAbCdEf', limit: 10 });
  });

  it('refuses requests WeCom would reject, before any call', async () => {
    const limitError = await failure(client.listActivatedAccounts(PROVIDER_TOKEN, { corpId: 'wpAbCdEf', limit: 1001 }));
    expect(limitError).toBeInstanceOf(WeComPermanentError);
    expect(limitError.reason).toBe('limit must be an integer in 1..1000');
    const tokenError = await failure(client.getPreAuthCode(''));
    expect(tokenError.reason).toBe('suite_access_token is required');
    await expect(client.getPermanentCode(SUITE_TOKEN, '')).rejects.toBeInstanceOf(WeComPermanentError);
    expect(standIn.received).toHaveLength(0);
    expect(() => new WeComSuiteClient({ apiBase: 'qyapi.weixin.qq.com' })).toThrow(WeComCredentialsError);
  });

  describe('unreadable answers and transport failures are retryable and never leak tokens or secrets', () => {
    const cases: [string, Reply, RegExp][] = [
      ['not JSON', (res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>gateway</html>'); }, /not JSON/],
      ['a JSON array', json([1, 2]), /numeric errcode/],
      ['a string errcode', json({ errcode: '0', access_token: 'x', expires_in: 7200 }), /numeric errcode/],
      ['HTTP 500', json({ errcode: 0 }, 500), /HTTP 500/],
      ['HTTP 429', json('slow down', 429), /HTTP 429/],
      ['errcode 0 but the wrong shape', json({ errcode: 0, access_token: '', expires_in: 'soon' }), /documented shape \(access_token, expires_in\)/],
      ['-1 (busy)', json({ errcode: -1, errmsg: 'system busy' }), /busy/],
    ];

    it.each(cases)('%s', async (_label, reply, reason) => {
      standIn.reply = reply;
      const error = await failure(client.getCorpToken(SUITE_TOKEN, { corpId: 'wpAbCdEf', permanentCode: 'perm-never-logged' }));
      expect(error).toBeInstanceOf(WeComRetryableError);
      expect(error.reason).toMatch(reason);
      expect(error.endpoint).toBe('service/get_corp_token');
      expectNoSecrets(error);
      expect(error.message).not.toContain('perm-never-logged');
    });

    it('a timeout', async () => {
      standIn.reply = () => undefined; // never answers
      const impatient = new WeComSuiteClient({ apiBase: standIn.url, timeoutMs: 300 });
      const error = await failure(impatient.getSuiteToken({ suiteId: 'wwsuite', suiteSecret: SUITE_SECRET, suiteTicket: TICKET }));
      expect(error).toBeInstanceOf(WeComRetryableError);
      expect(error.reason).toBe('no answer within 300 ms');
      expect(error.errcode).toBeUndefined();
      expectNoSecrets(error);
    });

    it('a refused connection', async () => {
      const closed = new StandIn();
      await closed.start();
      const url = closed.url;
      await closed.stop();
      const error = await failure(new WeComSuiteClient({ apiBase: url }).getProviderToken({ providerCorpId: 'wwprovider', providerSecret: PROVIDER_SECRET }));
      expect(error).toBeInstanceOf(WeComRetryableError);
      expect(error.reason).toMatch(/^network failure \(/);
      expectNoSecrets(error);
    });

    it('HTTP 404 is permanent (wrong API base)', async () => {
      standIn.reply = json('not found', 404);
      const error = await failure(client.corpIdToOpenCorpId(PROVIDER_TOKEN, 'wwplain'));
      expect(error).toBeInstanceOf(WeComPermanentError);
      expect(error.reason).toContain('HTTP 404');
      expectNoSecrets(error);
    });
  });

  it('weComSuiteApiFactory builds a client that honours WECOM_TIMEOUT_MS', async () => {
    const previous = process.env.WECOM_TIMEOUT_MS;
    process.env.WECOM_TIMEOUT_MS = '120';
    try {
      const api = weComSuiteApiFactory(standIn.url);
      expect(api).toBeInstanceOf(WeComSuiteClient);
      standIn.reply = () => undefined;
      const error = await failure(api.getPreAuthCode(SUITE_TOKEN));
      expect(error.reason).toBe('no answer within 120 ms');
    } finally {
      if (previous === undefined) delete process.env.WECOM_TIMEOUT_MS;
      else process.env.WECOM_TIMEOUT_MS = previous;
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Against the simulator's service-provider side, over real HTTP.

const SUITE_ID = 'wwsuiteclienttest';
const SIM_SUITE_SECRET = 'sim-suite-secret-never-logged';
const SIM_PROVIDER_SECRET = 'sim-provider-secret-never-logged';
const PROVIDER_CORP = 'wwproviderclienttest';
const CALLBACK_TOKEN = 'suiteCallbackToken1';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CUSTOMER = 'wwcustomerclient';
const STRANGER = 'wwstrangerclient';

/**
 * The provider's command URL: decrypts each push with receiveid = suite id (DOC-90613) and answers
 * the literal `success`; keeps the suite_tickets it saw, newest last.
 */
class CommandReceiver {
  readonly tickets: string[] = [];
  private readonly crypto = new WeComCrypto({ token: CALLBACK_TOKEN, encodingAesKey: AES_KEY, receiveId: SUITE_ID });
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const query = new URL(req.url ?? '/', 'http://receiver').searchParams;
        const encrypt = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? '';
        const xml = this.crypto.decryptMessage({ msgSignature: query.get('msg_signature') ?? '', timestamp: query.get('timestamp') ?? '', nonce: query.get('nonce') ?? '', encrypt });
        const ticket = /<SuiteTicket><!\[CDATA\[([^\]]+)\]\]><\/SuiteTicket>/.exec(xml)?.[1];
        if (ticket) this.tickets.push(ticket);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('success');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/wecom/command`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  newest(): string {
    const ticket = this.tickets.at(-1);
    if (!ticket) throw new Error('no suite_ticket was pushed');
    return ticket;
  }
}

interface SimAuthorization {
  plainCorpId: string;
  corpId: string;
  agentId: number;
  permanentCode: string;
  trialEndMs: number | null;
  users: { plainUserId: string; userId: string; unlicensed: boolean }[];
}

describe('WeComSuiteClient against the simulator', () => {
  let sim: Simulator;
  const receiver = new CommandReceiver();
  let client: WeComSuiteClient;
  let suiteToken: string;
  let providerToken: string;
  let authCode: string;

  async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${sim.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
  const authorization = async (): Promise<SimAuthorization> => {
    const state = await control<{ authorizations: SimAuthorization[] }>('GET', `/_sim/wecom/suites/${SUITE_ID}`);
    expect(state.authorizations).toHaveLength(1);
    return state.authorizations[0]!;
  };

  beforeAll(async () => {
    await receiver.start();
    sim = await createSimulator({ port: 0 });
    client = new WeComSuiteClient({ apiBase: sim.url, timeoutMs: 5000 });
    await control('PUT', `/_sim/wecom/suites/${SUITE_ID}`, {
      suiteSecret: SIM_SUITE_SECRET,
      token: CALLBACK_TOKEN,
      encodingAesKey: AES_KEY,
      providerCorpId: PROVIDER_CORP,
      providerSecret: SIM_PROVIDER_SECRET,
      commandUrl: receiver.url,
    });
    const users = [
      { userId: 'zhangsan', name: 'Zhang San', mobile: '13800000001', email: 'zhangsan@example.com' },
      { userId: 'lisi', name: 'Li Si', mobile: '13800000002', email: 'lisi@example.com' },
      { userId: 'wangwu', name: 'Wang Wu', mobile: '13800000003', email: 'wangwu@example.com', unlicensed: true },
    ];
    await control('PUT', `/_sim/wecom/customers/${CUSTOMER}`, { corpName: 'Acme Ltd', users });
    await control('PUT', `/_sim/wecom/customers/${STRANGER}`, { corpName: 'Stranger Ltd', users: users.slice(0, 1) });
    ({ authCode } = await control<{ authCode: string }>('POST', `/_sim/wecom/suites/${SUITE_ID}/market-install`, { corpId: CUSTOMER }));
  });
  afterAll(async () => {
    await sim.stop();
    await receiver.stop();
  });

  it('gets a suite token with the newest pushed suite_ticket (decrypted from the command URL)', async () => {
    const pushed = await control<{ ticket: string; ok: boolean }>('POST', `/_sim/wecom/suites/${SUITE_ID}/ticket`);
    expect(pushed.ok).toBe(true);
    expect(receiver.newest()).toBe(pushed.ticket);
    const fetched = await client.getSuiteToken({ suiteId: SUITE_ID, suiteSecret: SIM_SUITE_SECRET, suiteTicket: receiver.newest() });
    expect(fetched.token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(fetched.expiresInSeconds).toBe(7200);
    suiteToken = fetched.token;
  });

  it('classifies a bogus ticket (40085, retryable) and a wrong suite secret (40080, permanent) without leaking them', async () => {
    const bogus = await failure(client.getSuiteToken({ suiteId: SUITE_ID, suiteSecret: SIM_SUITE_SECRET, suiteTicket: 'bogus-ticket-never-logged' }));
    expect(bogus).toBeInstanceOf(WeComRetryableError);
    expect(bogus.errcode).toBe(40085);
    expect(isSuiteErrcode(bogus, suiteErrcodes.ticketRejected)).toBe(true);
    const wrongSecret = await failure(client.getSuiteToken({ suiteId: SUITE_ID, suiteSecret: 'wrong-secret-never-logged', suiteTicket: receiver.newest() }));
    expect(wrongSecret).toBeInstanceOf(WeComPermanentError);
    expect(wrongSecret.errcode).toBe(40080);
    for (const error of [bogus, wrongSecret]) {
      for (const secret of [SIM_SUITE_SECRET, 'wrong-secret-never-logged', 'bogus-ticket-never-logged', receiver.newest()]) {
        expect(error.message).not.toContain(secret);
        expect(error.stack ?? '').not.toContain(secret);
      }
    }
  });

  it('gets a provider token; a wrong provider secret fails without leaking it', async () => {
    const fetched = await client.getProviderToken({ providerCorpId: PROVIDER_CORP, providerSecret: SIM_PROVIDER_SECRET });
    expect(fetched.expiresInSeconds).toBe(7200);
    providerToken = fetched.token;
    const error = await failure(client.getProviderToken({ providerCorpId: PROVIDER_CORP, providerSecret: 'wrong-provider-secret' }));
    expect(error).toBeInstanceOf(WeComPermanentError);
    expect(error.errcode).toBe(40001);
    expect(error.message).not.toContain('wrong-provider-secret');
  });

  it('gets a pre-auth code and sets a test authorization on it', async () => {
    const pre = await client.getPreAuthCode(suiteToken);
    expect(pre.preAuthCode.length).toBeGreaterThan(16);
    expect(pre.expiresInSeconds).toBe(1200);
    await expect(client.setSessionInfo(suiteToken, { preAuthCode: pre.preAuthCode, authType: 1 })).resolves.toBeUndefined();
    const unknown = await failure(client.setSessionInfo(suiteToken, { preAuthCode: 'not-a-pre-auth-code', authType: 0 }));
    expect(unknown).toMatchObject({ kind: 'permanent', errcode: 40077 });
  });

  it('exchanges the auth code once (v2 get_permanent_code); a second use is 40078', async () => {
    const auth = await authorization();
    const grant = await client.getPermanentCode(suiteToken, authCode);
    expect(grant).toMatchObject({ permanentCode: auth.permanentCode, corpId: auth.corpId, corpName: 'Acme Ltd' });
    // A corp new to the provider gets an encrypted corpid (DOC-96516), not the plain one.
    expect(grant.corpId).not.toBe(CUSTOMER);
    expect(grant.installerUserId).toBe(auth.users[0]!.userId);
    const again = await failure(client.getPermanentCode(suiteToken, authCode));
    expect(again).toBeInstanceOf(WeComPermanentError);
    expect(isSuiteErrcode(again, suiteErrcodes.authCodeUsed)).toBe(true);
  });

  it('reads the auth info: exactly one agent, its agentid as a digit string', async () => {
    const auth = await authorization();
    const info = await client.getAuthInfo(suiteToken, { corpId: auth.corpId, permanentCode: auth.permanentCode });
    expect(info.corpId).toBe(auth.corpId);
    expect(info.corpName).toBe('Acme Ltd');
    expect(info.agents).toHaveLength(1);
    expect(info.agents[0]).toMatchObject({ agentId: String(auth.agentId), authMode: 0, isCustomizedApp: false });
    expect(info.agents[0]!.agentId).toMatch(/^\d+$/);
  });

  it('gets a corp token', async () => {
    const auth = await authorization();
    const corpToken = await client.getCorpToken(suiteToken, { corpId: auth.corpId, permanentCode: auth.permanentCode });
    expect(corpToken.token.length).toBeGreaterThan(16);
    expect(corpToken.expiresInSeconds).toBe(7200);
    expect(corpToken.token).not.toBe(suiteToken);
  });

  it('converts an authorized corpid to the open corpid; an unauthorized one is 48001 with a clear reason', async () => {
    const auth = await authorization();
    await expect(client.corpIdToOpenCorpId(providerToken, CUSTOMER)).resolves.toBe(auth.corpId);
    const error = await failure(client.corpIdToOpenCorpId(providerToken, STRANGER));
    expect(error).toBeInstanceOf(WeComPermanentError);
    expect(error.errcode).toBe(48001);
    expect(error.reason).toBe('the corp has not authorized the app: authorize it first (48001)');
    expect(isSuiteErrcode(error, suiteErrcodes.notAuthorized)).toBe(true);
    expect(error.message).not.toContain(providerToken);
  });

  it('refuses a suite token where a provider token is needed (token kinds are not interchangeable)', async () => {
    const error = await failure(client.corpIdToOpenCorpId(suiteToken, CUSTOMER));
    expect(error).toBeInstanceOf(WeComTokenError);
    expect(error.errcode).toBe(40014);
    expect(error.message).not.toContain(suiteToken);
  });

  it('reads the license trial (end in ms, 90 days after the first install)', async () => {
    const auth = await authorization();
    const info = await client.getAppLicenseInfo(providerToken, { corpId: auth.corpId, suiteId: SUITE_ID });
    expect(info.licenseStatus).toBe(1);
    expect(info.trialEndMs).toBe(Math.floor(auth.trialEndMs! / 1000) * 1000);
    expect(info.trialEndMs! - info.trialStartMs!).toBe(90 * 24 * 3600 * 1000);
  });

  it('lists activated accounts page by page, ids as the app sees them', async () => {
    const auth = await authorization();
    const licensed = auth.users.filter((u) => !u.unlicensed).sort((a, b) => a.plainUserId.localeCompare(b.plainUserId));
    expect(licensed.map((u) => u.plainUserId)).toEqual(['lisi', 'zhangsan']);
    const first = await client.listActivatedAccounts(providerToken, { corpId: auth.corpId, limit: 1 });
    expect(first.hasMore).toBe(true);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.listActivatedAccounts(providerToken, { corpId: auth.corpId, limit: 1, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) });
    expect(second.hasMore).toBe(false);
    expect(second.nextCursor).toBeUndefined();
    const accounts = [...first.accounts, ...second.accounts];
    expect(accounts.map((a) => a.userId)).toEqual(licensed.map((u) => u.userId));
    for (const account of accounts) {
      expect(account.type).toBe(1);
      expect(account.expireTimeMs).toBeGreaterThan(account.activeTimeMs);
      expect(account.activeTimeMs % 1000).toBe(0);
    }
    const all = await client.listActivatedAccounts(providerToken, { corpId: auth.corpId });
    expect(all).toEqual({ accounts, hasMore: false });
  });

  it('rejects an unknown OAuth code (getuserinfo3rd, 40029)', async () => {
    const error = await failure(client.getUserInfo3rd(suiteToken, 'not-a-code'));
    expect(error).toMatchObject({ kind: 'permanent', errcode: 40029, endpoint: 'service/auth/getuserinfo3rd' });
  });

  it('after the customer removes the app, get_corp_token is a permanent "removed the app" error (40084/48004)', async () => {
    const auth = await authorization();
    await control('POST', `/_sim/wecom/suites/${SUITE_ID}/cancel`, { corpId: CUSTOMER });
    const error = await failure(client.getCorpToken(suiteToken, { corpId: auth.corpId, permanentCode: auth.permanentCode }));
    expect(error).toBeInstanceOf(WeComPermanentError);
    expect([40084, 48004]).toContain(error.errcode);
    expect(isSuiteErrcode(error, suiteErrcodes.authorizationCancelled)).toBe(true);
    expect(error.reason).toMatch(/^the customer removed the app/);
    expect(error.message).not.toContain(auth.permanentCode);
    expect(error.message).not.toContain(suiteToken);
  });
});
