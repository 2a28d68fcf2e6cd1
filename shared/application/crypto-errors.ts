/** Maps the crypto module's typed errors (official library codes) to HTTP rejections. */
import { CardSignatureError, DingTalkCryptoError, WeComCryptoError } from '../crypto';
import { BadRequestError, RequestRejectedError, UnauthorizedError } from '../domain/errors';

export function rejectionForCryptoError(error: unknown): RequestRejectedError | undefined {
  if (error instanceof WeComCryptoError) {
    switch (error.code) {
      case -40001:
        return new UnauthorizedError('invalid_signature', 'msg_signature does not match');
      case -40005:
        return new BadRequestError('receiveid_mismatch', 'message was encrypted for another CorpID');
      default:
        return new BadRequestError('decrypt_failed', `cannot decrypt the message (WeCom ${error.code})`);
    }
  }
  if (error instanceof DingTalkCryptoError) {
    switch (error.code) {
      case 900005:
      case 900006:
        return new UnauthorizedError('invalid_signature', 'signature does not match');
      case 900010:
        return new BadRequestError('owner_key_mismatch', 'event was encrypted for another app (owner key)');
      default:
        return new BadRequestError('decrypt_failed', `cannot decrypt the event (DingTalk ${error.code})`);
    }
  }
  if (error instanceof CardSignatureError) {
    return new UnauthorizedError(`signature_${error.reason}`, `card callback signature is ${error.reason}`);
  }
  return undefined;
}
