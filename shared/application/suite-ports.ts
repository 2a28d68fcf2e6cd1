/**
 * Ports of WeCom third-party (suite) mode (issue 16): the suite's own API (service/*, license/*),
 * its state (ticket, authorizations, single-use auth codes) and its secrets. The facts behind each
 * method are WeCom's service-provider pages (DOC-90600 … DOC-100779, DOC-95844); adapters cite them.
 */
import type { FetchedAccessToken } from './token-provider';
import type { SuiteAuthorization, SuiteRecord, SuiteSecrets, SuiteTicket } from '../domain/wecom-suite';

/** One agent (app instance) the corp authorized; new apps always get exactly one (DOC-100779). */
export interface SuiteAgent {
  /** agentid, as digits. */
  readonly agentId: string;
  readonly name?: string;
  /** 0 = installed by an admin, 1 = member-level install (DOC-100779). */
  readonly authMode?: number;
  /** 代开发 (developer-hosted custom app) installs say true. */
  readonly isCustomizedApp?: boolean;
}

/** v2 get_permanent_code (DOC-100776): no agentid and no access_token in this version. */
export interface PermanentCodeGrant {
  readonly permanentCode: string;
  /** auth_corp_info.corpid verbatim: plain for historical corps, encrypted (case-sensitive) for new ones. */
  readonly corpId: string;
  readonly corpName: string;
  /** The `state` of the install link, echoed back. */
  readonly state?: string;
  /** Who installed (auth_user_info.userid / open_userid). */
  readonly installerUserId?: string;
}

/** v2 get_auth_info (DOC-100779). */
export interface SuiteAuthInfo {
  readonly corpId: string;
  readonly corpName: string;
  readonly agents: readonly SuiteAgent[];
}

/** license/get_app_license_info (DOC-95844); times in epoch ms. */
export interface AppLicenseInfo {
  /** 0 = licenses not enforced yet for this corp (historical), 1 = enforced. */
  readonly licenseStatus: number;
  /** `trail_info` (sic): the 90-day trial from the corp's first install. */
  readonly trialStartMs?: number;
  readonly trialEndMs?: number;
  readonly licenseCheckTimeMs?: number;
}

/** One row of license/list_actived_account (DOC-95544). */
export interface ActivatedAccount {
  readonly userId: string;
  /** 1 = basic (基础账号), 2 = interconnection (互通账号). */
  readonly type: number;
  readonly activeTimeMs: number;
  readonly expireTimeMs: number;
}

/** service/auth/getuserinfo3rd (DOC-91121): a member (userId/openUserId) or an outsider (openId). */
export interface SuiteOAuthIdentity {
  readonly corpId?: string;
  readonly userId?: string;
  readonly openUserId?: string;
  readonly openId?: string;
}

/**
 * WeCom's service-provider API. Failures are WeComCallFailure errors (ports.ts) carrying the
 * errcode; suiteErrcodes (shared/domain/wecom-suite-errcodes.ts) names the ones the use cases act on.
 */
