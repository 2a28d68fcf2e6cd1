/**
 * Typed errors of the callback crypto. The numeric codes are the ones the official platform
 * libraries return (WeCom WXBizMsgCrypt `ierror`/`errorCode`, DingTalk `DingTalkEncryptException`),
 * so logs and tests can be compared with the vendor samples. Messages are plain words and never
 * contain key material, tokens, signatures or plaintext.
 */

/** WeCom library codes (WXBizMsgCrypt samples, S-PY `ierror.py` / S-PHP `errorCode.php`). */
export const WeComCryptoErrorCode = {
  /** 签名验证错误 */
  ValidateSignature: -40001,
  /** xml 解析失败 (unused here: envelope parsing belongs to the callers) */
  ParseXml: -40002,
  /** sha 加密生成签名失败 */
  ComputeSignature: -40003,
  /** encodingAesKey 非法 */
  IllegalAesKey: -40004,
  /** receiveid (corpid) 校验错误 */
  ValidateReceiveId: -40005,
  /** aes 加密失败 */
  EncryptAes: -40006,
  /** aes 解密失败 */
  DecryptAes: -40007,
  /** 解密后得到的 buffer 非法 */
  IllegalBuffer: -40008,
  /** base64 加密失败 */
  EncodeBase64: -40009,
  /** base64 解密失败 */
  DecodeBase64: -40010,
  /** 生成 xml 失败 (the JSON library reuses it for JSON) */
  GenReturnXml: -40011,
} as const;
export type WeComCryptoErrorCodeValue = (typeof WeComCryptoErrorCode)[keyof typeof WeComCryptoErrorCode];

/** DingTalk library codes (DingCallbackCrypto.java `DingTalkEncryptException`). */
export const DingTalkCryptoErrorCode = {
  /** 加密明文文本非法 */
  PlaintextIllegal: 900001,
  /** 加密时间戳参数非法 */
  TimestampIllegal: 900002,
  /** 加密随机字符串参数非法 */
  NonceIllegal: 900003,
  /** 不合法的 aes key */
  AesKeyIllegal: 900004,
  /** 签名不匹配 */
  SignatureNotMatch: 900005,
  /** 签名计算失败 */
  ComputeSignature: 900006,
  /** 计算加密文字错误 */
  ComputeEncryptText: 900007,
  /** 计算解密文字错误 */
  ComputeDecryptText: 900008,
  /** 计算解密文字长度不匹配 */
  DecryptTextLength: 900009,
  /** 计算解密文字 corpid (owner key) 不匹配 */
  DecryptTextOwnerKey: 900010,
} as const;
export type DingTalkCryptoErrorCodeValue = (typeof DingTalkCryptoErrorCode)[keyof typeof DingTalkCryptoErrorCode];

export class WeComCryptoError extends Error {
  readonly code: number;
  constructor(code: WeComCryptoErrorCodeValue, message: string) {
    super(message);
    this.name = 'WeComCryptoError';
    this.code = code;
  }
}

export class DingTalkCryptoError extends Error {
  readonly code: number;
  constructor(code: DingTalkCryptoErrorCodeValue, message: string) {
    super(message);
    this.name = 'DingTalkCryptoError';
    this.code = code;
  }
}

/** Why a timestamped HMAC header (robot `sign`, card `x-ddpaas-signature`) was rejected. */
export type SignatureRejectionReason = 'missing' | 'malformed' | 'mismatch' | 'stale';

/** Interactive-card callback `x-ddpaas-signature` rejected. */
export class CardSignatureError extends Error {
  readonly reason: SignatureRejectionReason;
  constructor(reason: SignatureRejectionReason, message: string) {
    super(message);
    this.name = 'CardSignatureError';
    this.reason = reason;
  }
}

/** Robot HTTP-mode `sign` header rejected. */
export class RobotSignatureError extends Error {
  readonly reason: SignatureRejectionReason;
  constructor(reason: SignatureRejectionReason, message: string) {
    super(message);
    this.name = 'RobotSignatureError';
    this.reason = reason;
  }
}
