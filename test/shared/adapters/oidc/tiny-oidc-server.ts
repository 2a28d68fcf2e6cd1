/**
 * A tiny OpenID Connect provider for the adapter's unit tests (node:http + jose): discovery, JWKS,
 * and a token endpoint that checks the client_secret_post form and answers with an ID token whose
 * claims, signing key and algorithm each test can bend.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

export interface TokenPlan {
  /** Claims merged over the defaults (iss, aud, sub, nonce, email, email_verified, iat, exp); undefined removes one. */
  claims?: Record<string, unknown>;
  /** Sign with a key the JWKS does not publish. */
  foreignKey?: boolean;
  /** Sign with ES256 (published) or HS256 keyed by the client secret (an attack: never accepted). */
  alg?: 'RS256' | 'ES256' | 'HS256';
  /** Answer the token request with this status and body instead. */
  status?: number;
  body?: unknown;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

export interface TinyOidcServer {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly code: string;
  /** Overrides of the discovery document; `status` answers it with that status. */
  discovery: Record<string, unknown> & { status?: number; hang?: boolean };
  token: TokenPlan;
  jwksStatus: number;
  /** Requests served, by path. */
  readonly hits: Record<string, number>;
  /** The forms POSTed to the token endpoint. */
  readonly tokenForms: URLSearchParams[];
  /** The nonce the next ID token carries. */
  nonce: string;
  /** Back to the defaults (between tests). */
  reset(): void;
  stop(): Promise<void>;
}

export async function startTinyOidcServer(): Promise<TinyOidcServer> {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }] };
  const hanging = new Set<IncomingMessage>();
  const defaults = () => ({ discovery: {}, token: {}, jwksStatus: 200, hits: {}, tokenForms: [], nonce: 'nonce-1' });
  const state: Omit<TinyOidcServer, 'stop' | 'reset' | 'issuer'> = {
    clientId: 'dutybridge-client',
    clientSecret: 'S3cr3t-client-secret-value',
    code: 'auth-code-0123456789',
    discovery: {},
    token: {},
    jwksStatus: 200,
    hits: {},
    tokenForms: [],
    nonce: 'nonce-1',
  };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    state.hits[path] = (state.hits[path] ?? 0) + 1;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/.well-known/openid-configuration') {
      const { status, hang, ...overrides } = state.discovery;
      if (hang) return void hanging.add(req);
      return json(status ?? 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize?tenant=t1`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        ...overrides,
      });
    }
    if (path === '/jwks') return json(state.jwksStatus, jwks);
    if (path === '/token' && req.method === 'POST') {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      req.on('end', async () => {
        const form = new URLSearchParams(raw);
        state.tokenForms.push(form);
        const plan = state.token;
        if (plan.hang) return void hanging.add(req);
        if (plan.status !== undefined) return json(plan.status, plan.body ?? {});
        if (form.get('grant_type') !== 'authorization_code' || form.get('code') !== state.code || form.get('client_id') !== state.clientId || form.get('client_secret') !== state.clientSecret) {
          return json(400, { error: 'invalid_grant', error_description: `bad code ${form.get('code')} or secret ${form.get('client_secret')}` });
        }
        json(200, { access_token: 'access-token-xyz', token_type: 'Bearer', expires_in: 3600, id_token: await signIdToken(plan) });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  const signIdToken = async (plan: TokenPlan): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { iss: issuer, aud: state.clientId, sub: 'user-123', nonce: state.nonce, email: 'alice@example.com', email_verified: true, name: 'Alice Zhang', iat: now, exp: now + 300, ...plan.claims };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    const alg = plan.alg ?? 'RS256';
    const key: KeyLike | Uint8Array = alg === 'HS256' ? new TextEncoder().encode(state.clientSecret) : plan.foreignKey ? foreign.privateKey : alg === 'ES256' ? ec.privateKey : rsa.privateKey;
    const kid = alg === 'ES256' ? 'ec-1' : 'rsa-1';
    return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    issuer,
    reset() {
      for (const req of hanging) req.socket.destroy();
      hanging.clear();
      Object.assign(state, defaults());
    },
    async stop() {
      for (const req of hanging) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
