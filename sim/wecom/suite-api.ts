/**
 * The WeCom API a service provider's backend calls (research wecom-suite.md §2–§5): provider and
 * suite tokens, the install flow, corp tokens, corpid conversion, third-party OAuth and the
 * license queries. Every request is checked against its contract (weComSuiteRequestContracts in
 * request-schemas.ts) and answered in WeCom's errcode style; the call log says why a call failed.
 * The install page (`/3rdapp/install`) and third-party OAuth live in suite-install.ts.
 */
import { randomBytes } from 'node:crypto';
import type { SimContext, SimRequest, SimResponse } from '../core/contract';
import { WeComApiError, wecomErrorBody, jsonObjectBody } from './errors';
import { contractViolation, isSuiteContractEndpoint, weComSuiteRequestContracts, type WeComSuiteContractEndpoint } from './request-schemas';
import type { WeComSuiteSim } from './suite';
import { handleInstallPage, handleThirdPartyAuthorize } from './suite-install';
import { AppIdTranslator } from './suite-ids';
import type { SuiteAuthorization, SuiteConfig } from './suite-state';

type Json = Record<string, unknown>;

interface Handled {
  readonly body: Json;
  readonly reason?: string;
}

interface Call {
  readonly sim: WeComSuiteSim;
  readonly req: SimRequest;
  readonly ctx: SimContext;
  readonly endpoint: WeComSuiteContractEndpoint;
  readonly body: Json;
}

/** pre_auth_code: "expires_in":1200 (DOC-90601). */
const PRE_AUTH_CODE_TTL_S = 1200;
/** user_ticket: "expires_in":7200 in the example (DOC-91121). */
const USER_TICKET_TTL_S = 7200;
/** list_actived_account: "默认值500" (DOC-95544). */
const DEFAULT_ACCOUNT_LIMIT = 500;

/** errmsg texts of the third-party codes (DOC-90455), in the style of errors.ts. */
const suiteErrorMessages: Readonly<Record<number, string>> = {
  40077: 'invalid pre_auth_code',
  40078: 'invalid auth_code',
  40080: 'invalid suite_secret',
  40082: 'invalid suite_token',
  40083: 'invalid suite_id',
  40084: 'invalid permanent_code',
  40085: 'invalid suite_ticket',
  41002: 'corpid missing',
  41004: 'secret missing',
  41022: 'suite_access_token missing',
  41023: 'suite_ticket missing',
  41024: 'secret missing',
  41025: 'permanent_code missing',
  42007: 'pre_auth_code expired',
  42009: 'suite_access_token expired',
  48001: 'api unauthorized',
  48003: 'invalid suite_id',
  48004: 'api forbidden, auth relation invalid',
  84054: 'auth_corpid missing',
  701101: 'limit exceed 1000',
  701105: 'invalid cursor',
};

function errorBody(errcode: number, ctx: SimContext, remote: string): Json {
  const body = wecomErrorBody(errcode, ctx.clock.now(), remote);
  const text = suiteErrorMessages[errcode];
  return text ? { ...body, errmsg: body.errmsg.replace(/^unknown error/, text) } : body;
}

function conform(endpoint: WeComSuiteContractEndpoint, part: 'query' | 'body', input: unknown): void {
  const contract = weComSuiteRequestContracts[endpoint];
  const schema = part === 'query' ? contract.query : 'body' in contract ? contract.body : undefined;
  if (!schema) return;
  const violation = contractViolation(schema, input, part);
  if (violation) throw new WeComApiError(violation.errcode, `${violation.problems.join('; ')} (contract: ${contract.doc})`);
}

const secondsOf = (ms: number) => Math.floor(ms / 1000);
const newCode = () => randomBytes(48).toString('base64url');

