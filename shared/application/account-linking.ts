/**
 * Self-service account linking (issue 11 item 1): the pages a person opens inside WeCom or
 * DingTalk to link their chat account to their member in the incident system.
 *
 *   1. Identify the chat account: WeCom OAuth2 `snsapi_base` → `auth/getuserinfo` (wecom.md §4.7),
 *      or for a third-party suite the suite's OAuth → `getuserinfo3rd`, its own corp only (wecom-login.ts);
 *      DingTalk `dd.requestAuthCode` in the client → `topapi/v2/user/getuserinfo`, or the browser
 *      OAuth → `userAccessToken` → `users/me` → `getbyunionid` (dingtalk.md §4.6).
 *   2. Already linked → say so.
 *   3. Prove who they are, each only when enabled: auto-match (contacts mobile/email), OIDC single
 *      sign-on, a one-time code by email (link-proof.ts).
 *   4. Link (a relink moves it), record it in the operation log, apply the pending action once.
 * Every bad input is a LinkRefusedError: a 4xx page in the person's language, nothing changed, logged.
 */
import type { IntegrationRepository, IntegrationSecretsReader, Clock, LinkStore, MemberDirectory, OperationLog, RateLimitCounters } from './ports';
import type { OidcProvider, TokenClaims } from './people-ports';
import { ChatCodeRejectedError, type ChatAccounts, type LinkPageRequest, type LinkPageResponse, type CodeMailRequests, type OneTimeCodesFor, type PendingActionsPort, type SuiteLogins } from './account-linking-ports';
import { renderLinkPage, type LinkPageView } from '../domain/link-page-html';
import { pickLanguage, refusalText, type Lang } from '../domain/link-page-text';
import type { Integration } from '../domain/integration';
import type { OperationRecord } from '../domain/operation-log';
import { LinkContext, LinkRefusedError, type LinkSecrets } from './link-context';
import { SESSION_COOKIE, SESSION_TTL_MS, STATE_COOKIE, STATE_TTL_MS, SignedTokenError, type SessionClaims } from './link-session';
import { LinkProof, type Completed } from './link-proof';
import { logsInThroughSuite, suiteLoginUserId, weComAuthorizeUrl } from './wecom-login';
import { randomBytes } from 'node:crypto';

export interface AccountLinkingDeps {
  readonly integrations: Pick<IntegrationRepository, 'get'>;
  readonly secrets: IntegrationSecretsReader;
  readonly chat: ChatAccounts;
  /** Login codes of WeCom third-party (suite) integrations; without it their pages answer 500. */
  readonly suiteLogins?: SuiteLogins;
  readonly links: LinkStore;
  readonly members: MemberDirectory;
  readonly claims: TokenClaims;
  readonly counters: RateLimitCounters;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly clock: Clock;
  readonly oidc?: OidcProvider;
  readonly codesFor?: OneTimeCodesFor;
  /** Asks send-link-code (its own function, on the link-mail queue) to draw and mail a code. */
  readonly codeMailer?: CodeMailRequests;
  readonly pending?: PendingActionsPort;
  /** Structured log line (no secrets, codes or tokens). */
  readonly log?: (message: string, details: Record<string, unknown>) => void;
}

interface Outcome {
  readonly status: number;
  readonly view?: LinkPageView;
  readonly redirect?: string;
  readonly cookies?: string[];
}

export class AccountLinking {
  private readonly proof: LinkProof;

  constructor(private readonly deps: AccountLinkingDeps) {
    this.proof = new LinkProof(deps);
  }

