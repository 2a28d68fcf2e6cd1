/**
 * Ports and HTTP shapes of the account-linking pages (issue 11 item 1): who the chat account is
 * (platform login codes and contacts), the pending action of an unlinked click (H5), the mailer per
 * integration. The identity-proof ports (OIDC, one-time codes, token claims) are in people-ports.ts.
 */
import type { PendingOutcome } from '../domain/link-page-html';
import type { Integration, WeComIntegration } from '../domain/integration';
import type { Link } from './ports';
import type { OneTimeCodes } from './people-ports';
import type { SuiteOAuthIdentity } from './suite-ports';

/** How a chat login code was obtained. */
export type ChatCodeVia = 'wecom_oauth' | 'dingtalk_client' | 'dingtalk_browser';

export type ChatCodeRejection = 'invalid_code' | 'not_member' | 'redirect_domain' | 'unavailable';

/** The platform refused a login code, or could not be asked (typed, so the page can say why). */
export class ChatCodeRejectedError extends Error {
  override readonly name = 'ChatCodeRejectedError';
  constructor(
    readonly reason: ChatCodeRejection,
    message: string,
    readonly platformCode?: string | number,
  ) {
    super(message);
  }
}

export interface ChatContact {
  readonly mobile?: string;
  readonly email?: string;
}

/** The chat platforms' login-free and contacts APIs (not metered: called directly, not through dispatch). */
export interface ChatAccounts {
  /** The userid behind a single-use login code; ChatCodeRejectedError when the platform refuses it. */
  userIdFromCode(integration: Integration, via: ChatCodeVia, code: string): Promise<string>;
  /** The account's mobile and email; either is absent when the app may not read contacts. */
  contact(integration: Integration, userId: string): Promise<ChatContact>;
}

/**
 * The login of WeCom third-party (suite) integrations: their OAuth codes belong to the suite, not
 * to the corp's app, so they are resolved with the suite's token (service/auth/getuserinfo3rd,
 * DOC-91121) instead of `auth/getuserinfo`. 代开发 integrations do not use it (DOC-91121 refuses
 * them; they log in corp-style).
 */
export interface SuiteLogins {
  /** Who the code names, as WeCom answered (corpid, userid …); ChatCodeRejectedError when WeCom refuses the code. */
  identityFromCode(integration: WeComIntegration, code: string): Promise<SuiteOAuthIdentity>;
}

/** The pending action of an unlinked card click (shared/application/pending-actions.ts, H5). */
export interface PendingActionsPort {
  /** Throws when the token is forged, tampered, expired or of another integration. */
  verify(integration: Integration, token: string): Promise<void>;
  /** Applies the action once (a second call does nothing) as the person now linked; says what happened. */
  applyOnce(integration: Integration, token: string, link: Link, lang: 'zh' | 'en'): Promise<PendingOutcome>;
}

/**
 * Asks for a one-time code mail (send-link-code draws the code, stores its hash and mails it; the
 * link-mail queue in between). The request carries no code.
 */
export interface CodeMailRequests {
  request(message: { integrationId: string; sessionKey: string; email: string; language: 'zh' | 'en'; requestedAt: number }): Promise<void>;
}

/** The integration's one-time codes, their hashes keyed by a secret derived from the app secret. */
export type OneTimeCodesFor = (integration: Integration, appSecret: string) => OneTimeCodes;

export type LinkStep = 'home' | 'callback' | 'oidc' | 'oidc_callback' | 'code';

export interface LinkPageRequest {
  readonly step: LinkStep;
  readonly method: 'GET' | 'POST';
  readonly platform: string;
  readonly integrationId: string;
  readonly query: ReadonlyMap<string, string>;
  /** application/x-www-form-urlencoded fields of a POST. */
  readonly form: ReadonlyMap<string, string>;
  readonly cookies: ReadonlyMap<string, string>;
  readonly acceptLanguage?: string;
  /** Public base URL of the API (no trailing slash), for redirect URIs and page paths. */
  readonly publicBase: string;
}

export interface LinkPageResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** Set-Cookie values. */
  readonly cookies: string[];
  readonly body: string;
}