export async function handleSuiteApi(sim: WeComSuiteSim, req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
  if (req.path === '/3rdapp/install') return handleInstallPage(sim, req, ctx);
  if (req.path === '/connect/oauth2/authorize') return handleThirdPartyAuthorize(sim, req, ctx);
  const match = /^\/cgi-bin\/((?:service|license)\/.+)$/.exec(req.path);
  if (!match) return undefined;
  const endpoint = match[1]!;
  const remote = req.remoteAddress.replace(/^::ffff:/, '');
  let requestBody: unknown;
  let lost = false;
  const respond = (body: Json, reason?: string, status = 200): SimResponse => {
    if (lost) reason = [reason, 'fault injected: lost-answer (the call was executed; its answer is dropped)'].filter(Boolean).join('; ');
    ctx.record({
      platform: 'wecom', endpoint, method: req.method, path: req.path, query: Object.fromEntries(req.query), requestBody, status,
      // get_provider_token / get_suite_token / get_corp_token answer success without errcode (DOC-91200, DOC-90600, DOC-90605).
      resultCode: typeof body.errcode === 'number' ? body.errcode : status === 200 ? 0 : status,
      responseBody: body, reason,
    });
    if (reason) ctx.log(`wecom ${endpoint}: ${reason}`);
    return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body, ...(lost ? { lost: true } : {}) };
  };
  try {
    if (req.method === 'POST') {
      requestBody = req.body.toString('utf8');
      requestBody = jsonObjectBody(requestBody as string);
    }
    if (!isSuiteContractEndpoint(endpoint)) return respond({ errcode: 404, errmsg: 'not found' }, `endpoint /cgi-bin/${endpoint} is not simulated`, 404);
    const contract = weComSuiteRequestContracts[endpoint];
    if (req.method !== contract.method) throw new WeComApiError(40058, `${endpoint} expects ${contract.method}, got ${req.method}`);
    const fault = ctx.faults.take('wecom', endpoint);
    lost = fault === 'lost-answer';
    if (fault === 'http500') {
      ctx.record({ platform: 'wecom', endpoint, method: req.method, path: req.path, query: Object.fromEntries(req.query), requestBody, status: 500, resultCode: 500, responseBody: 'Internal Server Error', reason: 'fault injected: http500' });
      return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal Server Error' };
    }
    if (fault === 'timeout') {
      await ctx.holdForTimeoutFault?.();
      throw new WeComApiError(-1, 'fault injected: timeout (response held past the client deadline)');
    }
    if (fault === 'throttle' || fault === 'quota') throw new WeComApiError(45009, `fault injected: ${fault}`);
    if (fault === 'token-invalid') revokePresentedToken(sim, req);
    const result = route({ sim, req, ctx, endpoint, body: (requestBody ?? {}) as Json });
    return respond(result.body, result.reason);
  } catch (error) {
    if (error instanceof WeComApiError) return respond(errorBody(error.errcode, ctx, remote), error.reason);
    throw error;
  }
}

/** `token-invalid` fault: the suite or provider token presented is revoked before the call runs. */
function revokePresentedToken(sim: WeComSuiteSim, req: SimRequest): void {
  const suiteToken = sim.store.suiteTokens.get(req.query.get('suite_access_token') ?? '');
  if (suiteToken) suiteToken.revoked = true;
  const providerToken = sim.store.providerTokens.get(req.query.get('provider_access_token') ?? '');
  if (providerToken) providerToken.revoked = true;
}

function route(call: Call): Handled {
  const query = Object.fromEntries(call.req.query);
  switch (call.endpoint) {
    case 'service/get_provider_token':
      conform(call.endpoint, 'query', query);
      return getProviderToken(call);
    case 'service/get_suite_token':
      conform(call.endpoint, 'query', query);
      return getSuiteToken(call);
    case 'service/corpid_to_opencorpid':
    case 'license/get_app_license_info':
    case 'license/list_actived_account': {
      const provider = providerOf(call);
      conform(call.endpoint, 'query', query);
      conform(call.endpoint, 'body', call.body);
      if (call.endpoint === 'service/corpid_to_opencorpid') return corpIdToOpenCorpId(call, provider);
      if (call.endpoint === 'license/get_app_license_info') return appLicenseInfo(call, provider);
      return listActivedAccount(call, provider);
    }
    default: {
      const suite = suiteOf(call);
      conform(call.endpoint, 'query', query);
      if ('body' in weComSuiteRequestContracts[call.endpoint]) conform(call.endpoint, 'body', call.body);
      switch (call.endpoint) {
        case 'service/get_pre_auth_code':
          return preAuthCode(call, suite);
        case 'service/set_session_info':
          return setSessionInfo(call, suite);
        case 'service/v2/get_permanent_code':
          return permanentCode(call, suite);
        case 'service/v2/get_auth_info':
          return authInfo(call, suite);
        case 'service/get_corp_token':
          return corpToken(call, suite);
        default:
          return userInfo3rd(call, suite);
      }
    }
  }
}

