/**
 * Fixed-window rate-limit counters: one item per (key, window), pk `RATE#<key>#<window>`, raised by
 * a conditional ADD (`n < limit`), so concurrent instances never grant more than the limit in a
 * window. Items expire through the table's TTL attribute a minute after their window.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateLimitCounters } from '../../application/ports';

export class DynamoRateLimitCounters implements RateLimitCounters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async hit(keys: readonly { readonly key: string; readonly limit: number }[], windowSeconds: number, options: { readonly rolling?: boolean } = {}): Promise<boolean> {
    const window = Math.floor(this.nowMs() / 1000 / windowSeconds);
    for (const { key, limit: fullLimit } of keys) {
      // Rolling: what the previous (closed) window used is taken off this one's allowance.
      const limit = options.rolling ? fullLimit - (await this.count(key, window - 1)) : fullLimit;
      if (limit <= 0) return false;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: `RATE#${key}#${window}`, sk: 'RATE' },
            UpdateExpression: 'ADD #n :one SET expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
            ExpressionAttributeNames: { '#n': 'n' },
            // Kept one window longer than it counts, for the rolling check of the next window.
            ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': (window + 2) * windowSeconds + 60 },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    }
    return true;
  }

  private async count(key: string, window: number): Promise<number> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `RATE#${key}#${window}`, sk: 'RATE' }, ConsistentRead: true }));
    return typeof out.Item?.n === 'number' ? out.Item.n : 0;
  }
}
