/**
 * Installing the suite from the operator's own site (DOC-90597), for operators who invite customers
 * directly instead of through the WeCom app market:
 *
 * - `GET /wecom-suite/{suiteId}/install` gets a pre_auth_code (DOC-90601), sets the session to a
 *   formal authorization (never a test one from this public page, DOC-90602) and redirects the admin to
 *   WeCom's install page with a signed `state` (letters and digits, ≤ 128 bytes);
 * - WeCom sends the admin back to `GET /wecom-suite/{suiteId}/installed?auth_code&expires_in&state`.
 *   Installs started here get NO create_auth push (DOC-100964), so the code is exchanged here, on
 *   the same path the worker uses (SuiteAuthorizations.exchange), after the state is checked and the
 *   code claimed (single use: a reloaded or shared redirect link changes nothing).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { shortStateId } from '../crypto/signed-token';
import { suiteInstallBase, suiteInstallLink, type SuiteRecord } from '../domain/wecom-suite';
import { escapeHtml } from '../domain/link-page-html';
import { parseQueryOnce, type CallbackRequest, type CallbackResponse } from './http-types';
import type { Clock } from './ports';
import type { SuiteSecretsStore, SuiteStore } from './suite-ports';
import { SuiteTicketMissingError, type SuiteTokens } from './suite-tokens';
import { AuthCodeRejectedError, type SuiteAuthorizations } from './suite-authorizations';
import { findSuite } from './suite-callback';

/** How long an install link's state is accepted: the pre_auth_code itself lives 20 minutes (DOC-90601). */
const STATE_TTL_MS = 20 * 60_000;

export interface SuiteInstallDeps {
  readonly suites: SuiteStore;
  readonly secrets: SuiteSecretsStore;
  readonly tokens: SuiteTokens;
  readonly authorizations: SuiteAuthorizations;
  readonly clock: Clock;
  /** Public base URL of the API (PUBLIC_API_URL): the redirect_uri WeCom sends the admin back to. */
  readonly publicApiUrl: () => string;
}

export type SuiteInstallOutcome = 'redirected' | 'installed' | 'bad_state' | 'code_reused' | 'code_rejected' | 'not_ready';

export class SuiteInstallUseCase {
  constructor(private readonly deps: SuiteInstallDeps) {}

  async start(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: SuiteInstallOutcome }> {
    const suite = await findSuite(this.deps.suites, request.integrationId);
    const api = this.deps.tokens.api(suite);
    let preAuthCode: string;
    try {
      ({ preAuthCode } = await this.deps.tokens.withSuiteToken(suite, (token) => api.getPreAuthCode(token)));
    } catch (error) {
      if (!(error instanceof SuiteTicketMissingError)) throw error;
      const body = '<p>The app is not ready for installation yet: WeCom has not sent it a valid suite ticket. WeCom sends one every 10 minutes once the command URL is saved in the provider console; try again in a few minutes.</p>';
      return { response: { ...htmlResponse(503, page('Not ready yet', body)), headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '600' } }, outcome: 'not_ready' };
    }
    // Always a formal authorization: a test authorization (auth_type 1, DOC-90602) is limited to 10
    // corps and blocks their formal one later, so a public page must not start it.
    await this.deps.tokens.withSuiteToken(suite, (token) => api.setSessionInfo(token, { preAuthCode, authType: 0 }));
    const state = await this.signState(suite, this.deps.clock.nowMs() + STATE_TTL_MS);
    const link = suiteInstallLink({ installBase: suiteInstallBase(suite.apiBase), suiteId: suite.suiteId, preAuthCode, redirectUri: this.redirectUri(suite), state });
    return {
      response: { statusCode: 302, headers: { location: link, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: page('Redirecting to WeCom', `<p><a href="${escapeHtml(link)}">Continue to WeCom to install the app</a></p>`) },
      outcome: 'redirected',
    };
  }

