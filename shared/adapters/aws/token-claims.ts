/**
 * Single use of signed tokens and OAuth states (issue 11): `claimOnce` is one conditional PutItem
 * on pk `LINKCLAIM#<jti>`, so of any number of concurrent claims exactly one wins. The item expires
 * through the table's TTL attribute; since DynamoDB deletes expired items lazily (up to days later),
 * an item past its expiry counts as absent. Callers claim for at least the token's own validity, so
 * a token whose claim lapsed is itself expired and refused by its signature check.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TokenClaims } from '../../application/people-ports';
import { TTL_ATTRIBUTE } from './incident-retention';

const key = (jti: string) => ({ pk: `LINKCLAIM#${jti}`, sk: 'CLAIM' });

/** A jti that is empty, too long for a key, or not printable ASCII: refused before any write. */
export class InvalidTokenIdError extends Error {
  constructor() {
    super('token id must be 1–200 printable ASCII characters');
    this.name = 'InvalidTokenIdError';
  }
}

export class DynamoTokenClaims implements TokenClaims {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async claimOnce(jti: string, ttlSeconds: number): Promise<boolean> {
    if (!/^[\x21-\x7e]{1,200}$/.test(jti)) throw new InvalidTokenIdError();
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive number');
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(jti), claimedAt: nowSeconds, [TTL_ATTRIBUTE]: nowSeconds + Math.ceil(ttlSeconds) },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
