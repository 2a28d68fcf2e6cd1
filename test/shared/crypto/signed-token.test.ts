import { SignedTokenError, linkTokenKey, shortStateId, signToken, verifyToken } from '../../../shared/crypto/signed-token';

const key = linkTokenKey('app-secret', 'wecom-demo');
const now = 1_800_000_000_000;

function rejection(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SignedTokenError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('signed link tokens', () => {
  it('round-trips claims of the right kind before expiry', () => {
    const { token, claims } = signToken(key, 'pending', { incidentId: 'INC-1', userId: 'zhangsan' }, 600_000, now);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const verified = verifyToken<{ incidentId: string; userId: string }>(key, 'pending', token, now + 599_999);
    expect(verified).toEqual(claims);
    expect(verified.incidentId).toBe('INC-1');
  });

  it('refuses expired, tampered, re-keyed, wrong-kind and malformed tokens', () => {
    const { token } = signToken(key, 'pending', { incidentId: 'INC-1' }, 600_000, now);
    expect(rejection(() => verifyToken(key, 'pending', token, now + 600_000))).toBe('expired');
    expect(rejection(() => verifyToken(key, 'session', token, now))).toBe('wrong_kind');
    expect(rejection(() => verifyToken(linkTokenKey('rotated', 'wecom-demo'), 'pending', token, now))).toBe('bad_signature');
    expect(rejection(() => verifyToken(linkTokenKey('app-secret', 'other'), 'pending', token, now))).toBe('bad_signature');
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), incidentId: 'INC-2' })).toString('base64url');
    expect(rejection(() => verifyToken(key, 'pending', `${forged}.${mac}`, now))).toBe('bad_signature');
    for (const bad of ['', 'abc', 'a.b.c', `${payload}.`, '.x']) expect(rejection(() => verifyToken(key, 'pending', bad, now))).toBeDefined();
  });

  it('makes WeCom-safe state ids (a-zA-Z0-9, well under 128 bytes), all different', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => shortStateId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{22}$/);
  });
});
