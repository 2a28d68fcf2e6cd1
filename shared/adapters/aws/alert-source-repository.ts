/** Alert sources (issue 18) in the state table: pk `ALERTSOURCE#<id>`, sk `META`, listed through gsi1 (`ALERTSOURCES`). */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertSourceRepository } from '../../application/alert-ports';
import { alertSourceSchema, type AlertSource } from '../../domain/alert-sources';
import { queryAll } from './query-pages';

const key = (id: string) => ({ pk: `ALERTSOURCE#${id}`, sk: 'META' });

export class DynamoAlertSourceRepository implements AlertSourceRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<AlertSource | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(id) }));
    return out.Item ? alertSourceSchema.parse(out.Item.source) : undefined;
  }

  async put(source: AlertSource): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key(source.id), gsi1pk: 'ALERTSOURCES', gsi1sk: source.id, source } }));
  }

  async list(): Promise<AlertSource[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': 'ALERTSOURCES' },
            ExclusiveStartKey: start,
          }),
        ),
      (item) => alertSourceSchema.parse(item.source),
    );
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(id), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}

/** Sources change rarely and every webhook reads one: keep them a minute in a warm function. */
export class CachedAlertSourceRepository implements Pick<AlertSourceRepository, 'get'> {
  private readonly cache = new Map<string, { value: AlertSource | undefined; until: number }>();

  constructor(
    private readonly inner: Pick<AlertSourceRepository, 'get'>,
    private readonly ttlMs = 60_000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async get(id: string): Promise<AlertSource | undefined> {
    const hit = this.cache.get(id);
    if (hit && hit.until > this.nowMs()) return hit.value;
    const value = await this.inner.get(id);
    if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, { value, until: this.nowMs() + this.ttlMs });
    return value;
  }
}
