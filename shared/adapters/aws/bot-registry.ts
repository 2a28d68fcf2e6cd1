/**
 * Group bots of an integration (non-secret settings): pk `BOT#<integrationId>`, sk = the bot's
 * name. The webhook URL and sign secret are in Secrets Manager (bot-secrets.ts). The CLI writes;
 * functions read.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BotRegistry } from '../../application/group-bots';
import { groupBotSchema, type GroupBot } from '../../domain/group-bot';
import { queryAll } from './query-pages';

const pk = (integrationId: string) => `BOT#${integrationId}`;

export class DynamoBotRegistry implements BotRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(integrationId: string, name: string): Promise<GroupBot | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: name } }));
    return out.Item ? groupBotSchema.parse(out.Item.bot) : undefined;
  }

  async list(integrationId: string): Promise<GroupBot[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk(integrationId) }, ExclusiveStartKey: start }),
        ),
      (item) => groupBotSchema.parse(item.bot),
    );
  }

  async put(bot: GroupBot): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: pk(bot.integrationId), sk: bot.name, bot } }));
  }

  async remove(integrationId: string, name: string): Promise<boolean> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: name }, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}

/** Keeps bots in memory for 30 s: a burst of alerts reads each bot once (a removed bot may post for that long). */
export class CachedBotRegistry implements Pick<BotRegistry, 'get' | 'list'> {
  private readonly cache = new Map<string, { value: unknown; until: number }>();

  constructor(
    private readonly inner: Pick<BotRegistry, 'get' | 'list'>,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(integrationId: string, name: string): Promise<GroupBot | undefined> {
    return this.cached(`get|${integrationId}|${name}`, () => this.inner.get(integrationId, name));
  }

  list(integrationId: string): Promise<GroupBot[]> {
    return this.cached(`list|${integrationId}`, () => this.inner.list(integrationId));
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.value as T;
    const value = await load();
    // A bot not found is not remembered: one added a moment ago posts on the next event.
    if (value === undefined) return value;
    if (this.cache.size > 500) this.cache.clear();
    this.cache.set(key, { value, until: this.now() + this.ttlMs });
    return value;
  }
}
