/**
 * The organisation's identity provider over OpenID Connect (issue 11, 1(b)): the authorization code
 * flow with a confidential client (`client_secret_post`), ID token checked with `jose`.
 *
 * - Discovery: `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), cached
 *   in memory per issuer for `discoveryTtlMs`; the document's `issuer` must equal the configured one
 *   exactly (§4.3), and its endpoints must be https (plain http only on a loopback host, for tests
 *   and the local simulator).
 * - The ID token (OIDC Core §3.1.3.7): signature against the issuer's JWKS, RS256 or ES256 only (never
 *   `none` or an HMAC keyed with the client secret), `iss`, `aud` = our client id (and `azp` when
 *   there are several audiences), `exp`, then the `nonce` we sent.
 * - The person: `email` present, and `email_verified` exactly `true` (a string "true" or a missing
 *   claim is refused: an unverified email would let anyone claim a colleague's address).
 *
 * Every failure is an OidcRejectedError with a reason code; its message names what went wrong and
 * never carries the client secret, the authorization code or a token.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { OidcIdentity, OidcProvider } from '../../application/people-ports';

export const oidcRejectionReasons = ['discovery_failed', 'token_exchange_failed', 'invalid_id_token', 'nonce_mismatch', 'email_unverified', 'email_missing'] as const;
export type OidcRejectionReason = (typeof oidcRejectionReasons)[number];

export class OidcRejectedError extends Error {
  constructor(
    readonly reason: OidcRejectionReason,
    detail: string,
  ) {
    super(`OpenID Connect sign-in refused (${reason}): ${detail}`);
    this.name = 'OidcRejectedError';
  }
}

export const OIDC_SCOPE = 'openid email profile';
const ALGORITHMS = ['RS256', 'ES256'];

export interface OidcProviderOptions {
  /** How long a discovery document (and its key set) is reused; default one hour. */
  readonly discoveryTtlMs?: number;
  /** Timeout of each call to the identity provider; default 5 s. */
  readonly timeoutMs?: number;
  /** Allowed clock skew when checking `exp`/`iat`/`nbf`; default 60 s. */
  readonly clockToleranceSeconds?: number;
  readonly nowMs?: () => number;
}

interface Discovered {
  readonly authorizationEndpoint: URL;
  readonly tokenEndpoint: URL;
  readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly fetchedAt: number;
}

export class JoseOidcProvider implements OidcProvider {
  private readonly cache = new Map<string, Discovered>();
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly toleranceSeconds: number;
  private readonly now: () => number;

  constructor(options: OidcProviderOptions = {}) {
    this.ttlMs = options.discoveryTtlMs ?? 3_600_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.toleranceSeconds = options.clockToleranceSeconds ?? 60;
    this.now = options.nowMs ?? Date.now;
  }

  async authorizationUrl(args: { issuer: string; clientId: string; redirectUri: string; state: string; nonce: string }): Promise<string> {
    const discovered = await this.discover(args.issuer);
    const url = new URL(discovered.authorizationEndpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', args.clientId);
    url.searchParams.set('redirect_uri', args.redirectUri);
    url.searchParams.set('scope', OIDC_SCOPE);
    url.searchParams.set('state', args.state);
    url.searchParams.set('nonce', args.nonce);
    return url.toString();
  }

  async finish(args: { issuer: string; clientId: string; clientSecret: string; redirectUri: string; code: string; nonce: string }): Promise<OidcIdentity> {
    const discovered = await this.discover(args.issuer);
    const idToken = await this.exchange(discovered.tokenEndpoint, args);
    const claims = await this.verify(idToken, discovered, args.issuer, args.clientId);
    if (typeof claims.nonce !== 'string' || claims.nonce !== args.nonce) throw new OidcRejectedError('nonce_mismatch', 'the ID token was not issued for this sign-in (nonce differs)');
    const email = claims.email;
    if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) {
      throw new OidcRejectedError('email_missing', 'the identity provider sent no email address (is the "email" scope allowed for this client?)');
    }
    if (claims.email_verified !== true) throw new OidcRejectedError('email_unverified', 'the identity provider does not say the email address is verified');
    const name = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim().slice(0, 200) : undefined;
    return { subject: claims.sub as string, email, ...(name === undefined ? {} : { name }) };
  }

