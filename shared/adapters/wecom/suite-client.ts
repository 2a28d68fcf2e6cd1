/**
 * WeCom service-provider (third-party "suite") API client: suite/provider/corp tokens, installation,
 * corpid conversion, OAuth identity and API-access licenses (wecom-suite.md §2–§5).
 *
 * Rules followed, as in the self-built client (client.ts):
 * - tokens travel in the URL query (`suite_access_token`, `provider_access_token`), never in the body;
 * - HTTP 200 means nothing: the body's errcode decides, and every answer is validated. Only the
 *   three token calls may answer success without errcode: get_provider_token (DOC-91200: "errcode
 *   字段存在且值非0" marks a failure), get_suite_token (DOC-90600) and get_corp_token (DOC-90605);
 *   elsewhere a missing errcode is an unreadable answer;
 * - an unreadable answer (not JSON, no errcode, not the documented shape), a timeout, a network
 *   failure or HTTP 5xx is a WeComRetryableError;
 * - errors name the endpoint, never the URL, token or secret.
 * Token expiry is NOT retried here: the caller owns the token caches and acts on the error's kind
 * ('token' for 40082/42009/40014/42001) and errcode (shared/domain/wecom-suite-errcodes.ts).
 */
import * as z from 'zod/mini';
import type {
  ActivatedAccount,
  AppLicenseInfo,
  PermanentCodeGrant,
  SuiteAgent,
  SuiteAuthInfo,
  SuiteOAuthIdentity,
  WeComSuiteApi,
  WeComSuiteApiFactory,
} from '../../application/suite-ports';
import type { FetchedAccessToken } from '../../application/token-provider';
import { WeComCredentialsError, WeComPermanentError, WeComRetryableError, weComErrorFromErrcode } from './errors';
import { fetchWeComJson } from './transport';

export const WECOM_SUITE_DEFAULT_TIMEOUT_MS = 5000;
/** list_actived_account: "最大值1000，默认值500" (DOC-95544); we ask for the most per call. */
export const WECOM_LICENSE_LIST_MAX_LIMIT = 1000;

export interface WeComSuiteClientOptions {
  /** e.g. `https://qyapi.weixin.qq.com`; a trailing slash is ignored. */
  readonly apiBase: string;
  readonly fetch?: typeof fetch;
  /** Per-request deadline (default 5000 ms); a timeout is a WeComRetryableError. */
  readonly timeoutMs?: number;
}

type SuiteEndpoint =
  | 'service/get_suite_token'
  | 'service/get_provider_token'
  | 'service/get_pre_auth_code'
  | 'service/set_session_info'
  | 'service/v2/get_permanent_code'
  | 'service/v2/get_auth_info'
  | 'service/get_corp_token'
  | 'service/corpid_to_opencorpid'
  | 'service/auth/getuserinfo3rd'
  | 'license/get_app_license_info'
  | 'license/list_actived_account';

interface SuiteCall {
  readonly endpoint: SuiteEndpoint;
  readonly method: 'GET' | 'POST';
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** The endpoint's page says a successful answer may carry no errcode at all. */
  readonly successMayOmitErrcode?: boolean;
}

const nonEmpty = () => z.string().check(z.minLength(1));
const lifetime = () => z.number().check(z.positive());

/** errcode is optional here; whether its absence is acceptable depends on the endpoint. */
const envelopeSchema = z.object({ errcode: z.optional(z.number()), errmsg: z.optional(z.string()) });

const suiteTokenSchema = z.object({ suite_access_token: nonEmpty(), expires_in: lifetime() });
const providerTokenSchema = z.object({ provider_access_token: nonEmpty(), expires_in: lifetime() });
const corpTokenSchema = z.object({ access_token: nonEmpty(), expires_in: lifetime() });
const preAuthCodeSchema = z.object({ pre_auth_code: nonEmpty(), expires_in: lifetime() });
const okSchema = z.object({});

const corpInfoSchema = z.object({ corpid: nonEmpty(), corp_name: z.string() });

