/**
 * DingTalk timestamped HMAC-SHA256 signatures:
 * - robot `sign` (custom-robot webhook query and robot HTTP-mode `sign` header):
 *   base64(HMAC-SHA256(key = secret, data = timestamp + "\n" + secret)) — the webhook URL-encodes it
 *   once, the header carries it raw; the timestamp may differ from now by at most 1 h (robot-message-type).
 * - interactive-card callback `x-ddpaas-signature`: base64(HMAC-SHA256(key = apiSecret, data = timestamp)),
 *   no "\n" + secret suffix (event-callback-card).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CardSignatureError, RobotSignatureError, type SignatureRejectionReason } from './errors';

/** "与请求调用时间误差不能超过1小时" — the robot rule, and the default here; the card callback route passes its own, shorter window (dingtalk-cards.ts, 5 min by default). */
const DEFAULT_MAX_SKEW_MS = 60 * 60 * 1000;
/** Millisecond epoch timestamps: 13 digits today; allow a little room, never signs or fractions. */
const TIMESTAMP_MS_PATTERN = /^[0-9]{1,16}$/;
/** base64 of a 32-byte HMAC-SHA256: 43 characters and one '='. */
const SHA256_BASE64_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

type SignatureErrorFactory = (reason: SignatureRejectionReason, message: string) => Error;
const cardError: SignatureErrorFactory = (reason, message) => new CardSignatureError(reason, message);
const robotError: SignatureErrorFactory = (reason, message) => new RobotSignatureError(reason, message);

function hmacSha256Base64(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('base64');
}

function requireSigningInputs(secret: unknown, timestampMs: unknown, makeError: SignatureErrorFactory, secretName: string): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0) throw makeError('malformed', `${secretName} must be a non-empty string`);
  if (typeof timestampMs !== 'string' || !TIMESTAMP_MS_PATTERN.test(timestampMs)) {
    throw makeError('malformed', 'timestamp must be 1 to 16 decimal digits of milliseconds');
  }
}

/** base64(HMAC-SHA256(key=secret, data=timestamp + "\n" + secret)), NOT url-encoded. */
export function dingTalkRobotSign(secret: string, timestampMs: string): string {
  requireSigningInputs(secret, timestampMs, robotError, 'secret');
  return hmacSha256Base64(secret, `${timestampMs}\n${secret}`);
}

/** base64(HMAC-SHA256(key=apiSecret, data=timestampMs)) — the x-ddpaas-signature header. */
export function dingTalkCardSignature(apiSecret: string, timestampMs: string): string {
  requireSigningInputs(apiSecret, timestampMs, cardError, 'apiSecret');
  return hmacSha256Base64(apiSecret, timestampMs);
}

interface TimestampedSignatureCheck {
  secret: unknown;
  secretName: string;
  timestamp: unknown;
  signature: unknown;
  signatureName: string;
  nowMs: number;
  maxSkewMs: number | undefined;
  compute: (secret: string, timestampMs: string) => string;
  makeError: SignatureErrorFactory;
}

/**
 * Order: missing → malformed → mismatch → stale. The signature is checked before freshness so
 * "stale" always means an authentic request outside the window (a clock or replay problem worth
 * telling apart from forgery in logs).
 */
function verifyTimestampedSignature(check: TimestampedSignatureCheck): void {
  const { timestamp, signature, makeError } = check;
  if (!Number.isFinite(check.nowMs)) throw new RangeError('nowMs must be a finite number of milliseconds');
  const maxSkewMs = check.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (!Number.isFinite(maxSkewMs) || maxSkewMs < 0) throw new RangeError('maxSkewMs must be a non-negative finite number');
  if (typeof check.secret !== 'string' || check.secret.length === 0) {
    throw makeError('malformed', `${check.secretName} must be a non-empty string`);
  }

  if (timestamp === undefined || timestamp === null || timestamp === '') throw makeError('missing', 'timestamp is missing');
  if (signature === undefined || signature === null || signature === '') throw makeError('missing', `${check.signatureName} is missing`);
  if (typeof timestamp !== 'string' || !TIMESTAMP_MS_PATTERN.test(timestamp)) {
    throw makeError('malformed', 'timestamp must be 1 to 16 decimal digits of milliseconds');
  }
  if (typeof signature !== 'string' || !SHA256_BASE64_PATTERN.test(signature)) {
    throw makeError('malformed', `${check.signatureName} must be the 44-character base64 of an HMAC-SHA256`);
  }

  // Both sides are 44 ASCII bytes here, so timingSafeEqual never sees unequal lengths.
  const expected = Buffer.from(check.compute(check.secret, timestamp), 'latin1');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'latin1'))) {
    throw makeError('mismatch', `${check.signatureName} does not match`);
  }
  if (Math.abs(check.nowMs - Number(timestamp)) > maxSkewMs) {
    throw makeError('stale', 'timestamp is outside the accepted clock-skew window');
  }
}

/** Constant-time check of a card callback's x-ddpaas-signature; rejects |now − ts| > maxSkewMs (default 1 h). Throws CardSignatureError. */
export function verifyDingTalkCardSignature(p: {
  apiSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
  maxSkewMs?: number;
}): void {
  if (typeof p !== 'object' || p === null) throw new CardSignatureError('missing', 'signature parameters are missing');
  verifyTimestampedSignature({
    secret: p.apiSecret,
    secretName: 'apiSecret',
    timestamp: p.timestamp,
    signature: p.signature,
    signatureName: 'x-ddpaas-signature',
    nowMs: p.nowMs,
    maxSkewMs: p.maxSkewMs,
    compute: dingTalkCardSignature,
    makeError: cardError,
  });
}

/** Same for robot `sign` (1 h window). Throws RobotSignatureError with the same reasons. */
export function verifyDingTalkRobotSign(p: {
  secret: string;
  timestamp: string | undefined;
  sign: string | undefined;
  nowMs: number;
  maxSkewMs?: number;
}): void {
  if (typeof p !== 'object' || p === null) throw new RobotSignatureError('missing', 'signature parameters are missing');
  verifyTimestampedSignature({
    secret: p.secret,
    secretName: 'secret',
    timestamp: p.timestamp,
    signature: p.sign,
    signatureName: 'sign',
    nowMs: p.nowMs,
    maxSkewMs: p.maxSkewMs,
    compute: dingTalkRobotSign,
    makeError: robotError,
  });
}
