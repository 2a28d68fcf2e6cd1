/**
 * What a person carries between the steps of the linking pages, as signed tokens (shared/crypto/
 * signed-token.ts, key per integration) in HttpOnly SameSite=Lax cookies scoped to the
 * integration's linking path:
 *   - `dbl_state`: the OAuth / auth-code `state` (a short random id, WeCom allows a-zA-Z0-9 ≤ 128
 *     bytes, wecom.md §4.7) bound to this browser, single use (TokenClaims), 10 minutes;
 *   - `dbl_session`: the chat account identified, 30 minutes, until the identity is proved.
 * Both carry the pending action of an unlinked click through every step. A cookie bound to the
 * browser is what stops a forged callback from linking someone else's chat account (login CSRF).
 */
import { SignedTokenError, linkTokenKey, shortStateId, signToken, verifyToken } from '../crypto/signed-token';

export const STATE_COOKIE = 'dbl_state';
export const SESSION_COOKIE = 'dbl_session';
export const STATE_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 30 * 60_000;
/** The OIDC round trip (the `state` sent to the identity provider is this signed token). */
export const OIDC_STATE_TTL_MS = 10 * 60_000;

export interface StateClaims {
  /** The state value sent to the platform. */
  readonly s: string;
  readonly pending?: string;
}

export interface SessionClaims {
  /** The chat userid identified. */
  readonly u: string;
  readonly pending?: string;
  /** The email a one-time code was sent to. */
  readonly e?: string;
}

export interface OidcStateClaims {
  /** The session (jti) the round trip belongs to. */
  readonly sj: string;
  readonly n: string;
}

export class LinkTokens {
  private readonly key: Buffer;

  constructor(appSecret: string, integrationId: string) {
    this.key = linkTokenKey(appSecret, integrationId);
  }

  newState(pending: string | undefined, nowMs: number) {
    const state = shortStateId();
    return { state, ...signToken<StateClaims>(this.key, 'link-state', { s: state, ...(pending ? { pending } : {}) }, STATE_TTL_MS, nowMs) };
  }

  readState(token: string, nowMs: number) {
    return verifyToken<StateClaims>(this.key, 'link-state', token, nowMs);
  }

  newSession(claims: SessionClaims, nowMs: number) {
    return signToken<SessionClaims>(this.key, 'link-session', claims, SESSION_TTL_MS, nowMs);
  }

  readSession(token: string, nowMs: number) {
    return verifyToken<SessionClaims>(this.key, 'link-session', token, nowMs);
  }

  newOidcState(sessionJti: string, nowMs: number) {
    return signToken<OidcStateClaims>(this.key, 'link-oidc', { sj: sessionJti, n: shortStateId() }, OIDC_STATE_TTL_MS, nowMs);
  }

  readOidcState(token: string, nowMs: number) {
    return verifyToken<OidcStateClaims>(this.key, 'link-oidc', token, nowMs);
  }
}

export { SignedTokenError };

/** A Set-Cookie value for the integration's linking path; `maxAgeSeconds` 0 clears it. */
export function cookie(name: string, value: string, options: { path: string; maxAgeSeconds: number; secure: boolean }): string {
  return [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(options.secure ? ['Secure'] : [])].join('; ');
}

/** Parses a Cookie header (API Gateway v2 also gives them as `cookies`). First value of a name wins. */
export function parseCookies(values: readonly string[]): Map<string, string> {
  const jar = new Map<string, string>();
  for (const header of values) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (!jar.has(name)) jar.set(name, part.slice(eq + 1).trim());
    }
  }
  return jar;
}
