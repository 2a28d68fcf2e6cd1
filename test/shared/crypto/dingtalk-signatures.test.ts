import { createHmac } from 'node:crypto';
import {
  CardSignatureError,
  RobotSignatureError,
  dingTalkCardSignature,
  dingTalkRobotSign,
  verifyDingTalkCardSignature,
  verifyDingTalkRobotSign,
} from '../../../shared/crypto';

const HOUR_MS = 3_600_000;
const secret = 'SECtest';
const apiSecret = 'mySecret';
const ts = '1700000000000';
const now = Number(ts);

function reasonOf(action: () => void, errorClass: typeof CardSignatureError | typeof RobotSignatureError): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(errorClass);
    const typed = error as CardSignatureError;
    expect(typed.message).not.toContain(secret);
    expect(typed.message).not.toContain(apiSecret);
    return typed.reason;
  }
}

describe('dingTalkRobotSign / dingTalkCardSignature', () => {
  it('robot: base64 HMAC-SHA256 of timestamp + "\\n" + secret (research vector for SECtest)', () => {
    expect(dingTalkRobotSign(secret, ts)).toBe('aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=');
  });

  it('card: base64 HMAC-SHA256 of the timestamp alone, no "\\n" + secret suffix', () => {
    const sign = dingTalkCardSignature(apiSecret, ts);
    expect(sign).toBe(createHmac('sha256', apiSecret).update(ts).digest('base64'));
    expect(sign).not.toBe(dingTalkRobotSign(apiSecret, ts));
  });

  it('reject malformed inputs with typed errors instead of TypeErrors', () => {
    expect(reasonOf(() => dingTalkRobotSign(undefined as unknown as string, ts), RobotSignatureError)).toBe('malformed');
    expect(reasonOf(() => dingTalkRobotSign(secret, '17e11'), RobotSignatureError)).toBe('malformed');
    expect(reasonOf(() => dingTalkCardSignature(apiSecret, 17 as unknown as string), CardSignatureError)).toBe('malformed');
  });
});

describe('verifyDingTalkRobotSign', () => {
  const sign = dingTalkRobotSign(secret, ts);
  const verify = (overrides: Partial<Parameters<typeof verifyDingTalkRobotSign>[0]>) =>
    reasonOf(() => verifyDingTalkRobotSign({ secret, timestamp: ts, sign, nowMs: now, ...overrides }), RobotSignatureError);

  it('accepts a fresh, correct sign up to exactly one hour either way', () => {
    expect(verify({})).toBeUndefined();
    expect(verify({ nowMs: now + HOUR_MS })).toBeUndefined();
    expect(verify({ nowMs: now - HOUR_MS })).toBeUndefined();
  });

  it.each([
    ['missing', { timestamp: undefined }],
    ['missing', { sign: undefined }],
    ['missing', { sign: '' }],
    ['malformed', { timestamp: '1700000000000.5' }],
    ['malformed', { timestamp: '-1700000000000' }],
    ['malformed', { sign: encodeURIComponent(dingTalkRobotSign(secret, ts)) }],
    ['malformed', { sign: sign.slice(1) }],
    ['malformed', { sign: 12 as unknown as string }],
    ['malformed', { secret: '' }],
    ['mismatch', { secret: 'SECother' }],
    ['mismatch', { timestamp: '1700000000001' }],
    ['stale', { nowMs: now + HOUR_MS + 1 }],
    ['stale', { nowMs: now - HOUR_MS - 1 }],
    ['stale', { nowMs: now + 5_001, maxSkewMs: 5_000 }],
  ])('%s: %p', (reason, overrides) => {
    expect(verify(overrides as Partial<Parameters<typeof verifyDingTalkRobotSign>[0]>)).toBe(reason);
  });

  it('reports a forged old request as a mismatch, not as stale', () => {
    expect(verify({ secret: 'SECother', nowMs: now + 10 * HOUR_MS })).toBe('mismatch');
  });

  it('treats an invalid clock or window as a programming error (RangeError)', () => {
    expect(() => verifyDingTalkRobotSign({ secret, timestamp: ts, sign, nowMs: Number.NaN })).toThrow(RangeError);
    expect(() => verifyDingTalkRobotSign({ secret, timestamp: ts, sign, nowMs: now, maxSkewMs: -1 })).toThrow(RangeError);
  });
});

describe('verifyDingTalkCardSignature', () => {
  const signature = dingTalkCardSignature(apiSecret, ts);
  const verify = (overrides: Partial<Parameters<typeof verifyDingTalkCardSignature>[0]>) =>
    reasonOf(() => verifyDingTalkCardSignature({ apiSecret, timestamp: ts, signature, nowMs: now, ...overrides }), CardSignatureError);

  it.each([
    [undefined, {}],
    ['missing', { signature: undefined }],
    ['missing', { timestamp: '' }],
    ['malformed', { timestamp: 'now' }],
    ['malformed', { signature: `${signature} ` }],
    ['mismatch', { apiSecret: 'otherSecret' }],
    ['mismatch', { signature: dingTalkRobotSign(apiSecret, ts) }],
    ['stale', { nowMs: now + HOUR_MS + 1 }],
  ])('%s: %p', (reason, overrides) => {
    expect(verify(overrides as Partial<Parameters<typeof verifyDingTalkCardSignature>[0]>)).toBe(reason);
  });

  it('rejects a missing parameter object with a typed error', () => {
    expect(reasonOf(() => verifyDingTalkCardSignature(undefined as unknown as Parameters<typeof verifyDingTalkCardSignature>[0]), CardSignatureError)).toBe(
      'missing',
    );
  });
});
