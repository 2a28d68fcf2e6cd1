/**
 * Callback de-duplication in two steps: a conditional put claims the key as `pending` for a short
 * time, and `complete` marks it `done` for days once the work (the enqueue) succeeded. A delivery
 * that died between the two leaves only a short-lived claim, so the platform's retry is not lost.
 * Items expire through the table's TTL attribute; since DynamoDB deletes lazily, an expired claim
 * is treated as absent.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DedupeStore } from '../../application/ports';

const key = (k: string) => ({ pk: `DEDUPE#${k}`, sk: 'DEDUPE' });

export class DynamoDedupeStore implements DedupeStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async claim(dedupeKey: string, pendingSeconds: number): Promise<'claimed' | 'done' | 'pending'> {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(dedupeKey), state: 'pending', expiresAt: nowSeconds + pendingSeconds },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return 'claimed';
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const existing = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(dedupeKey), ConsistentRead: true }));
    return existing.Item?.state === 'pending' ? 'pending' : 'done';
  }

  async complete(dedupeKey: string, ttlSeconds: number): Promise<void> {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key(dedupeKey), state: 'done', expiresAt: nowSeconds + ttlSeconds } }));
  }

  async release(dedupeKey: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(dedupeKey) }));
  }
}
