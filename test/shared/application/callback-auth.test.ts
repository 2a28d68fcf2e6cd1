/** Shape and freshness checks that run before any lookup on the WeCom and DingTalk event routes. */
import { CALLBACK_MAX_CLOCK_SKEW_MS, checkSha1SignedQuery, epochMs, requireFresh } from '../../../shared/application/callback-auth';
import { RequestRejectedError } from '../../../shared/domain/errors';

const NOW = Date.UTC(2026, 10, 30, 2, 0, 0);
const sig = 'a'.repeat(40);

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof RequestRejectedError) return `${error.statusCode} ${error.code}`;
    throw error;
  }
}

it('reads 10-digit timestamps as seconds (WeCom) and 13-digit ones as milliseconds (DingTalk)', () => {
  expect(epochMs('1700000000')).toBe(1_700_000_000_000);
  expect(epochMs('1700000000123')).toBe(1_700_000_000_123);
  for (const bad of ['', '1', '17000000001', '-170000000', '1700000000.5', ' 1700000000', '17000000001234']) expect(codeOf(() => epochMs(bad))).toBe('401 unauthorized');
});

it('refuses timestamps more than 10 minutes from now, in either direction, with stale_timestamp', () => {
  expect(CALLBACK_MAX_CLOCK_SKEW_MS).toBe(600_000);
  expect(codeOf(() => requireFresh(NOW - 600_000, NOW))).toBeUndefined();
  expect(codeOf(() => requireFresh(NOW + 600_000, NOW))).toBeUndefined();
  expect(codeOf(() => requireFresh(NOW - 600_001, NOW))).toBe('401 stale_timestamp');
  expect(codeOf(() => requireFresh(NOW + 600_001, NOW))).toBe('401 stale_timestamp');
  expect(codeOf(() => requireFresh(Number.NaN, NOW))).toBe('401 stale_timestamp');
});

it('checks a signed query: 40 hex signature, short nonce, fresh timestamp in s or ms', () => {
  const seconds = String(Math.floor(NOW / 1000));
  expect(codeOf(() => checkSha1SignedQuery({ signature: sig, timestamp: seconds, nonce: 'n' }, NOW))).toBeUndefined();
  expect(codeOf(() => checkSha1SignedQuery({ signature: sig.toUpperCase(), timestamp: String(NOW), nonce: 'n' }, NOW))).toBeUndefined();
  expect(codeOf(() => checkSha1SignedQuery({ signature: 'a'.repeat(39), timestamp: seconds, nonce: 'n' }, NOW))).toBe('401 unauthorized');
  expect(codeOf(() => checkSha1SignedQuery({ signature: 'g'.repeat(40), timestamp: seconds, nonce: 'n' }, NOW))).toBe('401 unauthorized');
  expect(codeOf(() => checkSha1SignedQuery({ signature: sig, timestamp: seconds, nonce: 'n'.repeat(65) }, NOW))).toBe('401 unauthorized');
  expect(codeOf(() => checkSha1SignedQuery({ signature: sig, timestamp: String(Math.floor(NOW / 1000) - 601), nonce: 'n' }, NOW))).toBe('401 stale_timestamp');
  expect(codeOf(() => checkSha1SignedQuery({ signature: sig, timestamp: String(NOW + 601_000), nonce: 'n' }, NOW))).toBe('401 stale_timestamp');
});
