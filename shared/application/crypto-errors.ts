/** Maps the crypto module's typed errors (official library codes) to HTTP rejections. */
import { CardSignatureError, DingTalkCryptoError, WeComCryptoError } from '../crypto';
import { BadRequestError, RequestRejectedError } from '../domain/errors';
import { NotAuthenticatedError, StaleTimestampError } from './callback-auth';

export function rejectionForCryptoError(error: unknown): RequestRejectedError | undefined {
  if (error instanceof WeComCryptoError) {
    switch (error.code) {
      case -40001:
        return new NotAuthenticatedError(); // the same answer as an unknown integration
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
        return new NotAuthenticatedError();
      case 900010:
        return new BadRequestError('owner_key_mismatch', 'event was encrypted for another app (owner key)');
      default:
        return new BadRequestError('decrypt_failed', `cannot decrypt the event (DingTalk ${error.code})`);
    }
  }
  if (error instanceof CardSignatureError) {
    // Staleness is checked before the lookup (callback-auth.ts); kept here for callers that skip it.
    return error.reason === 'stale' ? new StaleTimestampError() : new NotAuthenticatedError();
  }
  return undefined;
}
