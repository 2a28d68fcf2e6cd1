/** Integrations in the state table: pk `INTEGRATION#<id>`, sk `META`, listed through gsi1. */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { integrationSchema, type Integration } from '../../domain/integration';
import type { IntegrationRepository } from '../../application/ports';

const key = (id: string) => ({ pk: `INTEGRATION#${id}`, sk: 'META' });

export class DynamoIntegrationRepository implements IntegrationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Integration | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(id) }));
    return out.Item ? integrationSchema.parse(out.Item.integration) : undefined;
  }

  async put(integration: Integration): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key(integration.id), gsi1pk: 'INTEGRATIONS', gsi1sk: integration.id, integration },
      }),
    );
  }

  async list(): Promise<Integration[]> {
    const items: Integration[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': 'INTEGRATIONS' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(integrationSchema.parse(item.integration));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(id), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}

/**
 * Keeps integrations in memory for a short time: a warm callback makes no DynamoDB read.
 * Unknown ids are remembered briefly too, so a flood of bad ids cannot hammer the table.
 */
export class CachedIntegrationRepository implements IntegrationRepository {
  private readonly cache = new Map<string, { value: Integration | undefined; until: number }>();

  constructor(
    private readonly inner: IntegrationRepository,
    private readonly ttlMs = 60_000,
    private readonly negativeTtlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<Integration | undefined> {
    const hit = this.cache.get(id);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await this.inner.get(id);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(id, { value, until: this.now() + (value ? this.ttlMs : this.negativeTtlMs) });
    return value;
  }

  async put(integration: Integration): Promise<void> {
    this.cache.delete(integration.id);
    await this.inner.put(integration);
  }

  list(): Promise<Integration[]> {
    return this.inner.list();
  }

  async delete(id: string): Promise<boolean> {
    this.cache.delete(id);
    return this.inner.delete(id);
  }
}