// ---------------------------------------------------------------------------------- tokens

/** The suite of `?suite_access_token=`: missing 41022, unknown 40082, expired 42009 (DOC-90455). */
function suiteOf(call: Call): SuiteConfig {
  const token = call.req.query.get('suite_access_token');
  if (!token) throw new WeComApiError(41022, 'suite_access_token missing from the URL');
  const state = call.sim.store.suiteTokens.get(token);
  if (!state) {
    const kind = call.sim.store.providerTokens.has(token) ? ' (that is a provider_access_token; the token kinds are not interchangeable)' : '';
    throw new WeComApiError(40082, `unknown suite_access_token${kind}`);
  }
  if (state.revoked || call.ctx.clock.now() >= state.expiresAtMs) throw new WeComApiError(42009, 'suite_access_token expired');
  const suite = call.sim.store.suites.get(state.owner);
  if (!suite) throw new WeComApiError(40082, 'suite_access_token of a removed suite');
  return suite;
}

/** The provider (corpid) of `?provider_access_token=`; a suite or corp token here is 40014 (DOC-90455 40014 item 4). */
function providerOf(call: Call): string {
  const token = call.req.query.get('provider_access_token');
  if (!token) throw new WeComApiError(41001, 'provider_access_token missing from the URL');
  const state = call.sim.store.providerTokens.get(token);
  if (!state) {
    const kind = call.sim.store.suiteTokens.has(token) ? ' (that is a suite_access_token; these calls need the provider_access_token)' : '';
    throw new WeComApiError(40014, `unknown provider_access_token${kind}`);
  }
  if (state.revoked || call.ctx.clock.now() >= state.expiresAtMs) throw new WeComApiError(42001, 'provider_access_token expired');
  return state.owner;
}

/** DOC-91200: "有效期内重复获取返回相同结果" — the same token until it expires. */
function getProviderToken(call: Call): Handled {
  conform(call.endpoint, 'body', call.body);
  const corpId = call.body.corpid as string;
  const suites = [...call.sim.store.suites.values()].filter((s) => s.providerCorpId.toLowerCase() === corpId.toLowerCase());
  if (suites.length === 0) throw new WeComApiError(40013, `no service provider with corpid ${corpId}`);
  if (call.body.provider_secret !== suites[0]!.providerSecret) throw new WeComApiError(40001, 'provider_secret does not match the provider');
  const now = call.ctx.clock.now();
  const current = [...call.sim.store.providerTokens.values()].find((t) => t.owner === suites[0]!.providerCorpId && !t.revoked && now < t.expiresAtMs);
  if (current) return { body: { provider_access_token: current.token, expires_in: Math.ceil((current.expiresAtMs - now) / 1000) } };
  const token = newCode();
  const ttl = suites[0]!.tokenTtlSeconds;
  call.sim.store.providerTokens.set(token, { owner: suites[0]!.providerCorpId, token, expiresAtMs: now + ttl * 1000 });
  return { body: { provider_access_token: token, expires_in: ttl } };
}

/**
 * DOC-90600: 40083 unknown suite, 40080 bad secret, 40085 bad or stale ticket. The page disagrees
 * with itself on success: its example carries `"errcode":0,"errmsg":"ok"`, its note says errcode
 * comes only with a failure ("没返回errcode视为调用成功"). The simulator plays the note (no errcode);
 * WeComSuiteClient accepts both (suite-conformance.test.ts plays the example's reading).
 * Source: 003-应用授权/004-接口调用/001-获取第三方应用凭证.md in wxkingstar/doc-hub-mcp.
 */
function getSuiteToken(call: Call): Handled {
  conform(call.endpoint, 'body', call.body);
  const suite = call.sim.store.suites.get(call.body.suite_id as string);
  if (!suite) throw new WeComApiError(40083, `suite_id ${String(call.body.suite_id)} does not exist`);
  if (call.body.suite_secret !== suite.suiteSecret) throw new WeComApiError(40080, 'suite_secret does not match the suite');
  const now = call.ctx.clock.now();
  const problem = call.sim.ticketProblem(suite.suiteId, call.body.suite_ticket as string, now);
  if (problem) throw new WeComApiError(40085, problem);
  const token = newCode();
  call.sim.store.suiteTokens.set(token, { owner: suite.suiteId, expiresAtMs: now + suite.tokenTtlSeconds * 1000 });
  return { body: { suite_access_token: token, expires_in: suite.tokenTtlSeconds } };
}

