/**
 * A tiny OpenID Connect provider (authorization code flow, RS256 ID tokens), standing in for the
 * company's identity provider when dutybridge links a chat account to a person:
 *   GET  /oidc/.well-known/openid-configuration   discovery (issuer = <simulator URL>/oidc)
 *   GET  /oidc/authorize        picker page of the users ("sign in as"), or an immediate redirect
 *                               when the cookie `sim_oidc_user` names a user (or `sim_sub` is given)
 *   POST /oidc/token            x-www-form-urlencoded; client_secret_post or client_secret_basic;
 *                               grant_type=authorization_code; code single use, 60 s; PKCE optional
 *   GET  /oidc/jwks             the signing key
 *   GET  /oidc/userinfo         Bearer access token → claims
 * Control: POST /_sim/oidc/clients {clientId, clientSecret, redirectUris[]},
 *          POST /_sim/oidc/users {sub, email, name, emailVerified}, GET /_sim/oidc/users,
 *          GET /_sim/oidc/client?user=<sub>&url=<page> (signs <sub> in: cookie sim_oidc_user, then 302).
 * Errors as RFC 6749 §5.2 `{error, error_description}`; authorize errors that cannot be sent
 * back (unknown client, unregistered redirect_uri) are shown as a page, never redirected (§4.1.2.1).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { htmlPage, openInClient, parseCookies } from '../core/sign-in';
import {
  AccessGrant,
  AuthorizationCode,
  OIDC_CODE_TTL_MS,
  OIDC_TOKEN_TTL_S,
  OidcClient,
  OidcClientInput,
  OidcUser,
  OidcUserInput,
  oidcClientSchema,
  oidcUserSchema,
  redirectAllowed,
} from './model';
import { OidcKeys } from './keys';

export const OIDC_USER_COOKIE = 'sim_oidc_user';

export class OidcControlError extends Error {
  override readonly name = 'OidcControlError';
  constructor(
    message: string,
    readonly issues?: readonly string[],
  ) {
    super(message);
  }
}

class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export interface OidcProvider {
  /** Answers `/oidc/...`; undefined for other paths. */
  handle(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined>;
  /** Answers `/_sim/oidc/...`. */
  handleControl(req: SimRequest): SimResponse;
  registerClient(input: OidcClientInput): OidcClient;
  registerUser(input: OidcUserInput): OidcUser;
  users(): readonly OidcUser[];
  reset(): void;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body,
});

const oauthError = (error: OAuthError, headers: Record<string, string> = {}): SimResponse => json(error.status, { error: error.error, error_description: error.description }, headers);

function secretsEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
}

