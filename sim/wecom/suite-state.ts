/**
 * State of the service-provider side of the WeCom simulator (suite.ts): the provider's apps
 * ("suites"), the customer corps that can install them, their authorizations, and the short-lived
 * codes and tokens of the install and token flows. Times are epoch ms on the simulator's clock.
 */
import type { SimContext, SimUser } from '../core/contract';
import type { WeComCorpInput } from './module';
import type { WeComCorpConfig } from './state';
import { AppIdTranslator } from './suite-ids';

export interface SuiteConfig {
  readonly suiteId: string;
  readonly suiteSecret: string;
  /** One Token/EncodingAESKey per app, used for every authorized corp (DOC-90595). */
  readonly token: string;
  readonly encodingAesKey: string;
  readonly providerCorpId: string;
  readonly providerSecret: string;
  /** 指令回调URL: suite_ticket and auth events, receiveid = suite id (DOC-90613). */
  readonly commandUrl?: string;
  /** 数据回调URL: the corps' app events; may contain `$CORPID$` (DOC-90595). */
  readonly dataUrl?: string;
  readonly ticketIntervalSeconds: number;
  readonly tokenTtlSeconds: number;
  /** 代开发 template (`dk…`): permanent_code is the app secret, the corp token comes from gettoken (DOC-97163, DOC-97164). */
  readonly developerHosted: boolean;
  /** The app's name as get_auth_info shows it (agent.name). */
  readonly name: string;
  /** 可信域名 of the app: OAuth redirect_uri host must match, else 50001 (DOC-91121). Unchecked when absent. */
  readonly trustedDomain?: string;
  /** 安装完成回调域名: the install link's redirect_uri host must match (DOC-90597, DOC-90595). Unchecked when absent. */
  readonly redirectDomain?: string;
}

export interface SuiteTicket {
  readonly ticket: string;
  readonly issuedAtMs: number;
}

/** A member's basic API license (基础账号, type 1, DOC-95652). */
export interface MemberLicense {
  active: boolean;
  activeTimeMs: number;
  expireTimeMs: number;
}

export interface CustomerUser {
  readonly userId: string;
  readonly name: string;
  readonly mobile: string;
  readonly email: string;
  /** One license per member, whichever of the provider's apps it serves (DOC-95652 FAQ 7). */
  license?: MemberLicense;
}

export interface CustomerCorp {
  readonly corpId: string;
  readonly corpName: string;
  users: CustomerUser[];
  /** Keeps plain ids with this simulator's providers; cleared when the corp removes all of a provider's apps (DOC-96516 FAQ 3). */
  historical: boolean;
}

export interface SuiteAuthorization {
  readonly suiteId: string;
  readonly providerCorpId: string;
  readonly plainCorpId: string;
  readonly ids: AppIdTranslator;
  readonly corpName: string;
  readonly agentId: number;
  /** A 代开发 app's secret changes when the customer's admin resets it (reset_permanent_code, DOC-94758). */
  permanentCode: string;
  readonly installedAtMs: number;
  /** `state` of the install link or market install (DOC-90597, DOC-100964). */
  readonly state: string;
  /** set_session_info auth_type: 0 formal, 1 test (DOC-90602). */
  readonly authType: 0 | 1;
  readonly via: 'market' | 'site';
  readonly adminPlainUserId?: string;
  cancelled: boolean;
}

export interface PreAuthCode {
  readonly suiteId: string;
  readonly expiresAtMs: number;
  authType: 0 | 1;
  used: boolean;
}

export interface AuthCode {
  readonly suiteId: string;
  readonly authorization: SuiteAuthorization;
  readonly expiresAtMs: number;
  used: boolean;
}

export interface ExpiringToken {
  readonly owner: string;
  readonly expiresAtMs: number;
  revoked?: boolean;
}

export interface ThirdPartyOAuthCode {
  readonly suiteId: string;
  readonly plainCorpId: string;
  readonly plainUserId: string;
  readonly scope: string;
  readonly expiresAtMs: number;
  used: boolean;
}

/** What the suite simulator needs from WeComModule: the corps an installed app works with. */
export interface SuiteCorpHost {
  configureCorp(corpId: string, input: WeComCorpInput, ctx: SimContext): WeComCorpConfig;
  corp(corpId: string): WeComCorpConfig | undefined;
  issueAccessToken(corpId: string, ctx: SimContext): { accessToken: string; expiresIn: number };
  retireCorp(corpId: string): void;
}

