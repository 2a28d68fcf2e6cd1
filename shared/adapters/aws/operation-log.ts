/**
 * The operation log in the state table: one item per record and per dimension it can be found
 * by, so each query is one partition read newest first:
 *
 *   pk `OPLOG#incident#<incidentId>`        sk `<ISO time>#<random>`
 *   pk `OPLOG#member#<email, lower case>`   sk `<ISO time>#<random>`   (when the recipient is an email)
 *   pk `OPLOG#integration#<integrationId>`  sk `<ISO time>#<random>`
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

export function operationLogPartition(dimension: 'incident' | 'member' | 'integration', value: string): string {
  return `OPLOG#${dimension}#${dimension === 'member' ? value.trim().toLowerCase() : value}`;
}

/** The partitions a record is written to. */
export function operationLogPartitions(record: OperationRecord): string[] {
  const keys: string[] = [];
  if (record.incidentId) keys.push(operationLogPartition('incident', record.incidentId));
  if (record.recipient?.includes('@')) keys.push(operationLogPartition('member', record.recipient));
  if (record.integrationId) keys.push(operationLogPartition('integration', record.integrationId));
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

  /** Newest first. One of incident, member or integration is required; the others filter. */
  async query(query: OperationLogQuery): Promise<OperationRecord[]> {
    const pk = query.incidentId
      ? operationLogPartition('incident', query.incidentId)
      : query.integrationId
        ? operationLogPartition('integration', query.integrationId)
        : query.member
          ? operationLogPartition('member', query.member)
          : undefined;
    if (!pk) throw new Error('an operation log query needs an incident, a member or an integration');
    const limit = query.limit ?? DEFAULT_LIMIT;
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
