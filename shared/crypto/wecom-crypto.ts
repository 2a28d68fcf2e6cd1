/**
 * WeCom (企业微信) callback crypto: URL verification (GET), encrypted callbacks (POST) and
 * encrypted passive replies, compatible with the official WXBizMsgCrypt / WXBizJsonMsgCrypt
 * libraries and stricter than them (constant-time signature check before any decryption, strict
 * PKCS#7-32 unpadding, canonical base64, exact receiveid equality).
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
import { WeComCryptoError, WeComCryptoErrorCode, type WeComCryptoErrorCodeValue } from './errors';
import { MAX_SIGNED_FIELD_CHARS, isAgentId, isEnvelopeText, isEnvelopeTimestamp } from './envelope-fields';
import { takeRandomBytes } from './random-pool';

export interface WeComCryptoOptions {
  /** Callback Token from the admin console. */
  token: string;
  /** 43-character EncodingAESKey. */
  encodingAesKey: string;
  /** CorpID for self-built apps, suite id for third-party apps, '' for internal smart bots (DOC-101033). */
  receiveId: string;
}

const FAULT_CODES: Readonly<Record<CipherFault, WeComCryptoErrorCodeValue>> = {
  'ciphertext-not-string': WeComCryptoErrorCode.DecodeBase64,
  'ciphertext-too-large': WeComCryptoErrorCode.DecodeBase64,
  'malformed-base64': WeComCryptoErrorCode.DecodeBase64,
  'bad-block-length': WeComCryptoErrorCode.DecryptAes,
  'bad-padding': WeComCryptoErrorCode.DecryptAes,
  'frame-too-short': WeComCryptoErrorCode.IllegalBuffer,
  'length-overflow': WeComCryptoErrorCode.IllegalBuffer,
  'trailer-mismatch': WeComCryptoErrorCode.ValidateReceiveId,
  'message-not-utf8': WeComCryptoErrorCode.IllegalBuffer,
  'message-not-string': WeComCryptoErrorCode.EncryptAes,
  'message-too-large': WeComCryptoErrorCode.EncryptAes,
  'bad-random': WeComCryptoErrorCode.EncryptAes,
};

