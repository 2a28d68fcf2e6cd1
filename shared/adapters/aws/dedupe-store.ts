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
    // The claim and the look at the existing item are two calls: the item may be released (or lapse)
    // in between. Then nothing holds the key any more, so claim again instead of calling it 'done'
    // (which would swallow the platform's retry).
    for (let attempt = 1; ; attempt += 1) {
      const nowSeconds = Math.floor(this.nowMs() / 1000);
      let existing: Record<string, unknown> | undefined;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key(dedupeKey), state: 'pending', expiresAt: nowSeconds + pendingSeconds },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': nowSeconds },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return 'claimed';
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        // DynamoDB hands back the item that failed the condition (attribute-value form).
        existing = e.Item ? { state: e.Item.state?.S, expiresAt: e.Item.expiresAt?.N === undefined ? undefined : Number(e.Item.expiresAt.N) } : undefined;
      }
      existing ??= (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(dedupeKey), ConsistentRead: true }))).Item;
      const live = existing && typeof existing.expiresAt === 'number' && existing.expiresAt >= nowSeconds;
      if (live) return existing?.state === 'pending' ? 'pending' : 'done';
      if (attempt >= 3) return 'pending'; // the key keeps changing hands: let the platform retry shortly
    }
  }

  async complete(dedupeKey: string, ttlSeconds: number): Promise<void> {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key(dedupeKey), state: 'done', expiresAt: nowSeconds + ttlSeconds } }));
  }

  async release(dedupeKey: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(dedupeKey) }));
  }
}