/** v2 get_permanent_code (DOC-100776): no auth_info/agentid and no access_token in this version. */
const permanentCodeSchema = z.object({
  permanent_code: nonEmpty(),
  auth_corp_info: corpInfoSchema,
  auth_user_info: z.optional(z.object({ userid: z.optional(z.string()), open_userid: z.optional(z.string()) })),
  state: z.optional(z.string()),
});

/** agentid is a JSON integer in DOC-100779; a digit string is accepted too. */
const agentIdSchema = z.union([z.number().check(z.int(), z.positive()), z.string().check(z.regex(/^[1-9]\d{0,15}$/))]);

/** v2 get_auth_info (DOC-100779): auth_info is absent for a contacts-only app without an agent. */
const authInfoSchema = z.object({
  auth_corp_info: corpInfoSchema,
  auth_info: z.optional(
    z.object({
      agent: z.array(
        z.object({
          agentid: agentIdSchema,
          name: z.optional(z.string()),
          auth_mode: z.optional(z.number()),
          is_customized_app: z.optional(z.boolean()),
        }),
      ),
    }),
  ),
});

const openCorpIdSchema = z.object({ open_corpid: nonEmpty() });

/** getuserinfo3rd (DOC-91121): corpid + userid/open_userid for members, openid for outsiders. */
const userInfo3rdSchema = z.object({
  corpid: z.optional(z.string()),
  userid: z.optional(z.string()),
  open_userid: z.optional(z.string()),
  openid: z.optional(z.string()),
});

/** get_app_license_info (DOC-95844): times in Unix seconds; `trail_info` (sic) only with a trial. */
const appLicenseInfoSchema = z.object({
  license_status: z.number(),
  trail_info: z.optional(z.object({ start_time: z.optional(z.number()), end_time: z.optional(z.number()) })),
  license_check_time: z.optional(z.number()),
});

/**
 * list_actived_account (DOC-95544, wxkingstar/doc-hub-mcp
 * `wecom/002-第三方应用开发/002-服务端API/004-接口调用许可/003-账号管理/003-获取企业的账号列表.md`).
 * has_more is not read: the page describes it as "是否结束" (finished?) against its own name, its
 * example and the sibling license lists ("是否有更多。0: 没有， 1: 有"), so either value could mean
 * "more". next_cursor is unambiguous ("如果已经没有更多的数据则返回空") and alone decides paging.
 */
const activatedAccountsSchema = z.object({
  account_list: z.optional(
    z.array(z.object({ userid: nonEmpty(), type: z.number(), active_time: z.number(), expire_time: z.number() })),
  ),
  next_cursor: z.optional(z.string()),
});

const secondsToMs = (seconds: number): number => seconds * 1000;

/** A request WeCom would reject, refused before any call (no token or secret in the reason). */
function invalidRequest(endpoint: SuiteEndpoint, reason: string): WeComPermanentError {
  return new WeComPermanentError({ endpoint, errcode: undefined, errmsg: '', reason });
}

function unreadable(endpoint: SuiteEndpoint, reason: string, errcode?: number, errmsg = ''): WeComRetryableError {
  return new WeComRetryableError({ endpoint, errcode, errmsg, reason });
}

function requireArgument(endpoint: SuiteEndpoint, name: string, value: string): void {
  if (!value) throw invalidRequest(endpoint, `${name} is required`);
}

