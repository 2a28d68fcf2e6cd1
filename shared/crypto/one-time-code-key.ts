/**
 * The server secret keying an integration's one-time code hashes (DynamoOneTimeCodes): derived
 * from its app secret like the link tokens' key, under its own label. The linking pages (check) and
 * the mail worker (issue) must derive the same key, so both call this.
 */
import { linkTokenKey } from './signed-token';

export function oneTimeCodesKey(appSecret: string, integrationId: string): Buffer {
  return linkTokenKey(appSecret, `${integrationId}:one-time-codes`);
}
