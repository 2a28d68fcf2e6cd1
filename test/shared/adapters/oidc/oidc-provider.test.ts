/**
 * JoseOidcProvider against a tiny in-test OpenID Connect provider (node:http + jose): the
 * authorization URL, the code exchange (client_secret_post) and the identity; each rejection reason
 * (discovery_failed, token_exchange_failed, invalid_id_token, nonce_mismatch, email_unverified,
 * email_missing) with a message that never carries the secret, the code or a token; the discovery
 * cache and its TTL.
 */
import { JoseOidcProvider, OidcRejectedError, type OidcRejectionReason } from '../../../../shared/adapters/oidc/oidc-provider';
import { startTinyOidcServer, type TinyOidcServer } from './tiny-oidc-server';

let idp: TinyOidcServer;
let nowMs: number;
const provider = (options: ConstructorParameters<typeof JoseOidcProvider>[0] = {}) => new JoseOidcProvider({ nowMs: () => nowMs, timeoutMs: 1000, ...options });
const redirectUri = 'https://bridge.example.com/link/oidc/callback';
const finishArgs = () => ({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, redirectUri, code: idp.code, nonce: 'nonce-1' });

beforeAll(async () => {
  idp = await startTinyOidcServer();
});
beforeEach(() => {
  idp.reset();
  nowMs = Date.now();
});
afterAll(async () => idp?.stop());

/** Runs finish, expects an OidcRejectedError with that reason, and checks the message leaks nothing. */
async function rejected(reason: OidcRejectionReason, args = finishArgs(), p = provider()): Promise<OidcRejectedError> {
  const error = await p.finish(args).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OidcRejectedError);
  const rejection = error as OidcRejectedError;
  expect({ reason: rejection.reason, message: rejection.message }).toEqual({ reason, message: expect.stringContaining(`(${reason})`) });
  for (const secret of [idp.clientSecret, idp.code, 'eyJ', 'access-token-xyz']) expect(rejection.message).not.toContain(secret);
  return rejection;
}

