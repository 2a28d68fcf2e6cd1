/**
 * Short-lived signed tokens for the linking pages: the OAuth `state`, the linking session a person
 * carries from the chat login to the identity proof, and the pending action of an unlinked click.
 *
 * Format `<payload>.<mac>`: base64url JSON, then base64url HMAC-SHA256 over the payload text. Only
 * `[A-Za-z0-9_-.]`: WeCom's OAuth `state` must be `a-zA-Z0-9` and ≤ 128 bytes (P-91022), so the
 * state itself is a short random id (see `shortStateId`) and the signed token is kept server-side
 * or in our own URLs.
 *
 * The key is derived per integration from its app secret (HKDF-SHA256, a fixed label), so there is
 * no extra secret to provision and rotating the app secret revokes every token in flight (they
 * live minutes anyway). Single use is enforced by the caller (the `jti` claimed in DynamoDB).
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export type SignedTokenRejection = 'malformed' | 'bad_signature' | 'expired' | 'wrong_kind';

export class SignedTokenError extends Error {
  override readonly name = 'SignedTokenError';
  constructor(readonly reason: SignedTokenRejection) {
    super(`link token rejected: ${reason.replace('_', ' ')}`);
  }
}

export interface SignedTokenClaims {
  /** What the token is for; a token of one kind is never accepted as another. */
  readonly kind: string;
  /** Unique id, claimed once by whoever consumes the token. */
  readonly jti: string;
  /** Expiry, epoch ms. */
  readonly exp: number;
}

/** 32-byte signing key for an integration's link tokens, derived from its app secret. */
export function linkTokenKey(appSecret: string, integrationId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, `dutybridge:${integrationId}`, 'dutybridge link tokens v1', 32));
}

/** A random id for `jti` and OAuth `state` values: 22 characters of a-z A-Z 0-9. */
export function shortStateId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // 62 symbols: reject bytes ≥ 248 so every symbol is equally likely.
  let out = '';
  while (out.length < 22) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && out.length < 22) out += alphabet[byte % 62];
    }
  }
  return out;
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function signToken<T extends object>(key: Buffer, kind: string, body: T, ttlMs: number, nowMs: number): { token: string; claims: T & SignedTokenClaims } {
  const claims = { ...body, kind, jti: shortStateId(), exp: nowMs + ttlMs };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `${payload}.${mac(key, payload).toString('base64url')}`, claims };
}

/** Checks the MAC (constant time), the kind and the expiry; returns the claims. */
export function verifyToken<T extends object>(key: Buffer, kind: string, token: string, nowMs: number): T & SignedTokenClaims {
  if (typeof token !== 'string' || token.length > 4096) throw new SignedTokenError('malformed');
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) throw new SignedTokenError('malformed');
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SignedTokenError('bad_signature');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new SignedTokenError('malformed');
  }
  if (!claims || typeof claims !== 'object') throw new SignedTokenError('malformed');
  const c = claims as Partial<SignedTokenClaims>;
  if (typeof c.jti !== 'string' || typeof c.exp !== 'number' || typeof c.kind !== 'string') throw new SignedTokenError('malformed');
  if (c.kind !== kind) throw new SignedTokenError('wrong_kind');
  if (nowMs >= c.exp) throw new SignedTokenError('expired');
  return claims as T & SignedTokenClaims;
}
