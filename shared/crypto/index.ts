/**
 * Callback crypto for WeCom and DingTalk (pure node:crypto, no AWS). See the sibling files for the
 * platform rules each piece implements.
 */
export {
  WeComCryptoError,
  DingTalkCryptoError,
  CardSignatureError,
  RobotSignatureError,
  WeComCryptoErrorCode,
  DingTalkCryptoErrorCode,
  type WeComCryptoErrorCodeValue,
  type DingTalkCryptoErrorCodeValue,
  type SignatureRejectionReason,
} from './errors';
export { WeComCrypto, type WeComCryptoOptions } from './wecom-crypto';
export { DingTalkCrypto, type DingTalkCryptoOptions, type DingTalkEncryptedMap } from './dingtalk-crypto';
export {
  dingTalkRobotSign,
  dingTalkCardSignature,
  verifyDingTalkCardSignature,
  verifyDingTalkRobotSign,
} from './dingtalk-signatures';
export { MAX_MESSAGE_BYTES, MAX_CIPHERTEXT_BASE64_CHARS } from './callback-cipher';
export { decryptWeComMedia, encryptWeComMedia, WeComMediaDecryptError, type WeComMediaFault } from './wecom-media';