function failWithWeComError(fault: CipherFault): never {
  const message = fault === 'trailer-mismatch' ? 'decrypted receiveid does not match the configured one' : CIPHER_FAULT_MESSAGES[fault];
  throw new WeComCryptoError(FAULT_CODES[fault], message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class WeComCrypto {
  // ES private fields: the token and key never show up in util.inspect / console.log of an instance.
  readonly #token: string;
  readonly #cipher: CallbackCipher;

  constructor(options: WeComCryptoOptions) {
    if (!isRecord(options)) throw new WeComCryptoError(WeComCryptoErrorCode.IllegalAesKey, 'options must be an object');
    const { token, encodingAesKey, receiveId } = options;
    const aesKey = decodeEncodingAesKey(encodingAesKey);
    if (aesKey === undefined) {
      throw new WeComCryptoError(WeComCryptoErrorCode.IllegalAesKey, 'encodingAesKey must be 43 letters or digits');
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw new WeComCryptoError(WeComCryptoErrorCode.ComputeSignature, 'token must be a non-empty string');
    }
    if (typeof receiveId !== 'string' || Buffer.byteLength(receiveId, 'utf8') > MAX_TRAILER_BYTES) {
      throw new WeComCryptoError(WeComCryptoErrorCode.ValidateReceiveId, `receiveId must be a string of at most ${MAX_TRAILER_BYTES} bytes`);
    }
    this.#token = token;
    this.#cipher = new CallbackCipher(aesKey, Buffer.from(receiveId, 'utf8'), failWithWeComError);
  }

  /** msg_signature = sha1 hex of sort([token, timestamp, nonce, encrypt]).join('') (WeCom DOC-90968). */
  signature(timestamp: string, nonce: string, encrypt: string): string {
    if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof encrypt !== 'string') {
      throw new WeComCryptoError(WeComCryptoErrorCode.ComputeSignature, 'timestamp, nonce and encrypt must be strings');
    }
    return callbackSignature(this.#token, timestamp, nonce, encrypt);
  }

  /** GET URL verification: checks signature (constant time) BEFORE decrypting; returns the bare echostr plaintext. */
  verifyUrl(q: { msgSignature: string; timestamp: string; nonce: string; echostr: string }): string {
    if (!isRecord(q)) throw new WeComCryptoError(WeComCryptoErrorCode.ValidateSignature, 'verification query must be an object');
    return this.verifyThenOpen(q.msgSignature, q.timestamp, q.nonce, q.echostr);
  }

  /** POST: checks signature over the Encrypt text, then decrypts; returns the plaintext (XML or JSON). */
  decryptMessage(q: { msgSignature: string; timestamp: string; nonce: string; encrypt: string }): string {
    if (!isRecord(q)) throw new WeComCryptoError(WeComCryptoErrorCode.ValidateSignature, 'callback query must be an object');
    return this.verifyThenOpen(q.msgSignature, q.timestamp, q.nonce, q.encrypt);
  }

  /** Decrypt without signature check; enforces receiveId equality (strict byte equality; '' expects an empty trailer). */
  decrypt(encrypt: string): { message: string; receiveId: string; random: Buffer } {
    const opened = this.#cipher.open(encrypt);
    return { message: opened.message, receiveId: opened.trailer.toString('utf8'), random: opened.random };
  }

  /** base64 ciphertext of random16 ‖ uint32BE(len) ‖ message ‖ receiveId, PKCS#7-padded to 32. */
  encrypt(message: string, random16: Buffer = takeRandomBytes(16)): string {
    return this.#cipher.seal(message, random16);
  }

  /** Encrypted passive reply, XML envelope <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml> (CDATA as the official samples). */
  encryptReplyXml(message: string, timestamp: string, nonce: string, random16?: Buffer): string {
    const { encrypt, msgSignature } = this.sealAndSign(message, timestamp, nonce, random16);
    // Field order and CDATA placement follow the official template (DOC-90930 被动响应包); TimeStamp is not CDATA.
    return (
      `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt>` +
      `<MsgSignature><![CDATA[${msgSignature}]]></MsgSignature>` +
      `<TimeStamp>${timestamp}</TimeStamp>` +
      `<Nonce><![CDATA[${nonce}]]></Nonce></xml>`
    );
  }

  /**
   * JSON envelope {"encrypt","msgsignature","timestamp","nonce"} (smart bot / JSON callbacks).
   * `numericTimestamp`: the smart bot's reply example (DOC-101031) writes the timestamp as a JSON
   * number ("要求为秒级别的"); the JSON library samples write a string. The signature is the same.
   */
  encryptReplyJson(message: string, timestamp: string, nonce: string, random16?: Buffer, options: { numericTimestamp?: boolean } = {}): string {
    const { encrypt, msgSignature } = this.sealAndSign(message, timestamp, nonce, random16);
    return JSON.stringify({ encrypt, msgsignature: msgSignature, timestamp: options.numericTimestamp ? Number(timestamp) : timestamp, nonce });
  }

  /** What WeCom POSTs to a callback URL: the XML body <xml><ToUserName/><Encrypt/><AgentID/></xml> and the query signature. Used by the simulator and tests. */
  encryptCallback(
    message: string,
    opts: { toUserName: string; agentId?: string; timestamp: string; nonce: string; random16?: Buffer },
  ): { body: string; msgSignature: string } {
    if (!isRecord(opts)) throw new WeComCryptoError(WeComCryptoErrorCode.GenReturnXml, 'callback options must be an object');
    const { toUserName, agentId } = opts;
    if (!isEnvelopeText(toUserName)) {
      throw new WeComCryptoError(WeComCryptoErrorCode.GenReturnXml, 'toUserName must be 1 to 128 characters without XML markup');
    }
    if (agentId !== undefined && !isAgentId(agentId)) {
      throw new WeComCryptoError(WeComCryptoErrorCode.GenReturnXml, 'agentId must be decimal digits');
    }
    const { encrypt, msgSignature } = this.sealAndSign(message, opts.timestamp, opts.nonce, opts.random16);
    // Element order of the official samples (ToUserName, Encrypt, AgentID), as in the vector's postBody.
    const agentElement = agentId === undefined ? '' : `<AgentID><![CDATA[${agentId}]]></AgentID>`;
    const body = `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt>${agentElement}</xml>`;
    return { body, msgSignature };
  }

  private sealAndSign(message: string, timestamp: unknown, nonce: unknown, random16: Buffer | undefined): { encrypt: string; msgSignature: string } {
    if (!isEnvelopeTimestamp(timestamp)) {
      throw new WeComCryptoError(WeComCryptoErrorCode.GenReturnXml, 'timestamp must be 1 to 20 decimal digits');
    }
    if (!isEnvelopeText(nonce)) {
      throw new WeComCryptoError(WeComCryptoErrorCode.GenReturnXml, 'nonce must be 1 to 128 characters without XML markup');
    }
    const encrypt = this.#cipher.seal(message, random16 ?? takeRandomBytes(16));
    const msgSignature = callbackSignature(this.#token, timestamp, nonce, encrypt);
    return { encrypt, msgSignature };
  }

  private verifyThenOpen(msgSignature: unknown, timestamp: unknown, nonce: unknown, encrypt: unknown): string {
    if (typeof msgSignature !== 'string' || msgSignature.length === 0) {
      throw new WeComCryptoError(WeComCryptoErrorCode.ValidateSignature, 'msg_signature is missing');
    }
    if (typeof timestamp !== 'string' || typeof nonce !== 'string') {
      throw new WeComCryptoError(WeComCryptoErrorCode.ValidateSignature, 'timestamp and nonce must be strings');
    }
    if (timestamp.length > MAX_SIGNED_FIELD_CHARS || nonce.length > MAX_SIGNED_FIELD_CHARS) {
      throw new WeComCryptoError(WeComCryptoErrorCode.ValidateSignature, 'timestamp or nonce is too long');
    }
    if (typeof encrypt !== 'string') throw new WeComCryptoError(WeComCryptoErrorCode.DecodeBase64, CIPHER_FAULT_MESSAGES['ciphertext-not-string']);
    if (encrypt.length > MAX_CIPHERTEXT_BASE64_CHARS) {
      throw new WeComCryptoError(WeComCryptoErrorCode.DecodeBase64, CIPHER_FAULT_MESSAGES['ciphertext-too-large']);
    }
    // Signature first, over the exact received text: nothing is decoded or decrypted for a forged request.
    const expected = callbackSignature(this.#token, timestamp, nonce, encrypt);
    if (!signatureMatches(expected, msgSignature)) {
      throw new WeComCryptoError(WeComCryptoErrorCode.ValidateSignature, 'msg_signature does not match');
    }
    return this.#cipher.openMessage(encrypt);
  }
}