  async handle(request: LinkPageRequest): Promise<LinkPageResponse> {
    const lang = pickLanguage(request.acceptLanguage);
    const platform = request.platform === 'dingtalk' ? 'dingtalk' : 'wecom';
    let ctx: LinkContext | undefined;
    let outcome: Outcome;
    try {
      ctx = await this.context(request);
      outcome = await this.step(ctx);
    } catch (error) {
      if (!(error instanceof LinkRefusedError)) {
        // Our failure (storage, secrets, a bug): a page in the person's words, the details in the log only.
        this.deps.log?.('link page failed', { integrationId: request.integrationId, step: request.step, error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
        return this.respond({ status: 500, view: { kind: 'error', code: 'internal', ...(ctx ? { startAgainPath: ctx.path() } : {}) } }, ctx?.lang ?? lang, ctx?.platform ?? platform);
      }
      await this.refused(request, ctx, error);
      const restart = error.extra.restart !== false && ctx ? ctx.path() : undefined;
      outcome = {
        status: error.statusCode,
        view: { kind: 'error', code: error.code, ...(error.extra.params ? { params: error.extra.params } : {}), ...(restart ? { startAgainPath: restart } : {}) },
        // A refused state or session is spent: forget it so "start again" starts clean.
        cookies: ctx ? [ctx.clearCookie(STATE_COOKIE), ...(error.code === 'session_invalid' ? [ctx.clearCookie(SESSION_COOKIE)] : [])] : [],
      };
    }
    return this.respond(outcome, ctx?.lang ?? lang, ctx?.platform ?? platform);
  }

  private respond(outcome: Outcome, lang: Lang, platform: 'wecom' | 'dingtalk'): LinkPageResponse {
    const cookies = outcome.cookies ?? [];
    if (outcome.redirect) {
      return { statusCode: 302, headers: { location: outcome.redirect, 'cache-control': 'no-store, max-age=0', 'referrer-policy': 'no-referrer' }, cookies, body: '' };
    }
    const page = renderLinkPage(outcome.view!, { lang, platform, nonce: randomBytes(16).toString('base64') });
    return { statusCode: outcome.status, headers: page.headers, cookies, body: page.html };
  }

  private async context(request: LinkPageRequest): Promise<LinkContext> {
    const integration = await this.deps.integrations.get(request.integrationId);
    if (!integration || integration.platform !== request.platform) {
      throw new LinkRefusedError('integration_unknown', 404, `no ${request.platform} integration ${request.integrationId}`, { restart: false });
    }
    return new LinkContext(request, integration, await this.linkSecrets(integration), this.deps.clock.nowMs());
  }

  private async linkSecrets(integration: Integration): Promise<LinkSecrets> {
    const s = integration.platform === 'wecom' ? await this.deps.secrets.weCom(integration) : await this.deps.secrets.dingTalk(integration);
    const appSecret = 'secret' in s ? s.secret : s.clientSecret;
    return { appSecret, ...(s.oidcClientSecret ? { oidcClientSecret: s.oidcClientSecret } : {}), ...(s.smtpUrl ? { smtpUrl: s.smtpUrl } : {}) };
  }

  private async step(ctx: LinkContext): Promise<Outcome> {
    const { step, method } = ctx.request;
    if (step === 'home' && method === 'GET') return this.home(ctx);
    if (step === 'callback') return this.callback(ctx);
    if (step === 'oidc' && method === 'GET') return this.proof.oidcStart(ctx, this.session(ctx));
    if (step === 'oidc_callback' && method === 'GET') return this.finish(ctx, await this.proof.oidcFinish(ctx, this.session(ctx)));
    if (step === 'code' && method === 'POST') {
      const session = this.session(ctx);
      const result = await this.proof.emailCode(ctx, session);
      return 'email' in result ? this.finish(ctx, result) : result;
    }
    throw new LinkRefusedError('bad_request', 405, `${method} is not served for ${step}`);
  }

  /** Step 0: start identifying the chat account, with the pending action checked and carried. */
  private async home(ctx: LinkContext): Promise<Outcome> {
    const pending = ctx.request.query.get('pending') || undefined;
    if (pending) await this.verifyPending(ctx, pending);
    const { state, token } = ctx.tokens.newState(pending, ctx.nowMs);
    const cookies = [ctx.setCookie(STATE_COOKIE, token, STATE_TTL_MS)];
    if (ctx.integration.platform === 'wecom') {
      // wecom.md §4.7: snsapi_base is silent inside the client; redirect_uri's domain must be the app's trusted domain (else 50001).
      return { status: 302, redirect: weComAuthorizeUrl(ctx.integration, { oauthBase: ctx.linking.weComOauthBase, redirectUri: ctx.url('/callback'), state }), cookies };
    }
    const settings = ctx.integration.settings;
    if (ctx.request.query.get('via') === 'browser') {
      // dingtalk.md §4.6: browser OAuth; the code comes back as ?code= (and the identical authCode).
      const q = new URLSearchParams({ redirect_uri: ctx.url('/callback'), response_type: 'code', client_id: settings.clientId, scope: 'openid corpid', state, prompt: 'consent' });
      return { status: 302, redirect: `${ctx.linking.dingTalkLoginBase}/oauth2/auth?${q.toString().replace(/\+/g, '%20')}`, cookies };
    }
    return {
      status: 200,
      cookies,
      view: {
        kind: 'dingtalk_login',
        corpId: settings.corpId ?? settings.clientId,
        clientId: settings.clientId,
        jsapiUrl: ctx.linking.dingTalkJsapiUrl,
        callbackPath: ctx.path('/callback'),
        state,
        browserLoginPath: ctx.path('', { via: 'browser', pending }),
      },
    };
  }

  /** Step 1: the platform's login code, with the state this browser was given; then steps 2-3. */
  private async callback(ctx: LinkContext): Promise<Outcome> {
    const post = ctx.request.method === 'POST';
    if (post && ctx.platform !== 'dingtalk') throw new LinkRefusedError('bad_request', 405, 'only DingTalk posts an in-client auth code');
    const fields = post ? ctx.request.form : ctx.request.query;
    const state = fields.get('state') ?? '';
    const code = fields.get('code') || fields.get('authCode') || '';
    const claims = await this.claimState(ctx, state);
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(code)) throw new LinkRefusedError('oauth_code_invalid', 400, 'the callback carried no usable login code');
    const via = ctx.platform === 'wecom' ? 'wecom_oauth' : post ? 'dingtalk_client' : 'dingtalk_browser';
    let userId: string;
    try {
      userId =
        ctx.integration.platform === 'wecom' && logsInThroughSuite(ctx.integration)
          ? await suiteLoginUserId(this.deps.suiteLogins, ctx.integration, code)
          : await this.deps.chat.userIdFromCode(ctx.integration, via, code);
    } catch (error) {
      if (!(error instanceof ChatCodeRejectedError)) throw error;
      const extra = error.platformCode !== undefined ? { platformCode: error.platformCode } : {};
      if (error.reason === 'invalid_code') throw new LinkRefusedError('oauth_code_invalid', 400, `the platform refused the login code: ${error.message}`, extra);
      if (error.reason === 'not_member') throw new LinkRefusedError('not_member', 403, `the account is not a member of the organisation: ${error.message}`, extra);
      if (error.reason === 'redirect_domain') throw new LinkRefusedError('redirect_domain', 400, error.message, extra);
      throw new LinkRefusedError('platform_error', 502, error.message, extra);
    }
    return this.identified(ctx, userId, claims.pending);
  }

  private async claimState(ctx: LinkContext, state: string) {
    const token = ctx.request.cookies.get(STATE_COOKIE);
    if (!token) throw new LinkRefusedError('state_invalid', 400, 'no state cookie: the sign-in was not started by this browser');
    let claims;
    try {
      claims = ctx.tokens.readState(token, ctx.nowMs);
    } catch (error) {
      if (error instanceof SignedTokenError) throw new LinkRefusedError('state_invalid', 400, `state cookie rejected (${error.reason})`);
      throw error;
    }
    if (claims.s !== state) throw new LinkRefusedError('state_invalid', 400, 'the state does not match the one this browser was given (forged?)');
    if (!(await this.deps.claims.claimOnce(claims.jti, Math.ceil(STATE_TTL_MS / 1000)))) {
      throw new LinkRefusedError('state_invalid', 400, 'the state was already used (a replayed callback)');
    }
    return claims;
  }

  /** Steps 2-3a: already linked, or auto-matched, or on to the other proofs with a session. */
  private async identified(ctx: LinkContext, userId: string, pending: string | undefined): Promise<Outcome> {
    const existing = await this.deps.links.byUserId(ctx.integration.id, userId);
    if (existing) return this.finish(ctx, { userId, email: existing.email, already: true, pending, cookies: [ctx.clearCookie(STATE_COOKIE)] });
    const matched = ctx.linking.autoMatch ? await this.proof.autoMatch(ctx, userId) : undefined;
    if (matched) return this.finish(ctx, { userId, email: matched.email, method: 'login', matchedBy: matched.by, pending, cookies: [ctx.clearCookie(STATE_COOKIE)] });
    const session = ctx.tokens.newSession({ u: userId, ...(pending ? { pending } : {}) }, ctx.nowMs);
    return {
      status: 200,
      cookies: [ctx.clearCookie(STATE_COOKIE), ctx.setCookie(SESSION_COOKIE, session.token, SESSION_TTL_MS)],
      view: this.proof.proveView(ctx, userId, ctx.linking.autoMatch),
    };
  }

  private session(ctx: LinkContext): SessionClaims & { jti: string } {
    const token = ctx.request.cookies.get(SESSION_COOKIE);
    if (!token) throw new LinkRefusedError('session_invalid', 400, 'no linking session cookie (expired, or the page was opened elsewhere)');
    try {
      return ctx.tokens.readSession(token, ctx.nowMs);
    } catch (error) {
      if (error instanceof SignedTokenError) throw new LinkRefusedError('session_invalid', 400, `linking session rejected (${error.reason})`);
      throw error;
    }
  }

  private async verifyPending(ctx: LinkContext, pending: string): Promise<void> {
    if (!this.deps.pending) return;
    try {
      await this.deps.pending.verify(ctx.integration, pending);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.deps.log?.('pending action token refused', { integrationId: ctx.integration.id, reason: why });
      throw new LinkRefusedError('pending_invalid', 400, `the pending-action token was refused: ${why}`);
    }
  }

  /** Step 4: link (or say it was already), record, apply the pending action once, show it. */
  private async finish(ctx: LinkContext, done: Completed): Promise<Outcome> {
    const integrationId = ctx.integration.id;
    let outcome: 'linked' | 'relinked' | 'already' = 'already';
    let previous: string | undefined;
    if (!done.already) {
      const byEmail = await this.deps.links.byEmail(integrationId, done.email);
      const byUser = await this.deps.links.byUserId(integrationId, done.userId);
      if (byEmail && byEmail.userId.toLowerCase() === done.userId.toLowerCase()) {
        outcome = 'already';
      } else {
        if (byUser && byUser.email.toLowerCase() !== done.email.toLowerCase()) {
          await this.deps.links.remove(integrationId, byUser.email);
          previous = byUser.email;
        }
        if (byEmail) previous = previous ? `${previous}, ${byEmail.userId}` : byEmail.userId;
        await this.deps.links.set({ integrationId, email: done.email.toLowerCase(), userId: done.userId, linkedAt: ctx.nowMs, method: done.method ?? 'admin' });
        outcome = previous ? 'relinked' : 'linked';
        await this.append(ctx, {
          result: 'done',
          reasonCode: outcome,
          reason:
            outcome === 'relinked'
              ? `${done.userId} linked to ${done.email} by ${done.method} (moved from ${previous})`
              : `${done.userId} linked to ${done.email} by ${done.method}${done.memberUnknown ? ' (no such member in the directory yet)' : ''}`,
          recipient: done.email.toLowerCase(),
        });
      }
    }
    let pendingOutcome;
    if (done.pending && this.deps.pending) {
      const link = (await this.deps.links.byUserId(integrationId, done.userId)) ?? { integrationId, email: done.email, userId: done.userId, linkedAt: ctx.nowMs };
      try {
        pendingOutcome = await this.deps.pending.applyOnce(ctx.integration, done.pending, link, ctx.lang);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        this.deps.log?.('pending action not applied', { integrationId, reason: why });
        pendingOutcome = { applied: false as const, reason: refusalText(ctx.lang, 'pending_invalid') };
      }
    }
    return {
      status: 200,
      cookies: [...(done.cookies ?? []), ctx.clearCookie(SESSION_COOKIE)],
      view: {
        kind: 'result',
        outcome,
        user: done.userId,
        email: done.email.toLowerCase(),
        ...(done.method ? { method: done.method } : {}),
        ...(done.matchedBy ? { matchedBy: done.matchedBy } : {}),
        ...(previous ? { previous } : {}),
        ...(done.memberUnknown ? { memberUnknown: true } : {}),
        ...(pendingOutcome ? { pending: pendingOutcome } : {}),
      },
    };
  }

  private async refused(request: LinkPageRequest, ctx: LinkContext | undefined, error: LinkRefusedError): Promise<void> {
    this.deps.log?.('link refused', { integrationId: request.integrationId, step: request.step, code: error.code, status: error.statusCode, reason: error.detail });
    if (!ctx) return;
    await this.append(ctx, {
      result: 'dropped',
      reasonCode: 'link_refused',
      reason: `${error.code}: ${error.detail}`,
      ...(error.extra.recipient ? { recipient: error.extra.recipient } : {}),
      ...(error.extra.platformCode !== undefined ? { platformCode: error.extra.platformCode } : {}),
    });
  }

  private async append(ctx: LinkContext, record: Pick<OperationRecord, 'result' | 'reasonCode' | 'reason'> & Partial<OperationRecord>): Promise<void> {
    try {
      await this.deps.operationLog.append([{ atMs: ctx.nowMs, integrationId: ctx.integration.id, platform: ctx.platform, channel: 'link_page', ...record }]);
    } catch (error) {
      this.deps.log?.('operation log write failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

