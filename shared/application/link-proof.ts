/**
 * Step 3 of account linking: the person proves who they are in the incident system, each way only
 * when the integration enables it (shared/domain/linking-settings.ts):
 *   (a) auto-match: the chat account's mobile (member directory byMobile) or email (get) matches;
 *   (b) OpenID Connect single sign-on: the verified `email` claim names the member (when the
 *       directory has no such member yet the link is still made by that email, and the page says so);
 *   (c) a one-time code mailed to the member's work email: 6 digits, 10 minutes, 5 tries (OneTimeCodes);
 *       send-link-code draws and mails it (link-mail queue); requests rate limited per account and per email.
 */
import { refusalText } from '../domain/link-page-text';
import type { LinkPageView } from '../domain/link-page-html';
import type { AccountLinkingDeps } from './account-linking';
import { LinkRefusedError, type LinkContext } from './link-context';
import { OIDC_STATE_TTL_MS, SESSION_COOKIE, SESSION_TTL_MS, SignedTokenError, type SessionClaims } from './link-session';
import type { LinkMethod } from './people-ports';

/** What a step proved; `finish` links it. */
export interface Completed {
  readonly userId: string;
  readonly email: string;
  readonly method?: LinkMethod;
  readonly matchedBy?: 'mobile' | 'email';
  readonly memberUnknown?: boolean;
  readonly already?: boolean;
  readonly pending?: string | undefined;
  readonly cookies?: string[];
}

/** Code mails per hour: per chat account and per email address. */
export const CODE_SENDS_PER_HOUR = 5;
/** Addresses a chat account may try an hour (members or not): the directory is not a free lookup. */
export const EMAIL_TRIES_PER_HOUR = 10;
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$/;

type Session = SessionClaims & { jti: string };

export class LinkProof {
  constructor(private readonly deps: AccountLinkingDeps) {}