/** `issuer()` is read per request: the simulator's URL is known once it listens. */
export function createOidcProvider(issuer: () => string): OidcProvider {
  const clients = new Map<string, OidcClient>();
  const userBySub = new Map<string, OidcUser>();
  const codes = new Map<string, AuthorizationCode>();
  const accessTokens = new Map<string, AccessGrant>();
  const keys = new OidcKeys();

  function registerClient(input: OidcClientInput): OidcClient {
    const parsed = oidcClientSchema.safeParse(input);
    if (!parsed.success) throw new OidcControlError('invalid OIDC client', zodIssues(parsed.error));
    clients.set(parsed.data.clientId, parsed.data);
    return parsed.data;
  }

  function registerUser(input: OidcUserInput): OidcUser {
    const parsed = oidcUserSchema.safeParse(input);
    if (!parsed.success) throw new OidcControlError('invalid OIDC user', zodIssues(parsed.error));
    userBySub.set(parsed.data.sub, parsed.data);
    return parsed.data;
  }

  function discovery(): SimResponse {
    const base = issuer();
    return json(200, {
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      userinfo_endpoint: `${base}/userinfo`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['iss', 'aud', 'sub', 'email', 'email_verified', 'name', 'nonce', 'iat', 'exp'],
      code_challenge_methods_supported: ['S256', 'plain'],
    });
  }

  function authorize(req: SimRequest, ctx: SimContext): SimResponse {
    const q = req.query;
    const client = clients.get(q.get('client_id') ?? '');
    if (!client) return htmlPage(400, 'OIDC sign-in error', `unknown client_id "${q.get('client_id') ?? ''}"`);
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!redirectAllowed(client, redirectUri)) return htmlPage(400, 'OIDC sign-in error', `redirect_uri "${redirectUri}" is not registered for client ${client.clientId}`);
    const back = (params: Record<string, string>): SimResponse => {
      const target = new URL(redirectUri);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      const state = q.get('state');
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { location: target.toString(), 'cache-control': 'no-store' }, body: '' };
    };
    if (q.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', error_description: 'only response_type=code is supported' });
    const scope = q.get('scope') ?? '';
    if (!scope.split(' ').includes('openid')) return back({ error: 'invalid_scope', error_description: 'scope must contain openid' });
    const challenge = q.get('code_challenge');
    const challengeMethod = q.get('code_challenge_method') ?? 'plain';
    if (challenge !== null && challengeMethod !== 'S256' && challengeMethod !== 'plain') {
      return back({ error: 'invalid_request', error_description: 'code_challenge_method must be S256 or plain' });
    }
    const chosen = q.get('sim_sub') ?? parseCookies(req.headers.cookie).get(OIDC_USER_COOKIE);
    const user = chosen ? userBySub.get(chosen) : undefined;
    if (!user) {
      const choices = [...userBySub.values()].map((candidate) => {
        const next = new URLSearchParams(q);
        next.set('sim_sub', candidate.sub);
        return { label: `${candidate.name} <${candidate.email}>${candidate.emailVerified ? '' : ' (email not verified)'}`, href: `/oidc/authorize?${next.toString()}` };
      });
      return htmlPage(200, 'Simulated identity provider: sign in as', choices);
    }
    const code = randomBytes(24).toString('base64url');
    const nonce = q.get('nonce');
    codes.set(code, {
      clientId: client.clientId,
      redirectUri,
      sub: user.sub,
      scope,
      ...(nonce !== null ? { nonce } : {}),
      ...(challenge !== null ? { codeChallenge: { method: challengeMethod as 'S256' | 'plain', value: challenge } } : {}),
      expiresAt: ctx.clock.now() + OIDC_CODE_TTL_MS,
      used: false,
    });
    ctx.log(`oidc: ${user.sub} signed in to ${client.clientId}`);
    return back({ code });
  }

  /** RFC 6749 §2.3.1: HTTP Basic (form-urlencoded id and secret) or client_id/client_secret in the body, not both. */
  function authenticateClient(req: SimRequest, form: URLSearchParams): OidcClient {
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    let clientId: string | null;
    let clientSecret: string | null;
    if (basic) {
      if (form.has('client_secret')) throw new OAuthError('invalid_request', 'use one client authentication method, not both Basic and client_secret', 400);
      const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError('invalid_client', 'Basic credentials must be client_id:client_secret', 401);
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      const formId = form.get('client_id');
      if (formId !== null && formId !== clientId) throw new OAuthError('invalid_request', 'client_id in the body differs from the Basic credentials', 400);
    } else {
      clientId = form.get('client_id');
      clientSecret = form.get('client_secret');
    }
    const client = clientId ? clients.get(clientId) : undefined;
    if (!client || clientSecret === null || !secretsEqual(clientSecret, client.clientSecret)) {
      throw new OAuthError('invalid_client', client ? 'client authentication failed' : `unknown client ${clientId ?? '(none)'}`, 401);
    }
    return client;
  }

  async function token(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
    const basicChallenge: Record<string, string> = /^Basic\s/i.test(req.headers.authorization ?? '') ? { 'www-authenticate': 'Basic realm="oidc"' } : {};
    try {
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError('invalid_request', 'the token request must be application/x-www-form-urlencoded');
      }
      const form = new URLSearchParams(req.body.toString('utf8'));
      const client = authenticateClient(req, form);
      const grantType = form.get('grant_type');
      if (grantType !== 'authorization_code') throw new OAuthError('unsupported_grant_type', `grant_type ${grantType ?? '(missing)'} is not supported; use authorization_code`);
      const code = form.get('code');
      if (!code) throw new OAuthError('invalid_request', 'code is required');
      const grant = codes.get(code);
      if (!grant) throw new OAuthError('invalid_grant', 'unknown authorization code');
      if (grant.used) throw new OAuthError('invalid_grant', 'authorization code was already used (single use)');
      if (ctx.clock.now() >= grant.expiresAt) throw new OAuthError('invalid_grant', 'authorization code expired (60 s)');
      if (grant.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'authorization code was issued to another client');
      if (form.get('redirect_uri') !== grant.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri does not match the one of the authorization request');
      if (grant.codeChallenge) {
        const verifier = form.get('code_verifier');
        if (!verifier) throw new OAuthError('invalid_grant', 'code_verifier is required (PKCE)');
        const derived = grant.codeChallenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (derived !== grant.codeChallenge.value) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
      }
      grant.used = true;
      const user = userBySub.get(grant.sub);
      if (!user) throw new OAuthError('invalid_grant', `user ${grant.sub} no longer exists`);
      const idToken = await keys.sign(
        {
          email: user.email,
          email_verified: user.emailVerified,
          name: user.name,
          ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
        },
        { issuer: issuer(), audience: client.clientId, subject: user.sub, ttlSeconds: OIDC_TOKEN_TTL_S },
      );
      const accessToken = randomBytes(24).toString('base64url');
      accessTokens.set(accessToken, { clientId: client.clientId, sub: user.sub, scope: grant.scope, expiresAt: ctx.clock.now() + OIDC_TOKEN_TTL_S * 1000 });
      return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: OIDC_TOKEN_TTL_S, id_token: idToken, scope: grant.scope }, { pragma: 'no-cache' });
    } catch (error) {
      if (error instanceof OAuthError) {
        ctx.log(`oidc token: ${error.error}: ${error.description}`);
        return oauthError(error, error.status === 401 ? basicChallenge : {});
      }
      throw error;
    }
  }

  function userinfo(req: SimRequest, ctx: SimContext): SimResponse {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const grant = bearer ? accessTokens.get(bearer[1] as string) : undefined;
    const user = grant ? userBySub.get(grant.sub) : undefined;
    if (!grant || !user || ctx.clock.now() >= grant.expiresAt) {
      return json(401, { error: 'invalid_token', error_description: 'missing, unknown or expired access token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    return json(200, { sub: user.sub, email: user.email, email_verified: user.emailVerified, name: user.name });
  }

  return {
    async handle(req, ctx) {
      if (req.path !== '/oidc' && !req.path.startsWith('/oidc/')) return undefined;
      const route = `${req.method} ${req.path}`;
      switch (route) {
        case 'GET /oidc/.well-known/openid-configuration':
          return discovery();
        case 'GET /oidc/authorize':
          return authorize(req, ctx);
        case 'POST /oidc/token':
          return token(req, ctx);
        case 'GET /oidc/jwks':
          return json(200, await keys.jwks(), { 'cache-control': 'max-age=60' });
        case 'GET /oidc/userinfo':
          return userinfo(req, ctx);
        default:
          return json(404, { error: 'not_found', error_description: `the simulated OIDC provider has no ${route}` });
      }
    },

    handleControl(req) {
      try {
        const body = (): unknown => {
          try {
            return JSON.parse(req.body.toString('utf8') || '{}') as unknown;
          } catch {
            throw new OidcControlError('body must be JSON');
          }
        };
        if (req.path === '/_sim/oidc/clients' && req.method === 'POST') {
          const client = registerClient(body() as OidcClientInput);
          return json(200, { ok: true, clientId: client.clientId, redirectUris: client.redirectUris, issuer: issuer() });
        }
        if (req.path === '/_sim/oidc/users' && req.method === 'POST') return json(200, { ok: true, user: registerUser(body() as OidcUserInput) });
        if (req.path === '/_sim/oidc/users' && req.method === 'GET') return json(200, { users: [...userBySub.values()] });
        if (req.path === '/_sim/oidc/client' && req.method === 'GET') return openInClient(OIDC_USER_COOKIE, req.query, (sub) => userBySub.has(sub));
        return json(404, { error: `no OIDC control route ${req.method} ${req.path}` });
      } catch (error) {
        if (error instanceof OidcControlError) return json(400, { error: error.message, ...(error.issues ? { issues: error.issues } : {}) });
        throw error;
      }
    },

    registerClient,
    registerUser,
    users: () => [...userBySub.values()],
    reset() {
      clients.clear();
      userBySub.clear();
      codes.clear();
      accessTokens.clear();
    },
  };
}