export class WeComSuiteClient implements WeComSuiteApi {
  private readonly apiBase: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: WeComSuiteClientOptions) {
    let base: URL;
    try {
      base = new URL(options.apiBase);
    } catch {
      throw new WeComCredentialsError('apiBase must be an absolute http(s) URL');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new WeComCredentialsError('apiBase must be an absolute http(s) URL');
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? WECOM_SUITE_DEFAULT_TIMEOUT_MS;
  }

  /**
   * DOC-90600: the ticket must be the newest pushed one (or ≤ 30 min old), else 40085. Success may
   * come with or without `errcode: 0`: the page's example has it, its note says it is absent
   * (003-应用授权/004-接口调用/001-获取第三方应用凭证.md); both are accepted.
   */
  async getSuiteToken(args: { suiteId: string; suiteSecret: string; suiteTicket: string }): Promise<FetchedAccessToken> {
    const endpoint = 'service/get_suite_token';
    requireArgument(endpoint, 'suiteId', args.suiteId);
    requireArgument(endpoint, 'suiteSecret', args.suiteSecret);
    requireArgument(endpoint, 'suiteTicket', args.suiteTicket);
    const body = { suite_id: args.suiteId, suite_secret: args.suiteSecret, suite_ticket: args.suiteTicket };
    const answer = await this.call({ endpoint, method: 'POST', body, successMayOmitErrcode: true }, suiteTokenSchema);
    return { token: answer.suite_access_token, expiresInSeconds: answer.expires_in };
  }

  /** DOC-91200: corpid is the provider's own corpid; success may omit errcode. */
  async getProviderToken(args: { providerCorpId: string; providerSecret: string }): Promise<FetchedAccessToken> {
    const endpoint = 'service/get_provider_token';
    requireArgument(endpoint, 'providerCorpId', args.providerCorpId);
    requireArgument(endpoint, 'providerSecret', args.providerSecret);
    const body = { corpid: args.providerCorpId, provider_secret: args.providerSecret };
    const answer = await this.call({ endpoint, method: 'POST', body, successMayOmitErrcode: true }, providerTokenSchema);
    return { token: answer.provider_access_token, expiresInSeconds: answer.expires_in };
  }

  /** DOC-90601: valid 20 minutes (expires_in 1200). */
  async getPreAuthCode(suiteToken: string): Promise<{ preAuthCode: string; expiresInSeconds: number }> {
    const endpoint = 'service/get_pre_auth_code';
    const answer = await this.call({ endpoint, method: 'GET', query: this.suiteQuery(endpoint, suiteToken) }, preAuthCodeSchema);
    return { preAuthCode: answer.pre_auth_code, expiresInSeconds: answer.expires_in };
  }

  /** DOC-90602: appid is left out (= every app of the suite); auth_type 1 = test authorization. */
  async setSessionInfo(suiteToken: string, args: { preAuthCode: string; authType: 0 | 1 }): Promise<void> {
    const endpoint = 'service/set_session_info';
    requireArgument(endpoint, 'preAuthCode', args.preAuthCode);
    if (args.authType !== 0 && args.authType !== 1) throw invalidRequest(endpoint, 'authType must be 0 (formal) or 1 (test)');
    const body = { pre_auth_code: args.preAuthCode, session_info: { auth_type: args.authType } };
    await this.call({ endpoint, method: 'POST', query: this.suiteQuery(endpoint, suiteToken), body }, okSchema);
  }

  /** DOC-100776: the auth_code is single use and lives 10 minutes (40078 otherwise, DOC-90455). */
  async getPermanentCode(suiteToken: string, authCode: string): Promise<PermanentCodeGrant> {
    const endpoint = 'service/v2/get_permanent_code';
    requireArgument(endpoint, 'authCode', authCode);
    const query = this.suiteQuery(endpoint, suiteToken);
    const answer = await this.call({ endpoint, method: 'POST', query, body: { auth_code: authCode } }, permanentCodeSchema);
    // The app sees the installer by userid; open_userid is the provider-wide form (DOC-100776).
    const installer = answer.auth_user_info?.userid || answer.auth_user_info?.open_userid;
    return {
      permanentCode: answer.permanent_code,
      // Verbatim: encrypted corpids are case-sensitive (DOC-96516).
      corpId: answer.auth_corp_info.corpid,
      corpName: answer.auth_corp_info.corp_name,
      ...(answer.state ? { state: answer.state } : {}),
      ...(installer ? { installerUserId: installer } : {}),
    };
  }

  /** DOC-100779: new single-app suites always get exactly one agent. */
  async getAuthInfo(suiteToken: string, args: { corpId: string; permanentCode: string }): Promise<SuiteAuthInfo> {
    const endpoint = 'service/v2/get_auth_info';
    const body = this.corpBody(endpoint, args);
    const answer = await this.call({ endpoint, method: 'POST', query: this.suiteQuery(endpoint, suiteToken), body }, authInfoSchema);
    const agents = (answer.auth_info?.agent ?? []).map(
      (agent): SuiteAgent => ({
        agentId: String(agent.agentid),
        ...(agent.name !== undefined ? { name: agent.name } : {}),
        ...(agent.auth_mode !== undefined ? { authMode: agent.auth_mode } : {}),
        ...(agent.is_customized_app !== undefined ? { isCustomizedApp: agent.is_customized_app } : {}),
      }),
    );
    return { corpId: answer.auth_corp_info.corpid, corpName: answer.auth_corp_info.corp_name, agents };
  }

  /** DOC-90605: success may omit errcode; 40084/48004 once the customer removed the app (DOC-90455). */
  async getCorpToken(suiteToken: string, args: { corpId: string; permanentCode: string }): Promise<FetchedAccessToken> {
    const endpoint = 'service/get_corp_token';
    const body = this.corpBody(endpoint, args);
    const query = this.suiteQuery(endpoint, suiteToken);
    const answer = await this.call({ endpoint, method: 'POST', query, body, successMayOmitErrcode: true }, corpTokenSchema);
    return { token: answer.access_token, expiresInSeconds: answer.expires_in };
  }

  /** DOC-97061: 48001 when the corp has no authorization relationship with this provider (DOC-90455). */
  async corpIdToOpenCorpId(providerToken: string, corpId: string): Promise<string> {
    const endpoint = 'service/corpid_to_opencorpid';
    requireArgument(endpoint, 'corpId', corpId);
    const query = this.providerQuery(endpoint, providerToken);
    const answer = await this.call({ endpoint, method: 'POST', query, body: { corpid: corpId } }, openCorpIdSchema);
    return answer.open_corpid;
  }

  /** DOC-91121: single-use 5-minute code; a code of another suite is 40029 (DOC-90455). */
  async getUserInfo3rd(suiteToken: string, code: string): Promise<SuiteOAuthIdentity> {
    const endpoint = 'service/auth/getuserinfo3rd';
    requireArgument(endpoint, 'code', code);
    const query = { ...this.suiteQuery(endpoint, suiteToken), code };
    const answer = await this.call({ endpoint, method: 'GET', query }, userInfo3rdSchema);
    if (!answer.userid && !answer.open_userid && !answer.openid) {
      throw unreadable(endpoint, 'errcode 0 but neither userid, open_userid nor openid in the answer', 0);
    }
    return {
      ...(answer.corpid ? { corpId: answer.corpid } : {}),
      ...(answer.userid ? { userId: answer.userid } : {}),
      ...(answer.open_userid ? { openUserId: answer.open_userid } : {}),
      ...(answer.openid ? { openId: answer.openid } : {}),
    };
  }

  /** DOC-95844: only for corps that installed the app; trial = 90 days from the first install. */
  async getAppLicenseInfo(providerToken: string, args: { corpId: string; suiteId: string }): Promise<AppLicenseInfo> {
    const endpoint = 'license/get_app_license_info';
    requireArgument(endpoint, 'corpId', args.corpId);
    requireArgument(endpoint, 'suiteId', args.suiteId);
    const query = this.providerQuery(endpoint, providerToken);
    const answer = await this.call({ endpoint, method: 'POST', query, body: { corpid: args.corpId, suite_id: args.suiteId } }, appLicenseInfoSchema);
    const trial = answer.trail_info;
    return {
      licenseStatus: answer.license_status,
      ...(trial?.start_time !== undefined ? { trialStartMs: secondsToMs(trial.start_time) } : {}),
      ...(trial?.end_time !== undefined ? { trialEndMs: secondsToMs(trial.end_time) } : {}),
      ...(answer.license_check_time !== undefined ? { licenseCheckTimeMs: secondsToMs(answer.license_check_time) } : {}),
    };
  }

  /** DOC-95544: one page; expired activations are listed too; userids come back encrypted. */
  async listActivatedAccounts(
    providerToken: string,
    args: { corpId: string; cursor?: string; limit?: number },
  ): Promise<{ accounts: ActivatedAccount[]; nextCursor?: string; hasMore: boolean }> {
    const endpoint = 'license/list_actived_account';
    requireArgument(endpoint, 'corpId', args.corpId);
    const limit = args.limit ?? WECOM_LICENSE_LIST_MAX_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > WECOM_LICENSE_LIST_MAX_LIMIT) {
      throw invalidRequest(endpoint, `limit must be an integer in 1..${WECOM_LICENSE_LIST_MAX_LIMIT}`);
    }
    const body = { corpid: args.corpId, limit, ...(args.cursor ? { cursor: args.cursor } : {}) };
    const query = this.providerQuery(endpoint, providerToken);
    const answer = await this.call({ endpoint, method: 'POST', query, body }, activatedAccountsSchema);
    const accounts = (answer.account_list ?? []).map(
      (row): ActivatedAccount => ({ userId: row.userid, type: row.type, activeTimeMs: secondsToMs(row.active_time), expireTimeMs: secondsToMs(row.expire_time) }),
    );
    // "如果已经没有更多的数据则返回空" (DOC-95544): a cursor means a next page, whatever has_more says
    // (its description contradicts its name; see activatedAccountsSchema). Should WeCom also return a
    // cursor with the last page, this costs one extra call that answers an empty page.
    return { accounts, ...(answer.next_cursor ? { nextCursor: answer.next_cursor } : {}), hasMore: Boolean(answer.next_cursor) };
  }

  private suiteQuery(endpoint: SuiteEndpoint, suiteToken: string): Record<string, string> {
    requireArgument(endpoint, 'suite_access_token', suiteToken);
    return { suite_access_token: suiteToken };
  }

  private providerQuery(endpoint: SuiteEndpoint, providerToken: string): Record<string, string> {
    requireArgument(endpoint, 'provider_access_token', providerToken);
    return { provider_access_token: providerToken };
  }

  private corpBody(endpoint: SuiteEndpoint, args: { corpId: string; permanentCode: string }): { auth_corpid: string; permanent_code: string } {
    requireArgument(endpoint, 'corpId', args.corpId);
    requireArgument(endpoint, 'permanentCode', args.permanentCode);
    return { auth_corpid: args.corpId, permanent_code: args.permanentCode };
  }

  private async call<T>(call: SuiteCall, schema: z.ZodMiniType<T>): Promise<T> {
    const { endpoint } = call;
    const json = await fetchWeComJson(call, { apiBase: this.apiBase, fetchImpl: this.fetchImpl, timeoutMs: this.timeoutMs, wrongBaseHint: 'check the API base URL' });
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw unreadable(endpoint, 'the answer is not a JSON object with a numeric errcode');
    const { errcode, errmsg = '' } = envelope.data;
    if (errcode === undefined && !call.successMayOmitErrcode) throw unreadable(endpoint, 'the answer has no errcode');
    if (errcode !== undefined && errcode !== 0) throw weComErrorFromErrcode(endpoint, errcode, errmsg);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // Field names only: values could be tokens.
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
      throw unreadable(endpoint, `success but the answer does not have the documented shape (${fields})`, errcode, errmsg);
    }
    return parsed.data;
  }
}

/** WECOM_TIMEOUT_MS when it is a positive number, else the 5 s default. */
function configuredTimeoutMs(): number {
  const value = Number(process.env.WECOM_TIMEOUT_MS ?? WECOM_SUITE_DEFAULT_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : WECOM_SUITE_DEFAULT_TIMEOUT_MS;
}

export const weComSuiteApiFactory: WeComSuiteApiFactory = (apiBase) => new WeComSuiteClient({ apiBase, timeoutMs: configuredTimeoutMs() });