  async finish(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: SuiteInstallOutcome }> {
    const suite = await findSuite(this.deps.suites, request.integrationId);
    const params = parseQueryOnce(request.rawQuery);
    const authCode = params.get('auth_code') ?? '';
    const state = params.get('state') ?? '';
    const startAgain = `<p><a href="${escapeHtml(this.installPath(suite))}">Start the installation again</a></p>`;
    if (!authCode || authCode.length > 512 || !(await this.stateIsValid(suite, state))) {
      return { response: htmlResponse(400, page('Installation link not valid', `<p>This return link is incomplete, was not issued by this dutybridge, or is older than 20 minutes. Nothing was changed.</p>${startAgain}`)), outcome: 'bad_state' };
    }
    if (!(await this.deps.suites.claimAuthCode(suite.suiteId, authCode, this.deps.clock.nowMs()))) {
      return { response: htmlResponse(409, page('Already installed with this link', `<p>This authorization code was already used; nothing was changed. If the app is not working, install it again.</p>${startAgain}`)), outcome: 'code_reused' };
    }
    try {
      const authorization = await this.deps.authorizations.exchange(suite, authCode);
      const body =
        `<p>dutybridge is now installed for <b>${escapeHtml(authorization.corpName)}</b>.</p>` +
        `<p>Send your operator your Corp ID (WeCom admin console → My Company → Company Info → Corp ID). They add your organisation with:</p>` +
        `<pre>npx dutybridge integrations add wecom --suite ${escapeHtml(suite.suiteId)} --corp-id &lt;your Corp ID&gt;</pre>`;
      return { response: htmlResponse(200, page('Installed', body)), outcome: 'installed' };
    } catch (error) {
      if (error instanceof AuthCodeRejectedError) {
        return { response: htmlResponse(409, page('Authorization code refused', `<p>WeCom says this authorization code was already used or is older than 10 minutes. Nothing was changed.</p>${startAgain}`)), outcome: 'code_rejected' };
      }
      // Not consumed by WeCom as far as we know: let a reload try again.
      await this.deps.suites.releaseAuthCode(suite.suiteId, authCode);
      throw error;
    }
  }

  private redirectUri(suite: SuiteRecord): string {
    return `${this.deps.publicApiUrl()}/wecom-suite/${suite.suiteId}/installed`;
  }

  private installPath(suite: SuiteRecord): string {
    return `${this.deps.publicApiUrl()}/wecom-suite/${suite.suiteId}/install`;
  }

  /** state = 10-digit expiry (s) + 22-char nonce + 32 hex of HMAC: only [a-zA-Z0-9], 64 bytes (DOC-90597). */
  private async signState(suite: SuiteRecord, expiresAtMs: number): Promise<string> {
    const body = `${String(Math.floor(expiresAtMs / 1000)).padStart(10, '0')}${shortStateId()}`;
    return `${body}${await this.mac(suite, body)}`;
  }

  private async stateIsValid(suite: SuiteRecord, state: string): Promise<boolean> {
    if (!/^\d{10}[A-Za-z0-9]{22}[0-9a-f]{32}$/.test(state)) return false;
    const body = state.slice(0, 32);
    const expected = Buffer.from(await this.mac(suite, body));
    if (!timingSafeEqual(expected, Buffer.from(state.slice(32)))) return false;
    return Number(state.slice(0, 10)) * 1000 > this.deps.clock.nowMs();
  }

  /** Keyed by the suite secret (HKDF, own label): rotating the secret voids links in flight. */
  private async mac(suite: SuiteRecord, body: string): Promise<string> {
    const { suiteSecret } = await this.deps.secrets.read(suite);
    const key = Buffer.from(hkdfSync('sha256', suiteSecret, `dutybridge:suite:${suite.suiteId}`, 'dutybridge suite install state v1', 32));
    return createHmac('sha256', key).update(body).digest('hex').slice(0, 32);
  }
}

function htmlResponse(statusCode: number, body: string): CallbackResponse {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
