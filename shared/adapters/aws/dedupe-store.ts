/**
 * Callback de-duplication with a conditional put: the first delivery of a key wins, retries and
 * replays find the claim. Items expire through the table's TTL attribute; since DynamoDB deletes
 * lazily, an expired claim is treated as absent.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DedupeStore } from '../../application/ports';

const key = (k: string) => ({ pk: `DEDUPE#${k}`, sk: 'DEDUPE' });

export class DynamoDedupeStore implements DedupeStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async claim(dedupeKey: string, ttlSeconds: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(dedupeKey), expiresAt: nowSeconds + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async release(dedupeKey: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(dedupeKey) }));
  }
}
