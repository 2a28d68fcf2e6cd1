/**
 * The daily count of failed user lookups per integration for One-Click Link
 * (shared/application/one-click-link.ts): pk `LOOKUPMISS#<integrationId>#<day>`, sk `META`,
 * attribute `misses`. A reservation is a conditional ADD (`misses < limit`), so runs on several
 * machines at once never pass the limit together; a found user gives its reservation back.
 * Items expire through the table's TTL three days after their day.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LookupMissCounter } from '../../application/one-click-link';
import { TTL_ATTRIBUTE } from './incident-retention';

const key = (integrationId: string, day: string) => ({ pk: `LOOKUPMISS#${integrationId}#${day}`, sk: 'META' });
const expiresAt = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 3 * 86_400;

export class DynamoLookupMissCounter implements LookupMissCounter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(integrationId: string, day: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(integrationId, day),
          UpdateExpression: 'ADD misses :one SET #ttl = :expires',
          ConditionExpression: 'attribute_not_exists(misses) OR misses < :limit',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': expiresAt(day) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(integrationId: string, day: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(integrationId, day),
          UpdateExpression: 'ADD misses :minusOne',
          ConditionExpression: 'misses > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async used(integrationId: string, day: string): Promise<number> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(integrationId, day), ConsistentRead: true }));
    return Number(out.Item?.misses ?? 0);
  }
}
