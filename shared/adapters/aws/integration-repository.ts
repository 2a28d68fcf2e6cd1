/** Integrations in the state table: pk `INTEGRATION#<id>`, sk `META`, listed through gsi1. */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { integrationSchema, type Integration } from '../../domain/integration';
import type { IntegrationRepository } from '../../application/ports';
import { queryAll } from './query-pages';

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
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': 'INTEGRATIONS' },
            ExclusiveStartKey: start,
          }),
        ),
      (item) => integrationSchema.parse(item.integration),
    );
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(id), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}

/**
 * Keeps integrations in memory for a short time: a warm callback makes no DynamoDB read.
 * Unknown ids are remembered briefly too, so a flood of bad ids cannot hammer the table. The two
 * are kept apart and bounded separately: unknown ids (chosen by whoever calls) evict only each
 * other, oldest first, and can never push a real integration out of the cache.
 */
export class CachedIntegrationRepository implements IntegrationRepository {
  private readonly known = new Map<string, { value: Integration; until: number }>();
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly inner: IntegrationRepository,
    private readonly ttlMs = 60_000,
    private readonly negativeTtlMs = 5_000,
    private readonly now: () => number = Date.now,
    private readonly maxUnknown = 1000,
  ) {}

  async get(id: string): Promise<Integration | undefined> {
    const now = this.now();
    const hit = this.known.get(id);
    if (hit && hit.until > now) return hit.value;
    const miss = this.unknown.get(id);
    if (miss !== undefined && miss > now) return undefined;
    const value = await this.inner.get(id);
    if (value) {
      this.unknown.delete(id);
      this.known.set(id, { value, until: now + this.ttlMs });
    } else {
      this.known.delete(id);
      this.unknown.delete(id); // re-inserted last: the oldest entry is always first
      while (this.unknown.size >= this.maxUnknown) this.unknown.delete(this.unknown.keys().next().value as string);
      this.unknown.set(id, now + this.negativeTtlMs);
    }
    return value;
  }

  async put(integration: Integration): Promise<void> {
    this.forget(integration.id);
    await this.inner.put(integration);
  }

  list(): Promise<Integration[]> {
    return this.inner.list();
  }

  async delete(id: string): Promise<boolean> {
    this.forget(id);
    return this.inner.delete(id);
  }

  private forget(id: string): void {
    this.known.delete(id);
    this.unknown.delete(id);
  }
}
