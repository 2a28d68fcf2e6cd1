/**
 * The simulated OpenID Connect provider over HTTP: discovery, the sign-in picker and cookie,
 * the code exchange with both client authentication methods, RS256 ID tokens verified against
 * the published JWKS (jose, as a relying party does), and the RFC 6749 errors.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createSimulator, Simulator } from '../../../sim/server';
import { demoOidcClient } from '../../../sim/seed';

const REDIRECT = 'http://127.0.0.1:8787/link/oidc/callback';

describe('simulated OIDC provider', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ port: 0, seed: true });
  });
  afterEach(async () => sim.stop());

  const authorizeUrl = (params: Record<string, string> = {}) =>
    `${sim.url}/oidc/authorize?${new URLSearchParams({ response_type: 'code', client_id: demoOidcClient.clientId, redirect_uri: REDIRECT, scope: 'openid email profile', state: 'st4te', nonce: 'n0nce', ...params })}`;

  async function signIn(sub: string, params: Record<string, string> = {}, cookie = false): Promise<URL> {
    const response = cookie
      ? await fetch(authorizeUrl(params), { redirect: 'manual', headers: { cookie: `other=1; sim_oidc_user=${sub}` } })
      : await fetch(authorizeUrl({ ...params, sim_sub: sub }), { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location')!);
  }

  const tokenRequest = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });

  const postForm = (code: string, extra: Record<string, string> = {}) =>
    tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: demoOidcClient.clientId, client_secret: demoOidcClient.clientSecret, ...extra });

  it('publishes its discovery document with the simulator URL as issuer', async () => {
    const config = (await (await fetch(`${sim.url}/oidc/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      issuer: `${sim.url}/oidc`,
      authorization_endpoint: `${sim.url}/oidc/authorize`,
      token_endpoint: `${sim.url}/oidc/token`,
      jwks_uri: `${sim.url}/oidc/jwks`,
      response_types_supported: ['code'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
    });
  });

  it('signs a user in through the picker, exchanges the code once and issues a verifiable RS256 ID token', async () => {
    const picker = await fetch(authorizeUrl(), { redirect: 'manual' });
    expect(picker.status).toBe(200);
    const page = await picker.text();
    expect(page).toContain('sim_sub=idp-alice');
    expect(page).toContain('wangfang@example.com&gt; (email not verified)');

    const location = await signIn('idp-alice');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st4te');
    const code = location.searchParams.get('code')!;

    const response = await postForm(code);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const tokens = (await response.json()) as { access_token: string; token_type: string; expires_in: number; id_token: string };
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${sim.url}/oidc/jwks`)), {
      issuer: `${sim.url}/oidc`,
      audience: demoOidcClient.clientId,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'idp-alice', email: 'alice@example.com', email_verified: true, name: 'Alice Chen', nonce: 'n0nce' });
    expect(payload.exp! - payload.iat!).toBe(300);

    const info = await fetch(`${sim.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await info.json()).toEqual({ sub: 'idp-alice', email: 'alice@example.com', email_verified: true, name: 'Alice Chen' });
    expect((await fetch(`${sim.url}/oidc/userinfo`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);

    const again = await postForm(code);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant', error_description: 'authorization code was already used (single use)' });
  });

  it('redirects at once when the sim_oidc_user cookie names a user; the demo user with an unverified email says so', async () => {
    const location = await signIn('idp-wangfang', {}, true);
    const tokens = (await (await postForm(location.searchParams.get('code')!)).json()) as { id_token: string };
    const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${sim.url}/oidc/jwks`)));
    expect(payload).toMatchObject({ sub: 'idp-wangfang', email_verified: false });
    const session = await fetch(`${sim.url}/_sim/oidc/client?user=idp-bob&url=${encodeURIComponent(REDIRECT)}`, { redirect: 'manual' });
    expect([session.status, session.headers.get('set-cookie')?.split(';')[0]]).toEqual([302, 'sim_oidc_user=idp-bob']);
    expect((await fetch(`${sim.url}/_sim/oidc/client?user=ghost&url=${encodeURIComponent(REDIRECT)}`, { redirect: 'manual' })).status).toBe(400);
    // An unknown sub in the cookie shows the picker again.
    const unknown = await fetch(authorizeUrl(), { redirect: 'manual', headers: { cookie: 'sim_oidc_user=ghost' } });
    expect(unknown.status).toBe(200);
  });

  it('accepts client_secret_basic and refuses a wrong secret, another redirect_uri, an expired code, a wrong grant or content type', async () => {
    const basic = `Basic ${Buffer.from(`${demoOidcClient.clientId}:${demoOidcClient.clientSecret}`).toString('base64')}`;
    const code1 = (await signIn('idp-bob')).searchParams.get('code')!;
    expect((await tokenRequest({ grant_type: 'authorization_code', code: code1, redirect_uri: REDIRECT }, { authorization: basic })).status).toBe(200);

    const code2 = (await signIn('idp-bob')).searchParams.get('code')!;
    const wrongSecret = await postForm(code2, { client_secret: 'wrong-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
    const badBasic = await tokenRequest({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT }, { authorization: `Basic ${Buffer.from(`${demoOidcClient.clientId}:nope`).toString('base64')}` });
    expect(badBasic.status).toBe(401);
    expect(badBasic.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await (await postForm(code2, { redirect_uri: 'http://127.0.0.1:8787/elsewhere' })).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await postForm(code2, { grant_type: 'password' })).json()).toMatchObject({ error: 'unsupported_grant_type' });
    const asJson = await fetch(`${sim.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: code2 }) });
    expect(await asJson.json()).toMatchObject({ error: 'invalid_request' });
    // None of the refusals used the code up.
    expect((await postForm(code2)).status).toBe(200);

    const code3 = (await signIn('idp-bob')).searchParams.get('code')!;
    sim.clock.advance(60_000);
    expect(await (await postForm(code3)).json()).toEqual({ error: 'invalid_grant', error_description: 'authorization code expired (60 s)' });
  });

  it('checks PKCE when the authorization request carried a code_challenge', async () => {
    const verifier = 'a-verifier-that-is-long-enough-0123456789abcdef';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = (await signIn('idp-lina', { code_challenge: challenge, code_challenge_method: 'S256' })).searchParams.get('code')!;
    expect(await (await postForm(code, { code_verifier: 'wrong' })).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await postForm(code, { code_verifier: verifier })).status).toBe(200);
  });

  it('shows a page (never redirects) for an unknown client or redirect_uri; sends other errors back to the client', async () => {
    expect((await fetch(authorizeUrl({ client_id: 'nobody' }), { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(authorizeUrl({ redirect_uri: 'https://evil.example.com/cb' }), { redirect: 'manual' })).status).toBe(400);
    const token = await fetch(authorizeUrl({ response_type: 'token' }), { redirect: 'manual' });
    expect(token.status).toBe(302);
    expect(new URL(token.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
    const scope = new URL((await fetch(authorizeUrl({ scope: 'email' }), { redirect: 'manual' })).headers.get('location')!);
    expect([scope.searchParams.get('error'), scope.searchParams.get('state')]).toEqual(['invalid_scope', 'st4te']);
  });

  it('registers clients (exact redirect URIs) and users through the control API', async () => {
    const post = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/_sim/oidc/clients', { clientId: 'app2', clientSecret: 'app2-secret', redirectUris: ['https://app2.example.com/cb'] })).status).toBe(200);
    expect((await post('/_sim/oidc/users', { sub: 'u-9', email: 'nine@example.com', name: 'Nine', emailVerified: true })).status).toBe(200);
    const bad = await post('/_sim/oidc/clients', { clientId: 'app3', clientSecret: 'short', redirectUris: ['not a url'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: string[] }).issues.length).toBeGreaterThanOrEqual(2);
    expect((await post('/_sim/oidc/users', { sub: 'u-10', email: 'nope', name: 'X' })).status).toBe(400);

    const ok = await fetch(`${sim.url}/oidc/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'app2', redirect_uri: 'https://app2.example.com/cb', scope: 'openid', sim_sub: 'u-9' })}`, { redirect: 'manual' });
    expect(ok.status).toBe(302);
    // Exact match only: another path on the same host is refused.
    const other = await fetch(`${sim.url}/oidc/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'app2', redirect_uri: 'https://app2.example.com/other', scope: 'openid' })}`, { redirect: 'manual' });
    expect(other.status).toBe(400);
    const users = (await (await fetch(`${sim.url}/_sim/oidc/users`)).json()) as { users: { sub: string }[] };
    expect(users.users.map((u) => u.sub)).toContain('u-9');
  });
});