// ---------------------------------------------------------------------------------- install

function preAuthCode(call: Call, suite: SuiteConfig): Handled {
  const code = newCode();
  call.sim.store.preAuthCodes.set(code, { suiteId: suite.suiteId, expiresAtMs: call.ctx.clock.now() + PRE_AUTH_CODE_TTL_S * 1000, authType: 0, used: false });
  return { body: { errcode: 0, errmsg: 'ok', pre_auth_code: code, expires_in: PRE_AUTH_CODE_TTL_S } };
}

/** DOC-90602: configures one install; 40077 unknown/used code, 42007 expired (DOC-90455). */
function setSessionInfo(call: Call, suite: SuiteConfig): Handled {
  const code = call.body.pre_auth_code as string;
  const pre = call.sim.store.preAuthCodes.get(code);
  if (!pre || pre.suiteId !== suite.suiteId) throw new WeComApiError(40077, 'pre_auth_code unknown for this suite');
  if (pre.used) throw new WeComApiError(40077, 'pre_auth_code was already used for an install');
  if (call.ctx.clock.now() >= pre.expiresAtMs) throw new WeComApiError(42007, 'pre_auth_code expired (1200 s)');
  const session = call.body.session_info as { appid?: number[]; auth_type?: 0 | 1 };
  pre.authType = session.auth_type ?? 0;
  const ignored = session.appid && session.appid.length > 0 ? 'session_info.appid ignored (old multi-app suites only, DOC-90602)' : undefined;
  return { body: { errcode: 0, errmsg: 'ok' }, ...(ignored ? { reason: ignored } : {}) };
}

/** DOC-100776 (v2): single-use auth code, 10 min → 40078 (DOC-90455); no agentid in the answer. */
function permanentCode(call: Call, suite: SuiteConfig): Handled {
  const record = call.sim.store.authCodes.get(call.body.auth_code as string);
  if (!record || record.suiteId !== suite.suiteId) throw new WeComApiError(40078, 'auth_code unknown for this suite');
  if (record.used) throw new WeComApiError(40078, record.authorization.cancelled ? 'auth_code of a cancelled authorization' : 'auth_code was already used (single use)');
  if (call.ctx.clock.now() >= record.expiresAtMs) throw new WeComApiError(40078, 'auth_code expired (10 minutes)');
  record.used = true;
  const a = record.authorization;
  const admin = a.adminPlainUserId;
  return {
    body: {
      errcode: 0,
      errmsg: 'ok',
      permanent_code: a.permanentCode,
      auth_corp_info: { corpid: a.ids.corpId, corp_name: a.corpName },
      // name = userid for third-party apps (DOC-90639).
      ...(admin ? { auth_user_info: { userid: a.ids.userId(admin), open_userid: a.ids.openUserId(admin), name: a.ids.userId(admin) } } : {}),
      ...(a.state ? { state: a.state } : {}),
    },
  };
}

/**
 * The authorization behind (auth_corpid, permanent_code). 40084 for a wrong or cancelled one (DOC-90455
 * 40084: "企业是否已取消授权该套件"; 48004 "授权关系无效" is the other candidate, UNCONFIRMED).
 */
function authorizationOf(call: Call, suite: SuiteConfig): SuiteAuthorization {
  const corpId = call.body.auth_corpid as string;
  const code = call.body.permanent_code as string;
  const ofSuite = call.sim.store.authorizations.filter((a) => a.suiteId === suite.suiteId);
  const found = ofSuite.find((a) => a.ids.matchesCorp(corpId) && a.permanentCode === code);
  if (found?.cancelled) throw new WeComApiError(40084, `${corpId} cancelled its authorization of ${suite.suiteId}`);
  if (found) return found;
  const byPlain = ofSuite.find((a) => a.ids.encrypted && a.plainCorpId.toLowerCase() === corpId.toLowerCase());
  if (byPlain) throw new WeComApiError(40084, `auth_corpid must be the corpid the app sees (${byPlain.ids.corpId}, encrypted, case-sensitive), not the plain one (DOC-96516)`);
  const sameCorp = ofSuite.find((a) => a.ids.matchesCorp(corpId));
  throw new WeComApiError(40084, sameCorp ? 'permanent_code does not belong to this corp and suite' : `no authorization of ${suite.suiteId} by ${corpId}`);
}