it('builds the authorization URL from the discovered endpoint (keeping its own query)', async () => {
  const url = new URL(await provider().authorizationUrl({ issuer: idp.issuer, clientId: idp.clientId, redirectUri, state: 'st-1', nonce: 'nonce-1' }));
  expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/authorize`);
  expect(Object.fromEntries(url.searchParams)).toEqual({ tenant: 't1', response_type: 'code', client_id: idp.clientId, redirect_uri: redirectUri, scope: 'openid email profile', state: 'st-1', nonce: 'nonce-1' });
});

it('exchanges the code with client_secret_post and returns the verified identity', async () => {
  expect(await provider().finish(finishArgs())).toEqual({ subject: 'user-123', email: 'alice@example.com', name: 'Alice Zhang' });
  expect(Object.fromEntries(idp.tokenForms[0])).toEqual({ grant_type: 'authorization_code', code: idp.code, redirect_uri: redirectUri, client_id: idp.clientId, client_secret: idp.clientSecret });
  idp.token = { alg: 'ES256', claims: { name: undefined } };
  expect(await provider().finish(finishArgs())).toEqual({ subject: 'user-123', email: 'alice@example.com' });
});

it('caches discovery per issuer until the TTL passes', async () => {
  const p = provider({ discoveryTtlMs: 60_000 });
  await p.finish(finishArgs());
  await p.authorizationUrl({ issuer: idp.issuer, clientId: idp.clientId, redirectUri, state: 's', nonce: 'n' });
  await p.finish(finishArgs());
  expect(idp.hits['/.well-known/openid-configuration']).toBe(1);
  nowMs += 60_001;
  await p.finish(finishArgs());
  expect(idp.hits['/.well-known/openid-configuration']).toBe(2);
});

describe('discovery_failed', () => {
  it('when the document is missing, names another issuer or lacks a usable endpoint', async () => {
    idp.discovery = { status: 404 };
    await rejected('discovery_failed');
    idp.discovery = { issuer: 'https://evil.example.com' };
    expect((await rejected('discovery_failed')).message).toContain('another issuer');
    idp.discovery = { token_endpoint: undefined };
    expect((await rejected('discovery_failed')).message).toContain('token_endpoint');
    idp.discovery = { jwks_uri: 'http://idp.example.com/jwks' }; // plain http off loopback
    expect((await rejected('discovery_failed')).message).toContain('jwks_uri');
  });

  it('when the issuer is not reachable, hangs past the timeout, or is not an https URL', async () => {
    await rejected('discovery_failed', { ...finishArgs(), issuer: 'http://127.0.0.1:9' });
    idp.discovery = { hang: true };
    expect((await rejected('discovery_failed', finishArgs(), provider({ timeoutMs: 200 }))).message).toContain('timed out');
    await rejected('discovery_failed', { ...finishArgs(), issuer: 'http://idp.example.com' });
    await rejected('discovery_failed', { ...finishArgs(), issuer: 'not a url' });
    await expect(provider().authorizationUrl({ issuer: 'ftp://x', clientId: 'c', redirectUri, state: 's', nonce: 'n' })).rejects.toMatchObject({ reason: 'discovery_failed' });
  });

  it('when the key set cannot be read', async () => {
    idp.jwksStatus = 500;
    await rejected('discovery_failed');
  });
});

describe('token_exchange_failed', () => {
  it('on a refused code or secret, keeping only the OAuth error code (not its description)', async () => {
    const refusal = await rejected('token_exchange_failed', { ...finishArgs(), code: 'stale-code-999' });
    expect(refusal.message).toContain('HTTP 400: invalid_grant');
    expect(refusal.message).not.toContain('stale-code-999');
    await rejected('token_exchange_failed', { ...finishArgs(), clientSecret: 'wrong-secret-abc' }).then((e) => expect(e.message).not.toContain('wrong-secret-abc'));
  });

  it('on a server error, an answer without id_token, or a hang past the timeout', async () => {
    idp.token = { status: 502, body: 'bad gateway' };
    await rejected('token_exchange_failed');
    idp.token = { status: 200, body: { access_token: 'access-token-xyz' } };
    expect((await rejected('token_exchange_failed')).message).toContain('no id_token');
    idp.token = { hang: true };
    expect((await rejected('token_exchange_failed', finishArgs(), provider({ timeoutMs: 200 }))).message).toContain('timed out');
  });
});

describe('invalid_id_token', () => {
  const cases: [string, TinyOidcServer['token']][] = [
    ['signed by a key the issuer does not publish', { foreignKey: true }],
    ['signed with HS256 keyed by the client secret', { alg: 'HS256' }],
    ['for another client', { claims: { aud: 'someone-else' } }],
    ['from another issuer', { claims: { iss: 'https://evil.example.com' } }],
    ['expired', { claims: { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 } }],
    ['without a subject', { claims: { sub: undefined } }],
    ['with several audiences and azp naming another client', { claims: { aud: ['dutybridge-client', 'other'], azp: 'other' } }],
  ];
  it.each(cases)('refuses a token %s', async (_, plan) => {
    idp.token = plan;
    await rejected('invalid_id_token');
  });

  it('accepts several audiences when azp is this client (so the case above can pass)', async () => {
    idp.token = { claims: { aud: ['dutybridge-client', 'other'], azp: 'dutybridge-client' } };
    expect((await provider().finish(finishArgs())).email).toBe('alice@example.com');
  });
});

it('nonce_mismatch when the token carries another nonce or none', async () => {
  idp.nonce = 'someone-elses-nonce';
  await rejected('nonce_mismatch');
  idp.token = { claims: { nonce: undefined } };
  await rejected('nonce_mismatch');
});

it.each([false, 'true', undefined, 1])('email_unverified when email_verified is %p', async (verified) => {
  idp.token = { claims: { email_verified: verified } };
  await rejected('email_unverified');
});

it.each([undefined, '', 'not-an-email', 42])('email_missing when email is %p', async (email) => {
  idp.token = { claims: { email } };
  await rejected('email_missing');
});
