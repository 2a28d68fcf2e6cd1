/**
 * Authentication before work, shared by the three callback routes: the signature and timestamp are
 * checked for shape and freshness before anything is looked up, and every authentication failure
 * (unknown integration, integration of the other platform, malformed or wrong signature) gets the
 * same 401 body, which does not echo the id: a caller cannot tell an id that exists from one that
 * does not. Only a timestamp outside the window gets its own code (`stale_timestamp`): it is
 * checked before the lookup, so it says nothing about the integration either.
 */
import { UnauthorizedError } from '../domain/errors';

/** WeCom and DingTalk event callbacks whose timestamp is further than this from now are refused. */
export const CALLBACK_MAX_CLOCK_SKEW_MS = 10 * 60_000;

/** WeCom msg_signature and DingTalk event signature: SHA1, 40 hex characters. */
export const SHA1_HEX_PATTERN = /^[0-9a-fA-F]{40}$/;
/** DingTalk x-ddpaas-signature: base64 of a 32-byte HMAC-SHA256, 44 characters. */
export const SHA256_BASE64_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
/** Epoch seconds (10 digits) or milliseconds (13 digits). */
const EPOCH_PATTERN = /^(?:[0-9]{10}|[0-9]{13})$/;
/** Platform nonces are short random strings; anything longer is not one. */
const NONCE_MAX_LENGTH = 64;

/** The one answer for every authentication failure: the same code and message, whatever the cause. */
export class NotAuthenticatedError extends UnauthorizedError {
  constructor() {
    super('unauthorized', 'the request could not be authenticated');
    this.name = 'NotAuthenticatedError';
  }
}

export class StaleTimestampError extends UnauthorizedError {
  constructor(maxSkewMs?: number) {
    const window = maxSkewMs === undefined ? 'outside the accepted window' : `more than ${Math.round(maxSkewMs / 1000)} s from now`;
    super('stale_timestamp', `timestamp is ${window}; check the clock, or stop replaying old requests`);
    this.name = 'StaleTimestampError';
  }
}

/** A 10-digit value is epoch seconds, a 13-digit one milliseconds; anything else is refused (401). */
export function epochMs(timestamp: string): number {
  if (!EPOCH_PATTERN.test(timestamp)) throw new NotAuthenticatedError();
  return timestamp.length === 10 ? Number(timestamp) * 1000 : Number(timestamp);
}

/** Refuses a timestamp more than `maxSkewMs` before or after now. */
export function requireFresh(timestampMs: number, nowMs: number, maxSkewMs: number = CALLBACK_MAX_CLOCK_SKEW_MS): void {
  if (!(Math.abs(nowMs - timestampMs) <= maxSkewMs)) throw new StaleTimestampError(maxSkewMs);
}

/** Shape and freshness of a SHA1-signed query (WeCom callback, DingTalk events) before any lookup. */
export function checkSha1SignedQuery(q: { signature: string; timestamp: string; nonce: string }, nowMs: number, maxSkewMs = CALLBACK_MAX_CLOCK_SKEW_MS): void {
  if (!SHA1_HEX_PATTERN.test(q.signature) || q.nonce.length > NONCE_MAX_LENGTH) throw new NotAuthenticatedError();
  requireFresh(epochMs(q.timestamp), nowMs, maxSkewMs);
}