export interface WeComSuiteApi {
  /** POST service/get_suite_token (DOC-90600); 40085 when the ticket is not the newest valid one. */
  getSuiteToken(args: { suiteId: string; suiteSecret: string; suiteTicket: string }): Promise<FetchedAccessToken>;
  /** POST service/get_provider_token (DOC-91200). */
  getProviderToken(args: { providerCorpId: string; providerSecret: string }): Promise<FetchedAccessToken>;
  /** GET service/get_pre_auth_code (DOC-90601). */
  getPreAuthCode(suiteToken: string): Promise<{ preAuthCode: string; expiresInSeconds: number }>;
  /** POST service/set_session_info (DOC-90602): 0 = formal authorization, 1 = test authorization. */
  setSessionInfo(suiteToken: string, args: { preAuthCode: string; authType: 0 | 1 }): Promise<void>;
  /** POST service/v2/get_permanent_code (DOC-100776); 40078 when the code was used or expired. */
  getPermanentCode(suiteToken: string, authCode: string): Promise<PermanentCodeGrant>;
  /** POST service/v2/get_auth_info (DOC-100779). */
  getAuthInfo(suiteToken: string, args: { corpId: string; permanentCode: string }): Promise<SuiteAuthInfo>;
  /** POST service/get_corp_token (DOC-90605); 40084/48004 after the corp cancelled. */
  getCorpToken(suiteToken: string, args: { corpId: string; permanentCode: string }): Promise<FetchedAccessToken>;
  /** POST service/corpid_to_opencorpid (DOC-97061); 48001 when the corp has not authorized this provider. */
  corpIdToOpenCorpId(providerToken: string, corpId: string): Promise<string>;
  /** GET service/auth/getuserinfo3rd (DOC-91121). */
  getUserInfo3rd(suiteToken: string, code: string): Promise<SuiteOAuthIdentity>;
  /** POST license/get_app_license_info (DOC-95844). */
  getAppLicenseInfo(providerToken: string, args: { corpId: string; suiteId: string }): Promise<AppLicenseInfo>;
  /** POST license/list_actived_account (DOC-95544), one page (limit ≤ 1000). */
  listActivatedAccounts(
    providerToken: string,
    args: { corpId: string; cursor?: string; limit?: number },
  ): Promise<{ accounts: ActivatedAccount[]; nextCursor?: string; hasMore: boolean }>;
}

/** Builds the API client for one base URL (qyapi.weixin.qq.com, a private deployment, the simulator). */
export type WeComSuiteApiFactory = (apiBase: string) => WeComSuiteApi;

/** Suite state in DynamoDB (shared/adapters/aws/suite-store.ts). */
export interface SuiteStore {
  getSuite(suiteId: string): Promise<SuiteRecord | undefined>;
  putSuite(suite: SuiteRecord): Promise<void>;
  listSuites(): Promise<SuiteRecord[]>;
  /**
   * Keeps `ticket` unless the stored one has a newer TimeStamp (compare-and-swap): the newest
   * ticket wins whatever order pushes arrive in (DOC-90628); within one second the later arrival
   * wins. False when the stored ticket is newer.
   */
  saveTicketIfNewer(suiteId: string, ticket: SuiteTicket): Promise<boolean>;
  getTicket(suiteId: string): Promise<SuiteTicket | undefined>;
  /**
   * Claims an auth code (stored as a hash, kept past its 10-minute life): true the first time,
   * false when it was already claimed (a WeCom retry of create_auth, or a reused redirect link).
   */
  claimAuthCode(suiteId: string, authCode: string, nowMs: number): Promise<boolean>;
  /** Forgets a claim whose exchange failed before WeCom consumed the code, so it can be retried. */
  releaseAuthCode(suiteId: string, authCode: string): Promise<void>;
  /**
   * Notes which corp a claimed code was exchanged for, once the permanent code is kept: a retry
   * that WeCom answers 40078 (code already used) then finishes the authorization instead of losing it.
   */
  recordExchangedCode(suiteId: string, authCode: string, corpId: string, nowMs: number): Promise<void>;
  exchangedCorp(suiteId: string, authCode: string): Promise<string | undefined>;
  getAuthorization(suiteId: string, corpId: string): Promise<SuiteAuthorization | undefined>;
  listAuthorizations(suiteId: string): Promise<SuiteAuthorization[]>;
  putAuthorization(authorization: SuiteAuthorization): Promise<void>;
}

/** The suite's secret and the per-corp permanent codes (Secrets Manager, `suites/<suiteId>…`). */
export interface SuiteSecretsStore {
  read(suite: SuiteRecord): Promise<SuiteSecrets>;
  /** Name of the per-corp secret (permanent code as `secret`, with the suite's Token and key). */
  corpSecretName(suiteId: string, corpId: string): string;
  /** The permanent code kept in a corp secret (its `secret` field). */
  readCorpPermanentCode(name: string): Promise<string>;
  /** Writes the corp secret, keeping fields an operator added to it (linking, model keys). */
  writeCorpSecret(name: string, value: { secret: string; token: string; encodingAesKey: string }): Promise<void>;
}
