/**
 * The WeCom smart bot's image and file downloads (issue 15). DOC-100719: "加密方式：AES-256-CBC，
 * 数据采用PKCS#7填充至32字节的倍数；IV初始向量大小为16字节，取AESKey前16字节" with the AESKey the
 * bot's EncodingAESKey decoded like the callback's (base64(key43 + '='), 32 bytes).
 *
 * Unlike callback bodies there is NO frame: no random prefix, no length field, no receiveid — the
 * whole plaintext is the file. So the only integrity check available is the padding, and it is
 * done strictly (every pad byte equal, value 1..32) so a wrong key is refused rather than returned
 * as garbage in almost every case (a wrong key leaves a valid pad with probability ~1/256).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { decodeEncodingAesKey } from './callback-cipher';

/** AES block: the ciphertext is whole AES blocks. */
const AES_BLOCK_BYTES = 16;
/** PKCS#7 "填充至32字节的倍数" (DOC-100719), as the callback cipher's `block_size = 32`. */
const PKCS7_BLOCK_BYTES = 32;

export type WeComMediaFault = 'bad-key' | 'bad-length' | 'bad-padding';

const FAULT_MESSAGES: Readonly<Record<WeComMediaFault, string>> = {
  'bad-key': 'EncodingAESKey is not 43 letters or digits decoding to 32 bytes',
  'bad-length': 'encrypted media length is not a non-zero multiple of 32 bytes',
  'bad-padding': 'decrypted media has invalid PKCS#7 padding (wrong key or corrupt data)',
};

/** The media could not be decrypted. The message never includes key material or the data. */
export class WeComMediaDecryptError extends Error {
  constructor(readonly fault: WeComMediaFault) {
    super(FAULT_MESSAGES[fault]);
    this.name = 'WeComMediaDecryptError';
  }
}

function aesKey(encodingAesKey: string): Buffer {
  const key = decodeEncodingAesKey(encodingAesKey);
  if (!key) throw new WeComMediaDecryptError('bad-key');
  return key;
}

/**
 * Decrypts a downloaded image or file. The ciphertext must be a non-zero multiple of 32 bytes
 * (whole AES blocks, padded to 32); the padding value must be 1..32 and repeated that many times.
 */
export function decryptWeComMedia(data: Buffer, encodingAesKey: string): Buffer {
  const key = aesKey(encodingAesKey);
  // Multiple of 32 implies multiple of the 16-byte AES block; both are stated for the reader.
  if (data.length === 0 || data.length % AES_BLOCK_BYTES !== 0 || data.length % PKCS7_BLOCK_BYTES !== 0) {
    throw new WeComMediaDecryptError('bad-length');
  }
  // Auto padding off: OpenSSL checks PKCS#7 against 16-byte blocks and would call a valid pad of
  // 17..32 a "bad decrypt".
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const head = decipher.update(data);
  const tail = decipher.final();
  const padded = tail.length === 0 ? head : Buffer.concat([head, tail]);
  const pad = padded[padded.length - 1]!;
  if (pad < 1 || pad > PKCS7_BLOCK_BYTES) throw new WeComMediaDecryptError('bad-padding');
  for (let index = padded.length - pad; index < padded.length; index++) {
    if (padded[index] !== pad) throw new WeComMediaDecryptError('bad-padding');
  }
  return padded.subarray(0, padded.length - pad);
}

/** Encrypts like WeCom does (the simulator serves media this way; tests build fixtures with it). */
export function encryptWeComMedia(plain: Buffer, encodingAesKey: string): Buffer {
  const key = aesKey(encodingAesKey);
  const pad = PKCS7_BLOCK_BYTES - (plain.length % PKCS7_BLOCK_BYTES); // 1..32, a full block when aligned
  const padded = Buffer.alloc(plain.length + pad, pad);
  plain.copy(padded, 0);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const head = cipher.update(padded);
  const tail = cipher.final();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}
