/**
 * JoseOidcProvider against the simulator's OpenID Connect provider (`<sim>/oidc`, over HTTP): the
 * adapter's authorization URL signs a demo user in (the sim's `sim_oidc_user` cookie picks who),
 * the code comes back with our state, and finish() returns the verified identity; a user whose
 * email is not verified, another sign-in's nonce, a replayed code and a wrong client secret are
 * each refused with their reason.
 */
import { JoseOidcProvider, OidcRejectedError } from '../../../../shared/adapters/oidc/oidc-provider';
import { createSimulator, type Simulator } from '../../../../sim/server';
import { demoOidcClient } from '../../../../sim/seed';

const REDIRECT = 'http://127.0.0.1:8787/link/oidc/callback';
let sim: Simulator;
let issuer: string;
const provider = new JoseOidcProvider({ timeoutMs: 2000 });

beforeAll(async () => {
  sim = await createSimulator({ port: 0, seed: true });
  issuer = `${sim.url}/oidc`;
});
afterAll(async () => sim?.stop());

/** Follows the adapter's authorization URL as the given user; returns the code sent back to us. */
async function signIn(sub: string, nonce: string, state = `state-${sub}`): Promise<string> {
  const url = await provider.authorizationUrl({ issuer, clientId: demoOidcClient.clientId, redirectUri: REDIRECT, state, nonce });
  const response = await fetch(url, { redirect: 'manual', headers: { cookie: `sim_oidc_user=${sub}` } });
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe(state);
  return back.searchParams.get('code')!;
}

const finish = (code: string, nonce: string, clientSecret: string = demoOidcClient.clientSecret) =>
  provider.finish({ issuer, clientId: demoOidcClient.clientId, clientSecret, redirectUri: REDIRECT, code, nonce });

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (e: unknown) => (e instanceof OidcRejectedError ? e.reason : `other: ${String(e)}`),
  );

it('signs a demo user in and returns their verified identity', async () => {
  const code = await signIn('idp-alice', 'nonce-a');
  expect(await finish(code, 'nonce-a')).toEqual({ subject: 'idp-alice', email: 'alice@example.com', name: 'Alice Chen' });
});

it('refuses a user whose email the provider has not verified', async () => {
  expect(await reasonOf(finish(await signIn('idp-wangfang', 'nonce-w'), 'nonce-w'))).toBe('email_unverified');
});

it('refuses an ID token issued for another sign-in (nonce)', async () => {
  expect(await reasonOf(finish(await signIn('idp-lina', 'nonce-other'), 'nonce-mine'))).toBe('nonce_mismatch');
});

it('refuses a replayed code and a wrong client secret at the token exchange', async () => {
  const code = await signIn('idp-bob', 'nonce-b');
  expect((await finish(code, 'nonce-b')).email).toBe('bob@example.com');
  expect(await reasonOf(finish(code, 'nonce-b'))).toBe('token_exchange_failed');
  expect(await reasonOf(finish(await signIn('idp-bob', 'nonce-c'), 'nonce-c', 'not-the-secret'))).toBe('token_exchange_failed');
});
