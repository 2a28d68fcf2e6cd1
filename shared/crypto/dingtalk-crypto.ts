/**
 * DingTalk (钉钉) HTTP-push event crypto (DingCallbackCrypto / DingTalkEncryptor): verify and
 * decrypt `{"encrypt": …}` bodies and build the encrypted `success` response map every event,
 * check_url included, must receive.
 */
import {
  CallbackCipher,
  CIPHER_FAULT_MESSAGES,
  type CipherFault,
  MAX_CIPHERTEXT_BASE64_CHARS,
  MAX_TRAILER_BYTES,
  callbackSignature,
  decodeEncodingAesKey,
  signatureMatches,
} from './callback-cipher';
import { DingTalkCryptoError, DingTalkCryptoErrorCode, type DingTalkCryptoErrorCodeValue } from './errors';
import { MAX_SIGNED_FIELD_CHARS, isEnvelopeText, isEnvelopeTimestamp } from './envelope-fields';
import { randomAlphanumeric } from './random-pool';

export interface DingTalkCryptoOptions {
  /** 签名 token from the developer console (事件订阅). */
  token: string;
  /** 43-character 加密 aes_key. */
  aesKey: string;
  /** App Client ID (AppKey) for console-configured push; corpId for register_call_back; suiteKey for ISVs. */
  ownerKey: string;
}

export interface DingTalkEncryptedMap {
  msg_signature: string;
  timeStamp: string;
  nonce: string;
  encrypt: string;
}

const FAULT_CODES: Readonly<Record<CipherFault, DingTalkCryptoErrorCodeValue>> = {
  'ciphertext-not-string': DingTalkCryptoErrorCode.ComputeDecryptText,
  'ciphertext-too-large': DingTalkCryptoErrorCode.ComputeDecryptText,
  'malformed-base64': DingTalkCryptoErrorCode.ComputeDecryptText,
  'bad-block-length': DingTalkCryptoErrorCode.ComputeDecryptText,
  'bad-padding': DingTalkCryptoErrorCode.ComputeDecryptText,
  'frame-too-short': DingTalkCryptoErrorCode.DecryptTextLength,
  'length-overflow': DingTalkCryptoErrorCode.DecryptTextLength,
  'trailer-mismatch': DingTalkCryptoErrorCode.DecryptTextOwnerKey,
  'message-not-utf8': DingTalkCryptoErrorCode.ComputeDecryptText,
  'message-not-string': DingTalkCryptoErrorCode.PlaintextIllegal,
  'message-too-large': DingTalkCryptoErrorCode.PlaintextIllegal,
  'bad-random': DingTalkCryptoErrorCode.ComputeEncryptText,
};

