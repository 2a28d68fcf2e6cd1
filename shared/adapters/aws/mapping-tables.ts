/**
 * Mapping tables (seed 004, WeCom: email → userid) in the state table: pk `MAPPING#<name>`.
 *
 * - sk `META`: the current version, the row count and when it changed; listed through gsi1
 *   `MAPPINGS` (sort key: the name).
 * - sk `V#<version>#ROW#<email>`: one row of one version. A version is an opaque, unique string.
 *
 * `replace` writes every row of a new version, then flips META to it with a conditional update
 * (on the version it read), then deletes the old version's rows. Readers read META, then the rows
 * of that version, then META again: a flip in between makes them read again, so they see the old
 * rows or the new ones, never a mix (dynalite has no transactions, and one transaction could not
 * hold a large table anyway). Rows are written one PutItem at a time, a few in parallel: functions
 * are granted no batch writes, and the CLI that replaces tables shares the adapter.
 */
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MappingRow, MappingTables, MappingTableSummary } from '../../application/people-ports';
import { queryAll, queryPages } from './query-pages';

const pk = (name: string) => `MAPPING#${name}`;
const META = 'META';
const LIST_KEY = 'MAPPINGS';
const versionPrefix = (version: string) => `V#${version}#ROW#`;
const rowKey = (version: string, email: string) => `${versionPrefix(version)}${email.toLowerCase()}`;
/** Parallel single-item writes or deletes (keeps a large import well inside on-demand limits). */
const CONCURRENCY = 16;
/** A reader that keeps meeting a flip gives up after this many reads (a table replaced in a loop). */
const MAX_READS = 4;

/** Another `replace` or `delete` of the same table finished first; nothing of this one is kept. */
export class MappingTableConflictError extends Error {
  constructor(name: string) {
    super(`mapping table ${name} was changed by someone else while it was being replaced; nothing was changed, run the command again`);
    this.name = 'MappingTableConflictError';
  }
}

interface MetaItem {
  readonly version: string;
  readonly rows: number;
  readonly updatedAt: number;
}

export class DynamoMappingTables implements MappingTables {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(name: string, nowMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(name), sk: META, ...this.listKeys(name), version: newVersion(nowMs), rows: 0, updatedAt: nowMs },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async replace(name: string, rows: readonly MappingRow[], nowMs: number): Promise<MappingTableSummary> {
    const previous = await this.meta(name);
    const version = newVersion(nowMs);
    const unique = new Map(rows.map((row) => [row.email.toLowerCase(), row.userId]));
    await inParallel([...unique], ([email, userId]) =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: pk(name), sk: rowKey(version, email), email, userId } })),
    );
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pk(name), sk: META },
          UpdateExpression: 'SET #v = :v, #rows = :rows, updatedAt = :at, gsi1pk = :gpk, gsi1sk = :gsk',
          ConditionExpression: previous ? '#v = :old' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#v': 'version', '#rows': 'rows' },
          ExpressionAttributeValues: {
            ':v': version,
            ':rows': unique.size,
            ':at': nowMs,
            ':gpk': LIST_KEY,
            ':gsk': name,
            ...(previous ? { ':old': previous.version } : {}),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.deleteVersion(name, version);
      throw new MappingTableConflictError(name);
    }
    if (previous) await this.deleteVersion(name, previous.version);
    return { name, platform: 'wecom', rows: unique.size, updatedAt: nowMs };
  }

  async summary(name: string): Promise<MappingTableSummary | undefined> {
    const meta = await this.meta(name);
    return meta && { name, platform: 'wecom', rows: meta.rows, updatedAt: meta.updatedAt };
  }

  async rows(name: string): Promise<MappingRow[]> {
    return (await this.consistently(name, (version) => this.versionRows(name, version))) ?? [];
  }

  async list(): Promise<MappingTableSummary[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': LIST_KEY },
            ExclusiveStartKey: start,
          }),
        ),
      (item) => ({ name: String(item.gsi1sk), platform: 'wecom' as const, rows: Number(item.rows), updatedAt: Number(item.updatedAt) }),
    );
  }

  async delete(name: string): Promise<boolean> {
    // META first: from then on readers find no table; the rows go after.
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(name), sk: META }, ReturnValues: 'ALL_OLD' }));
    if (!out.Attributes) return false;
    await this.deleteWhere(name, 'V#');
    return true;
  }

  async lookup(name: string, emails: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(emails.map((email) => email.toLowerCase()))];
    if (unique.length === 0) return new Map();
    return (await this.consistently(name, (version) => this.versionLookup(name, version, unique))) ?? new Map();
  }

  /** Reads a version's rows, then checks META still names that version (else reads again). */
  private async consistently<T>(name: string, read: (version: string) => Promise<T>): Promise<T | undefined> {
    let meta = await this.meta(name);
    for (let attempt = 1; meta; attempt++) {
      const value = await read(meta.version);
      const after = await this.meta(name);
      if (after?.version === meta.version) return value;
      if (attempt >= MAX_READS) throw new Error(`mapping table ${name} kept changing while it was read; retrying the message`);
      meta = after;
    }
    return undefined;
  }

  private async meta(name: string): Promise<MetaItem | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(name), sk: META }, ConsistentRead: true }));
    const item = out.Item;
    return item && { version: String(item.version), rows: Number(item.rows ?? 0), updatedAt: Number(item.updatedAt ?? 0) };
  }

  private listKeys(name: string) {
    return { gsi1pk: LIST_KEY, gsi1sk: name };
  }

  private versionRows(name: string, version: string): Promise<MappingRow[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :v)',
            ExpressionAttributeValues: { ':p': pk(name), ':v': versionPrefix(version) },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      (item) => ({ email: String(item.email), userId: String(item.userId) }),
    );
  }

  private async versionLookup(name: string, version: string, emails: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    // BatchGetItem takes at most 100 keys per request.
    for (let i = 0; i < emails.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = emails.slice(i, i + 100).map((email) => ({ pk: pk(name), sk: rowKey(version, email) }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt >= 6) throw new Error(`DynamoDB left ${keys.length} mapping lookups unprocessed; retrying the message`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt)); // throttled: back off
        const out = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) found.set(String(item.email), String(item.userId));
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  private deleteVersion(name: string, version: string): Promise<void> {
    return this.deleteWhere(name, versionPrefix(version));
  }

  private async deleteWhere(name: string, skPrefix: string): Promise<void> {
    const pages = queryPages((start) =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': pk(name), ':s': skPrefix },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: start,
        }),
      ),
    );
    for await (const page of pages) await inParallel(page, (item) => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } })));
  }
}

/** Sortable by time, unique across concurrent writers. */
function newVersion(nowMs: number): string {
  return `${nowMs.toString(36).padStart(9, '0')}.${randomBytes(4).toString('hex')}`;
}

async function inParallel<T>(items: readonly T[], each: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
