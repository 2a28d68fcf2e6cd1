/**
 * An independent, deliberately plain implementation of the callback frame used by the tests to
 * craft ciphertexts our encoder would never produce (bad padding, lying length fields, foreign
 * trailers) and to cross-check decryptions. It shares no code with shared/crypto.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export function aesKeyOf(encodingAesKey: string): Buffer {
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

/** random16 ‖ uint32BE(declaredLength) ‖ message ‖ trailer — no padding. */
export function frameBytes(parts: { random: Buffer; message: Buffer; trailer: Buffer; declaredLength?: number }): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(parts.declaredLength ?? parts.message.length, 0);
  return Buffer.concat([parts.random, length, parts.message, parts.trailer]);
}

export function pkcs7Pad32(data: Buffer): Buffer {
  const pad = 32 - (data.length % 32);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/** AES-256-CBC, IV = key[0..16), no automatic padding: `plain` must already be whole 16-byte blocks. */
export function encryptRawBlocks(encodingAesKey: string, plain: Buffer): string {
  const key = aesKeyOf(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

export function decryptRawBlocks(encodingAesKey: string, base64: string): Buffer {
  const key = aesKeyOf(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(base64, 'base64')), decipher.final()]);
}

/** The textbook reading of a padded frame, or undefined when it is not one (strict PKCS#7-32). */
export function referenceOpen(encodingAesKey: string, base64: string): { message: string; trailer: string } | undefined {
  const padded = decryptRawBlocks(encodingAesKey, base64);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 32 || pad > padded.length) return undefined;
  if (!padded.subarray(padded.length - pad).every((byte) => byte === pad)) return undefined;
  const frame = padded.subarray(0, padded.length - pad);
  if (frame.length < 20) return undefined;
  const length = frame.readUInt32BE(16);
  if (20 + length > frame.length) return undefined;
  return { message: frame.subarray(20, 20 + length).toString('utf8'), trailer: frame.subarray(20 + length).toString('utf8') };
}

export function referenceSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}