  /** (a) The member whose mobile or email the chat account has; undefined when none (or contacts are hidden). */
  async autoMatch(ctx: LinkContext, userId: string): Promise<{ email: string; by: 'mobile' | 'email' } | undefined> {
    let contact;
    try {
      contact = await this.deps.chat.contact(ctx.integration, userId);
    } catch (error) {
      this.deps.log?.('contacts lookup failed; auto-match skipped', { integrationId: ctx.integration.id, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
    if (contact.mobile && this.deps.members.byMobile) {
      const member = await this.deps.members.byMobile(contact.mobile);
      if (member) return { email: member.email, by: 'mobile' };
    }
    if (contact.email) {
      const member = await this.deps.members.get(contact.email.toLowerCase());
      if (member) return { email: member.email, by: 'email' };
    }
    return undefined;
  }

  proveView(ctx: LinkContext, userId: string, autoMatchMissed: boolean, notice?: string): LinkPageView {
    return {
      kind: 'prove',
      user: userId,
      autoMatchMissed,
      ...(ctx.oidcReady && this.deps.oidc ? { ssoPath: ctx.path('/oidc') } : {}),
      ...(ctx.emailCodeReady && this.deps.codesFor && this.deps.codeMailer ? { codePath: ctx.path('/code') } : {}),
      ...(notice ? { notice } : {}),
    };
  }

  /** (b) Off to the identity provider; the state is a signed token bound to this session, single use. */
  async oidcStart(ctx: LinkContext, session: Session) {
    const oidc = ctx.linking.oidc;
    if (!oidc || !ctx.oidcReady || !this.deps.oidc) throw new LinkRefusedError('method_disabled', 404, 'single sign-on is not configured for this integration');
    const state = ctx.tokens.newOidcState(session.jti, ctx.nowMs);
    const redirect = await this.deps.oidc.authorizationUrl({ issuer: oidc.issuer, clientId: oidc.clientId, redirectUri: ctx.url('/oidc/callback'), state: state.token, nonce: state.claims.n });
    return { status: 302, redirect };
  }

  async oidcFinish(ctx: LinkContext, session: Session): Promise<Completed> {
    const oidc = ctx.linking.oidc;
    if (!oidc || !ctx.oidcReady || !this.deps.oidc) throw new LinkRefusedError('method_disabled', 404, 'single sign-on is not configured for this integration');
    const q = ctx.request.query;
    let state;
    try {
      state = ctx.tokens.readOidcState(q.get('state') ?? '', ctx.nowMs);
    } catch (error) {
      if (error instanceof SignedTokenError) throw new LinkRefusedError('state_invalid', 400, `OIDC state rejected (${error.reason})`);
      throw error;
    }
    if (state.sj !== session.jti) throw new LinkRefusedError('state_invalid', 400, 'the OIDC state belongs to another linking session');
    if (!(await this.deps.claims.claimOnce(state.jti, Math.ceil(OIDC_STATE_TTL_MS / 1000)))) throw new LinkRefusedError('state_invalid', 400, 'the OIDC state was already used');
    const idpError = q.get('error');
    if (idpError) throw new LinkRefusedError('sso_failed', 400, `the identity provider answered ${idpError}`, { params: { reason: idpError.slice(0, 100) } });
    const code = q.get('code');
    if (!code) throw new LinkRefusedError('sso_failed', 400, 'the identity provider sent no code', { params: { reason: 'no code' } });
    let identity;
    try {
      identity = await this.deps.oidc.finish({ issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: ctx.secrets.oidcClientSecret!, redirectUri: ctx.url('/oidc/callback'), code, nonce: state.n });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const reason = (error as { reason?: unknown }).reason;
      if (reason === 'email_unverified' || /email_verified|unverified/i.test(why)) throw new LinkRefusedError('sso_unverified', 400, `OIDC refused: ${why}`, { recipient: session.u });
      throw new LinkRefusedError('sso_failed', 400, `OIDC refused: ${why}`, { params: { reason: typeof reason === 'string' ? reason : 'the sign-in was refused' }, recipient: session.u });
    }
    const email = identity.email.toLowerCase();
    const member = await this.deps.members.get(email);
    return { userId: session.u, email, method: 'sso', ...(member ? {} : { memberUnknown: true }), pending: session.pending };
  }

  /** (c) `step=send` mails a code to a member's email; `step=verify` checks it. */
  async emailCode(ctx: LinkContext, session: Session): Promise<Completed | { status: number; view: LinkPageView; cookies?: string[] }> {
    const settings = ctx.linking.emailCode;
    if (!settings || !ctx.emailCodeReady || !this.deps.codesFor || !this.deps.codeMailer) throw new LinkRefusedError('method_disabled', 404, 'one-time codes by email are not configured for this integration');
    const form = ctx.request.form;
    const codes = this.deps.codesFor(ctx.integration, ctx.secrets.appSecret);
    const sessionKey = `${ctx.integration.id}:${session.u.toLowerCase()}`;
    if (form.get('step') === 'send') {
      const email = (form.get('email') ?? '').trim().toLowerCase();
      if (!EMAIL.test(email) || email.length > 254) throw new LinkRefusedError('email_invalid', 400, 'not an email address', { recipient: session.u });
      // "Is this a member?" is itself an answer: at most EMAIL_TRIES_PER_HOUR addresses an hour per chat account.
      if (!(await this.deps.counters.hit([{ key: `link:tries:${sessionKey}`, limit: EMAIL_TRIES_PER_HOUR }], 3600))) {
        throw new LinkRefusedError('rate_limited', 429, `more than ${EMAIL_TRIES_PER_HOUR} addresses tried an hour for this account`, { recipient: session.u });
      }
      const member = await this.deps.members.get(email);
      if (!member) throw new LinkRefusedError('email_not_member', 400, `no member ${email} in the directory`, { params: { email }, recipient: email });
      const allowed = await this.deps.counters.hit(
        [
          { key: `link:account:${sessionKey}`, limit: CODE_SENDS_PER_HOUR },
          { key: `link:email:${email}`, limit: CODE_SENDS_PER_HOUR },
        ],
        3600,
      );
      if (!allowed) throw new LinkRefusedError('rate_limited', 429, `more than ${CODE_SENDS_PER_HOUR} code mails an hour for this account or email`, { recipient: email });
      // send-link-code draws the code, stores its hash and mails it: no code passes through here.
      try {
        await this.deps.codeMailer.request({ integrationId: ctx.integration.id, sessionKey, email, language: ctx.lang, requestedAt: ctx.nowMs });
      } catch (error) {
        throw new LinkRefusedError('mail_failed', 502, `the code mail could not be requested: ${error instanceof Error ? error.message : String(error)}`, { recipient: email });
      }
      const renewed = ctx.tokens.newSession({ u: session.u, ...(session.pending ? { pending: session.pending } : {}), e: email }, ctx.nowMs);
      return { status: 200, view: { kind: 'code_entry', email, codePath: ctx.path('/code') }, cookies: [ctx.setCookie(SESSION_COOKIE, renewed.token, SESSION_TTL_MS)] };
    }
    if (form.get('step') !== 'verify') throw new LinkRefusedError('bad_request', 400, 'step must be send or verify');
    const code = (form.get('code') ?? '').trim();
    const email = session.e;
    if (!email) throw new LinkRefusedError('code_expired', 400, 'no code was sent in this session');
    if (!/^\d{6}$/.test(code)) {
      return { status: 400, view: { kind: 'code_entry', email, codePath: ctx.path('/code'), notice: refusalText(ctx.lang, 'code_format') } };
    }
    const checked = await codes.check(sessionKey, code, ctx.nowMs);
    if (checked.outcome === 'ok') return { userId: session.u, email: checked.email, method: 'code', pending: session.pending };
    if (checked.outcome === 'wrong') {
      const n = checked.triesLeft ?? 0;
      await this.logRefusal(ctx, `code_wrong: a wrong code for ${email} (${n} tries left)`, email);
      return { status: 400, view: { kind: 'code_entry', email, codePath: ctx.path('/code'), notice: refusalText(ctx.lang, 'code_wrong', { n }) } };
    }
    if (checked.outcome === 'exhausted') throw new LinkRefusedError('code_exhausted', 400, `5 wrong codes for ${email}; the code is void`, { recipient: email });
    throw new LinkRefusedError('code_expired', 400, `the code for ${email} is ${checked.outcome === 'expired' ? 'expired' : 'gone (used or never sent)'}`, { recipient: email });
  }

  /** A refusal that keeps the person on the page (wrong code): logged like the others. */
  private async logRefusal(ctx: LinkContext, reason: string, recipient: string): Promise<void> {
    this.deps.log?.('link refused', { integrationId: ctx.integration.id, step: 'code', code: 'code_wrong', status: 400 });
    try {
      await this.deps.operationLog.append([{ atMs: ctx.nowMs, result: 'dropped', reasonCode: 'link_refused', reason, integrationId: ctx.integration.id, platform: ctx.platform, channel: 'link_page', recipient }]);
    } catch {
      // never fails the page
    }
  }
}