function failWithDingTalkError(fault: CipherFault): never {
  const message = fault === 'trailer-mismatch' ? 'decrypted owner key does not match the configured one' : CIPHER_FAULT_MESSAGES[fault];
  throw new DingTalkCryptoError(FAULT_CODES[fault], message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class DingTalkCrypto {
  // ES private fields: the token and key never show up in util.inspect / console.log of an instance.
  readonly #token: string;
  readonly #cipher: CallbackCipher;

  constructor(options: DingTalkCryptoOptions) {
    if (!isRecord(options)) throw new DingTalkCryptoError(DingTalkCryptoErrorCode.AesKeyIllegal, 'options must be an object');
    const { token, aesKey, ownerKey } = options;
    const key = decodeEncodingAesKey(aesKey);
    if (key === undefined) throw new DingTalkCryptoError(DingTalkCryptoErrorCode.AesKeyIllegal, 'aesKey must be 43 letters or digits');
    if (typeof token !== 'string' || token.length === 0) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.ComputeSignature, 'token must be a non-empty string');
    }
    if (typeof ownerKey !== 'string' || Buffer.byteLength(ownerKey, 'utf8') > MAX_TRAILER_BYTES) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.DecryptTextOwnerKey, `ownerKey must be a string of at most ${MAX_TRAILER_BYTES} bytes`);
    }
    this.#token = token;
    this.#cipher = new CallbackCipher(key, Buffer.from(ownerKey, 'utf8'), failWithDingTalkError);
  }

  /** sha1 hex of sort([token, timestamp, nonce, encrypt]).join(''), used in both directions. */
  signature(timestamp: string, nonce: string, encrypt: string): string {
    if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof encrypt !== 'string') {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.ComputeSignature, 'timestamp, nonce and encrypt must be strings');
    }
    return callbackSignature(this.#token, timestamp, nonce, encrypt);
  }

  /** Verify (constant time) then decrypt an HTTP-push body's `encrypt`. Returns the JSON text. */
  decryptEvent(q: { signature: string; timestamp: string; nonce: string; encrypt: string }): string {
    if (!isRecord(q)) throw new DingTalkCryptoError(DingTalkCryptoErrorCode.SignatureNotMatch, 'event query must be an object');
    const { signature, timestamp, nonce, encrypt } = q;
    if (typeof signature !== 'string' || signature.length === 0) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.SignatureNotMatch, 'signature is missing');
    }
    if (typeof timestamp !== 'string' || typeof nonce !== 'string') {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.SignatureNotMatch, 'timestamp and nonce must be strings');
    }
    if (timestamp.length > MAX_SIGNED_FIELD_CHARS || nonce.length > MAX_SIGNED_FIELD_CHARS) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.SignatureNotMatch, 'timestamp or nonce is too long');
    }
    if (typeof encrypt !== 'string') {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.ComputeDecryptText, CIPHER_FAULT_MESSAGES['ciphertext-not-string']);
    }
    if (encrypt.length > MAX_CIPHERTEXT_BASE64_CHARS) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.ComputeDecryptText, CIPHER_FAULT_MESSAGES['ciphertext-too-large']);
    }
    // Signature first, over the exact received text: nothing is decoded or decrypted for a forged request.
    // (The Java library reports a mismatch as 900006; 900005 is the code whose meaning is "签名不匹配".)
    const expected = callbackSignature(this.#token, timestamp, nonce, encrypt);
    if (!signatureMatches(expected, signature)) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.SignatureNotMatch, 'signature does not match');
    }
    return this.#cipher.openMessage(encrypt);
  }

  /** Decrypt without a signature check; the trailer must equal the owner key byte for byte (→ 900010). */
  decrypt(encrypt: string): { message: string; ownerKey: string; random: Buffer } {
    const opened = this.#cipher.open(encrypt);
    return { message: opened.message, ownerKey: opened.trailer.toString('utf8'), random: opened.random };
  }

  /**
   * base64 ciphertext of random16 ‖ uint32BE(len) ‖ message ‖ ownerKey, PKCS#7-padded to 32.
   * The default random prefix is 16 crypto-random alphanumeric characters, like the official
   * `getRandomStr(16)`, so our frames are indistinguishable from the reference library's.
   */
  encrypt(message: string, random16?: Buffer): string {
    return this.#cipher.seal(message, random16 ?? Buffer.from(randomAlphanumeric(16), 'latin1'));
  }

  /** The exact response map: keys msg_signature, timeStamp, nonce, encrypt (all strings). */
  encryptedMap(message: string, timestamp: string, nonce: string, random16?: Buffer): DingTalkEncryptedMap {
    if (typeof message !== 'string') throw new DingTalkCryptoError(DingTalkCryptoErrorCode.PlaintextIllegal, CIPHER_FAULT_MESSAGES['message-not-string']);
    // A response with a non-numeric or odd timeStamp is refused by DingTalk ("HTTP请求结果校验返回字段值失败", crypto issue #21).
    if (!isEnvelopeTimestamp(timestamp)) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.TimestampIllegal, 'timestamp must be 1 to 20 decimal digits');
    }
    if (!isEnvelopeText(nonce)) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.NonceIllegal, 'nonce must be 1 to 128 printable characters');
    }
    const encrypt = this.encrypt(message, random16);
    const msgSignature = callbackSignature(this.#token, timestamp, nonce, encrypt);
    // Key spelling is checked by DingTalk: msg_signature with underscore, timeStamp with capital S.
    return { msg_signature: msgSignature, timeStamp: timestamp, nonce, encrypt };
  }

  /** encryptedMap('success', String(nowMs) (13 digits), random 16-char alphanumeric nonce). */
  successResponse(nowMs: number = Date.now()): DingTalkEncryptedMap {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
      throw new DingTalkCryptoError(DingTalkCryptoErrorCode.TimestampIllegal, 'nowMs must be a non-negative integer of milliseconds');
    }
    // Milliseconds as the Java reference (System.currentTimeMillis()); a seconds-or-smaller value was rejected (issue #21).
    return this.encryptedMap('success', String(nowMs), randomAlphanumeric(16));
  }
}