export class SuiteConfigError extends Error {
  override readonly name = 'SuiteConfigError';
}

export class SuiteNotFoundError extends Error {
  override readonly name = 'SuiteNotFoundError';
}

/** The action contradicts the simulated world (already installed, not installed, licensed…). */
export class SuiteConflictError extends Error {
  override readonly name = 'SuiteConflictError';
}

/** 90-day trial from the corp's first install of the app; reinstalling does not reset it (DOC-95844). */
export const TRIAL_MS = 90 * 24 * 3600_000;
/** A year of license: 372 days (DOC-95652 FAQ 6). */
export const LICENSE_YEAR_MS = 372 * 24 * 3600_000;

export class SuiteStore {
  readonly suites = new Map<string, SuiteConfig>();
  /** Keyed by the lower-cased plain corpid (plain ids are case-insensitive, DOC-96516). */
  readonly customers = new Map<string, CustomerCorp>();
  readonly authorizations: SuiteAuthorization[] = [];
  readonly tickets = new Map<string, SuiteTicket[]>();
  readonly preAuthCodes = new Map<string, PreAuthCode>();
  readonly authCodes = new Map<string, AuthCode>();
  readonly suiteTokens = new Map<string, ExpiringToken>();
  readonly providerTokens = new Map<string, ExpiringToken & { readonly token: string }>();
  readonly oauthCodes = new Map<string, ThirdPartyOAuthCode>();
  /** First install per `${suiteId}/${plain corpid lower-cased}`: the trial start (DOC-95844). */
  readonly firstInstallMs = new Map<string, number>();

  clear(): void {
    this.suites.clear();
    this.customers.clear();
    this.authorizations.length = 0;
    this.tickets.clear();
    this.preAuthCodes.clear();
    this.authCodes.clear();
    this.suiteTokens.clear();
    this.providerTokens.clear();
    this.oauthCodes.clear();
    this.firstInstallMs.clear();
  }

  suite(suiteId: string): SuiteConfig {
    const suite = this.suites.get(suiteId);
    if (!suite) throw new SuiteNotFoundError(`unknown suite ${suiteId}`);
    return suite;
  }

  customer(plainCorpId: string): CustomerCorp | undefined {
    return this.customers.get(plainCorpId.toLowerCase());
  }

  newestTicket(suiteId: string): SuiteTicket | undefined {
    return this.tickets.get(suiteId)?.at(-1);
  }

  /** The live authorization of a suite in a corp named by its plain id or by the id the app sees. */
  activeAuthorization(suiteId: string, corpId: string): SuiteAuthorization | undefined {
    return this.authorizations.find((a) => a.suiteId === suiteId && !a.cancelled && (a.ids.matchesCorp(corpId) || a.plainCorpId.toLowerCase() === corpId.toLowerCase()));
  }

  /** Live authorizations of any app of the provider in the corp (plain id). */
  providerAuthorizations(providerCorpId: string, plainCorpId: string): SuiteAuthorization[] {
    return this.authorizations.filter(
      (a) => !a.cancelled && a.providerCorpId.toLowerCase() === providerCorpId.toLowerCase() && a.plainCorpId.toLowerCase() === plainCorpId.toLowerCase(),
    );
  }

  /** The customer corp behind a corpid a provider call named: plain, or as one of the provider's apps sees it. */
  customerFor(providerCorpId: string, corpId: string): CustomerCorp | undefined {
    const plain = this.customer(corpId);
    if (plain) return plain;
    const viaApp = this.authorizations.find((a) => a.providerCorpId.toLowerCase() === providerCorpId.toLowerCase() && a.ids.encrypted && a.ids.corpId === corpId);
    return viaApp ? this.customer(viaApp.plainCorpId) : undefined;
  }

  /** The members as the app of an authorization sees them (SimUser for WeComModule's directory). */
  appUsers(authorization: SuiteAuthorization): SimUser[] {
    const customer = this.customer(authorization.plainCorpId);
    return (customer?.users ?? []).map((user) => {
      const userId = authorization.ids.userId(user.userId);
      // Third-party apps get the userid instead of the name since 2020-06-30 (DOC-90639).
      return { userId, name: userId, mobile: user.mobile, email: user.email, ...(user.license?.active ? {} : { unlicensed: true }) };
    });
  }
}