/**
 * DOC-100779 (v2): corp info and exactly one agent for a new single-app suite. corp_type is
 * 'unverified': corp_full_name, verified_end_time and corp_ex_name exist only for certified corps
 * ("仅认证或验证过的企业有", "仅认证企业才有"), and a simulated corp has none of them, so it is
 * played as not certified. Source: 003-应用授权/004-接口调用/005-获取企业授权信息.md.
 */
function authInfo(call: Call, suite: SuiteConfig): Handled {
  const a = authorizationOf(call, suite);
  const users = call.sim.store.customer(a.plainCorpId)?.users.length ?? 0;
  return {
    body: {
      errcode: 0,
      errmsg: 'ok',
      auth_corp_info: { corpid: a.ids.corpId, corp_name: a.corpName, corp_type: 'unverified', corp_square_logo_url: '', corp_user_max: Math.max(50, users), subject_type: 1, corp_scale: '', corp_industry: '', corp_sub_industry: '' },
      auth_info: {
        agent: [
          {
            agentid: a.agentId,
            name: suite.name,
            round_logo_url: '',
            square_logo_url: '',
            auth_mode: 0,
            is_customized_app: suite.developerHosted,
            auth_from_thirdapp: false,
            // Everyone is visible: the root department (the simulator has no departments). 代开发 level is 0 (DOC-100779).
            privilege: { level: suite.developerHosted ? 0 : 1, allow_party: [1], allow_user: [], allow_tag: [], extra_party: [], extra_user: [], extra_tag: [] },
          },
        ],
      },
    },
  };
}

/** DOC-90605: no errcode on success; 代开发 apps must use gettoken instead (DOC-90455 48002 item 9). */
function corpToken(call: Call, suite: SuiteConfig): Handled {
  if (suite.developerHosted) throw new WeComApiError(48002, 'a 代开发 app gets its corp token from gettoken with corpsecret = permanent_code (DOC-90455 48002 item 9, DOC-97164)');
  const a = authorizationOf(call, suite);
  const { accessToken, expiresIn } = call.sim.host.issueAccessToken(a.ids.corpId, call.ctx);
  return { body: { access_token: accessToken, expires_in: expiresIn } };
}

// ---------------------------------------------------------------------------------- ids and login

/**
 * DOC-97061: plain corpid → the provider's encrypted one; only for corps that authorized this
 * provider, else 48001 (DOC-90455 48001 item 2). A historical corp is answered with its plain id
 * (UNCONFIRMED: the docs do not say; it is the id the provider's apps see).
 */
function corpIdToOpenCorpId(call: Call, provider: string): Handled {
  const corpId = call.body.corpid as string;
  const customer = call.sim.store.customer(corpId);
  const live = customer ? call.sim.store.providerAuthorizations(provider, customer.corpId) : [];
  if (live.length === 0) throw new WeComApiError(48001, `${corpId} has not authorized any app of provider ${provider}`);
  return { body: { errcode: 0, errmsg: 'ok', open_corpid: live[0]!.ids.corpId } };
}

/** DOC-91121: code single use, 5 min, of this suite (else 40029); refused to 代开发 apps. */
function userInfo3rd(call: Call, suite: SuiteConfig): Handled {
  if (suite.developerHosted) throw new WeComApiError(48002, 'getuserinfo3rd is not allowed for 代开发 apps (DOC-91121); they use auth/getuserinfo');
  const code = call.sim.store.oauthCodes.get(call.req.query.get('code') ?? '');
  if (!code || code.suiteId !== suite.suiteId) throw new WeComApiError(40029, 'code unknown for this suite (DOC-90455 40029 item 3)');
  if (code.used) throw new WeComApiError(40029, 'code already used (single use)');
  if (call.ctx.clock.now() >= code.expiresAtMs) throw new WeComApiError(40029, 'code expired (5 minutes)');
  code.used = true;
  const live = call.sim.store.activeAuthorization(suite.suiteId, code.plainCorpId);
  // Without an authorization the userid is always encrypted (DOC-91121); the corpid likewise (the sim's reading).
  const ids = live?.ids ?? new AppIdTranslator(suite.providerCorpId, code.plainCorpId, true);
  const ticket = code.scope === 'snsapi_privateinfo' ? { user_ticket: newCode(), expires_in: USER_TICKET_TTL_S } : {};
  return {
    body: { errcode: 0, errmsg: 'ok', corpid: ids.corpId, userid: ids.userId(code.plainUserId), ...ticket, open_userid: ids.openUserId(code.plainUserId) },
    ...(live ? {} : { reason: 'the member\'s corp has not authorized the app: ids are encrypted' }),
  };
}

