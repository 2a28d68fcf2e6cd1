/**
 * The operation log in the state table: one item per record and per dimension it can be found
 * by, so each query is one partition read newest first:
 *
 *   pk `OPLOG#incident#<incidentId>`        sk `<ISO time>#<random>`
 *   pk `OPLOG#member#<email, lower case>`   sk `<ISO time>#<random>`   (when the recipient is an email)
 *   pk `OPLOG#integration#<integrationId>`  sk `<ISO time>#<random>`
 *   pk `OPLOG#day#<YYYY-MM-DD, UTC>`         sk `<ISO time>#<random>`   (everything, by time)
 *
 * Every item carries the whole record and `expiresAt` (the table's TTL attribute) 30 days after
 * the record's time. DynamoDB deletes expired items lazily, so queries skip them. Functions only
 * append (PutItem); the CLI queries.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OperationLog } from '../../application/ports';
import { OPERATION_LOG_RETENTION_DAYS, type OperationLogQuery, type OperationRecord } from '../../domain/operation-log';

const PARALLEL_PUTS = 16;
const DEFAULT_LIMIT = 200;

export type OperationLogDimension = 'incident' | 'member' | 'integration' | 'day';

export function operationLogPartition(dimension: OperationLogDimension, value: string): string {
  return `OPLOG#${dimension}#${dimension === 'member' ? value.trim().toLowerCase() : value}`;
}

/** The partitions a record is written to. */
export function operationLogPartitions(record: OperationRecord): string[] {
  const keys: string[] = [];
  if (record.incidentId) keys.push(operationLogPartition('incident', record.incidentId));
  if (record.recipient?.includes('@')) keys.push(operationLogPartition('member', record.recipient));
  if (record.integrationId) keys.push(operationLogPartition('integration', record.integrationId));
  keys.push(operationLogPartition('day', utcDay(record.atMs)));
  return keys;
}

export class DynamoOperationLog implements OperationLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async append(records: readonly OperationRecord[]): Promise<void> {
    const items = records.flatMap((record) => {
      const sk = `${new Date(record.atMs).toISOString()}#${randomBytes(6).toString('hex')}`;
      const expiresAt = Math.floor(record.atMs / 1000) + OPERATION_LOG_RETENTION_DAYS * 86_400;
      const stored = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
      return operationLogPartitions(record).map((pk) => ({ pk, sk, expiresAt, record: stored }));
    });
    for (let i = 0; i < items.length; i += PARALLEL_PUTS) {
      await Promise.all(items.slice(i, i + PARALLEL_PUTS).map((Item) => this.client.send(new PutCommand({ TableName: this.tableName, Item }))));
    }
  }

  /**
   * Newest first. By incident, integration or member (the first given selects the partition, the
   * others filter); with none of them, every record since `sinceMs`, read day by day.
   */
  async query(query: OperationLogQuery): Promise<OperationRecord[]> {
    const pk = query.incidentId
      ? operationLogPartition('incident', query.incidentId)
      : query.integrationId
        ? operationLogPartition('integration', query.integrationId)
        : query.member
          ? operationLogPartition('member', query.member)
          : undefined;
    if (pk) return this.queryPartition(pk, query, query.limit ?? DEFAULT_LIMIT);
    if (query.sinceMs === undefined) throw new Error('an operation log query needs an incident, a member, an integration or a time to start from');
    const limit = query.limit ?? DEFAULT_LIMIT;
    const found: OperationRecord[] = [];
    const today = Date.parse(`${utcDay(this.nowMs())}T00:00:00Z`);
    // No record outlives the retention: older days are not read.
    const firstDay = Math.max(Date.parse(`${utcDay(query.sinceMs)}T00:00:00Z`), today - (OPERATION_LOG_RETENTION_DAYS + 1) * 86_400_000);
    for (let day = today; day >= firstDay && found.length < limit; day -= 86_400_000) {
      found.push(...(await this.queryPartition(operationLogPartition('day', utcDay(day)), query, limit - found.length)));
    }
    return found;
  }

  private async queryPartition(pk: string, query: OperationLogQuery, limit: number): Promise<OperationRecord[]> {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    const member = query.member?.trim().toLowerCase();
    const matches = (record: OperationRecord) =>
      (!query.integrationId || record.integrationId === query.integrationId) &&
      (!query.incidentId || record.incidentId === query.incidentId) &&
      (!member || record.recipient?.toLowerCase() === member);
    const found: OperationRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: query.sinceMs === undefined ? 'pk = :pk' : 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': pk, ...(query.sinceMs === undefined ? {} : { ':since': new Date(query.sinceMs).toISOString() }) },
          ScanIndexForward: false,
          Limit: Math.min(1000, limit * 2),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        if (typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds) continue;
        const record = item.record as OperationRecord;
        if (matches(record)) found.push(record);
        if (found.length >= limit) return found;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}

/** `YYYY-MM-DD` of an epoch-ms time, in UTC. */
function utcDay(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}