  /** The issuer's endpoints and key set, from the cache while fresh. */
  private async discover(issuer: string): Promise<Discovered> {
    const cached = this.cache.get(issuer);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached;
    const issuerUrl = safeUrl(issuer);
    if (!issuerUrl || issuerUrl.search || issuerUrl.hash) throw new OidcRejectedError('discovery_failed', 'the configured issuer is not an https URL without query or fragment');
    const where = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: Record<string, unknown>;
    try {
      const response = await fetch(where, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
      if (response.status !== 200) throw new OidcRejectedError('discovery_failed', `${where} answered HTTP ${response.status}`);
      document = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof OidcRejectedError) throw error;
      throw new OidcRejectedError('discovery_failed', `${where} could not be read (${describeFetchError(error)})`);
    }
    if (typeof document !== 'object' || document === null) throw new OidcRejectedError('discovery_failed', `${where} is not a JSON object`);
    if (document.issuer !== issuer) throw new OidcRejectedError('discovery_failed', `the discovery document names another issuer than the configured ${issuer}`);
    const endpoint = (field: string): URL => {
      const url = typeof document[field] === 'string' ? safeUrl(document[field] as string) : undefined;
      if (!url) throw new OidcRejectedError('discovery_failed', `the discovery document has no usable ${field} (an https URL)`);
      return url;
    };
    const discovered: Discovered = {
      authorizationEndpoint: endpoint('authorization_endpoint'),
      tokenEndpoint: endpoint('token_endpoint'),
      jwks: createRemoteJWKSet(endpoint('jwks_uri'), { timeoutDuration: this.timeoutMs }),
      fetchedAt: this.now(),
    };
    this.cache.set(issuer, discovered);
    return discovered;
  }

  /** POSTs the code (client_secret_post) and returns the ID token; never echoes the secret or the code. */
  private async exchange(tokenEndpoint: URL, args: { clientId: string; clientSecret: string; redirectUri: string; code: string }): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: args.code, redirect_uri: args.redirectUri, client_id: args.clientId, client_secret: args.clientSecret });
    let status: number;
    let answer: Record<string, unknown> | undefined;
    try {
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      status = response.status;
      answer = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    } catch (error) {
      throw new OidcRejectedError('token_exchange_failed', `the token endpoint could not be reached (${describeFetchError(error)})`);
    }
    if (status !== 200) {
      // Only the standard error code (RFC 6749 §5.2), never the description: it may quote what we sent.
      const code = typeof answer?.error === 'string' && /^[a-z_]{1,64}$/.test(answer.error) ? `: ${answer.error}` : '';
      throw new OidcRejectedError('token_exchange_failed', `the token endpoint answered HTTP ${status}${code}`);
    }
    if (typeof answer?.id_token !== 'string' || answer.id_token === '') throw new OidcRejectedError('token_exchange_failed', 'the token endpoint returned no id_token (is "openid" an allowed scope?)');
    return answer.id_token;
  }

  private async verify(idToken: string, discovered: Discovered, issuer: string, clientId: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, discovered.jwks, {
        issuer,
        audience: clientId,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: this.toleranceSeconds,
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && /JSON Web Key Set HTTP response/.test(error.message))) {
        throw new OidcRejectedError('discovery_failed', `the issuer's key set could not be read (${error.code})`);
      }
      if (error instanceof errors.JWTClaimValidationFailed) throw new OidcRejectedError('invalid_id_token', `the "${error.claim}" claim is not acceptable (${error.code})`);
      if (error instanceof errors.JOSEError) throw new OidcRejectedError('invalid_id_token', `the ID token was refused (${error.code})`);
      if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) {
        throw new OidcRejectedError('discovery_failed', `the issuer's key set could not be read (${error.code})`);
      }
      throw new OidcRejectedError('invalid_id_token', 'the ID token could not be verified');
    }
    // Several audiences: the token must have been issued to us (OIDC Core §3.1.3.7 items 4-5).
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== clientId) {
      throw new OidcRejectedError('invalid_id_token', 'the ID token has several audiences and was not issued to this client (azp)');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 255) throw new OidcRejectedError('invalid_id_token', 'the "sub" claim is not a usable subject');
    return payload;
  }
}

/** https URL, or http on a loopback host (tests, the local simulator). */
function safeUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return url;
  return undefined;
}

/** A network failure named by its kind (timeout, refused …) without any request content. */
function describeFetchError(error: unknown): string {
  // No instanceof: AbortSignal.timeout's DOMException may come from another realm.
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; cause?: { code?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  if (e.name === 'SyntaxError') return 'not JSON';
  if (typeof e.cause?.code === 'string' && /^[A-Z_]{1,40}$/.test(e.cause.code)) return e.cause.code;
  return typeof e.name === 'string' && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : 'unknown error';
}