// ---------------------------------------------------------------------------------- licenses

/** DOC-95844: trial = 90 days from the corp's FIRST install, kept across reinstalls; the corp must have the app installed. */
function appLicenseInfo(call: Call, provider: string): Handled {
  const suite = call.sim.store.suites.get(call.body.suite_id as string);
  if (!suite || suite.providerCorpId.toLowerCase() !== provider.toLowerCase()) throw new WeComApiError(40083, `suite_id ${String(call.body.suite_id)} is not an app of provider ${provider}`);
  const customer = call.sim.store.customerFor(provider, call.body.corpid as string);
  const live = customer && call.sim.store.activeAuthorization(suite.suiteId, customer.corpId);
  // "企业必须已安装了该第三方应用或者代开发应用才允许调用" (DOC-95844); the errcode is not named: 48004 (UNCONFIRMED).
  if (!customer || !live) throw new WeComApiError(48004, `${String(call.body.corpid)} has not installed ${suite.suiteId}`);
  const start = call.sim.store.firstInstallMs.get(`${suite.suiteId}/${customer.corpId.toLowerCase()}`)!;
  const end = call.sim.trialEndMs(suite.suiteId, customer.corpId)!;
  return {
    body: {
      errcode: 0,
      errmsg: 'ok',
      license_status: 1,
      trail_info: { start_time: secondsOf(start), end_time: secondsOf(end) },
      // CHOICE: checks start at the first install (the sim blocks unlicensed members from then on).
      license_check_time: secondsOf(start),
    },
  };
}

/**
 * DOC-95544: activated members (expired ones too), ids as the provider's apps see them, paged by an
 * opaque cursor. has_more: the page describes it as "是否结束" (is it finished), against its name,
 * its own example (has_more 1 beside a next_cursor) and the sibling license lists ("是否有更多。
 * 0: 没有， 1: 有"). The simulator plays the name (1 = more pages); next_cursor, "如果已经没有更多的
 * 数据则返回空", is the unambiguous signal and the one WeComSuiteClient follows.
 * Source: 004-接口调用许可/003-账号管理/003-获取企业的账号列表.md.
 */
function listActivedAccount(call: Call, provider: string): Handled {
  const customer = call.sim.store.customerFor(provider, call.body.corpid as string);
  const ofProvider = customer ? call.sim.store.authorizations.filter((a) => a.providerCorpId.toLowerCase() === provider.toLowerCase() && a.plainCorpId === customer.corpId) : [];
  if (!customer || ofProvider.length === 0) throw new WeComApiError(48004, `${String(call.body.corpid)} never authorized an app of provider ${provider}`);
  const ids = (ofProvider.find((a) => !a.cancelled) ?? ofProvider.at(-1)!).ids;
  const cursor = call.body.cursor as string | undefined;
  let offset = 0;
  if (cursor) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!decoded) throw new WeComApiError(701105, 'cursor is not one this API returned');
    offset = Number(decoded[1]);
  }
  const limit = (call.body.limit as number | undefined) ?? DEFAULT_ACCOUNT_LIMIT;
  const licensed = customer.users.filter((u) => u.license).sort((a, b) => a.userId.localeCompare(b.userId));
  const page = licensed.slice(offset, offset + limit);
  const hasMore = offset + limit < licensed.length;
  return {
    body: {
      errcode: 0,
      errmsg: 'ok',
      next_cursor: hasMore ? Buffer.from(`o${offset + limit}`).toString('base64url') : '',
      has_more: hasMore ? 1 : 0,
      account_list: page.map((u) => ({ userid: ids.userId(u.userId), type: 1, expire_time: secondsOf(u.license!.expireTimeMs), active_time: secondsOf(u.license!.activeTimeMs) })),
    },
  };
}
