/**
 * DynamoDB adapters of the dispatch ports: the idempotency ledger of outgoing DingTalk calls and
 * the digest buffer for calls deferred under the 95 % quota policy. Both live in the state table.
 */
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../../application/ports';
import type { DigestBuffer, DigestEntry, DispatchLedger, DueDigest, LedgerClaim, LedgerOutcome, LedgerRecord } from '../../application/dispatch';
import type { DigestLine } from '../../domain/dingtalk-card';
import type { ConversationTarget } from '../../domain/outgoing-call';
import { DIGEST_WINDOW_MS } from '../../domain/rate-limit';
import { takeQueried } from './query-pages';

/** Outcomes are kept a week: longer than any SQS redelivery (retention 4 days). */
const LEDGER_RETENTION_SECONDS = 7 * 86_400;
const IN_FLIGHT = 'in-flight';

const ledgerKey = (idempotencyKey: string) => ({ pk: `OUTCALL#${idempotencyKey}`, sk: 'OUTCALL' });

/**
 * `begin` is a conditional write: it succeeds when the key is new or its in-flight lease ran out
 * (the previous attempt died or was abandoned). A finished record is returned as is, so a
 * redelivered message never calls DingTalk twice. `abandon` releases the lease and keeps the count
 * of attempts DingTalk never answered (`unanswered`), which the next claim reports.
 */
export class DynamoDispatchLedger implements DispatchLedger {
  private readonly clock: Clock;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async begin(idempotencyKey: string, leaseMs: number): Promise<LedgerClaim> {
    const nowMs = this.clock.nowMs();
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKey(idempotencyKey),
          UpdateExpression: 'SET #state = :inFlight, leaseUntil = :lease, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :inFlight AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inFlight': IN_FLIGHT, ':lease': nowMs + leaseMs, ':expires': Math.floor(nowMs / 1000) + LEDGER_RETENTION_SECONDS, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'claimed', unanswered: Number(out.Attributes?.unanswered ?? 0) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: ledgerKey(idempotencyKey), ConsistentRead: true }));
    const item = out.Item;
    if (!item) return this.begin(idempotencyKey, leaseMs); // abandoned between the put and the get
    if (item.state === IN_FLIGHT) return { kind: 'busy', retryAfterMs: Math.max(1000, Number(item.leaseUntil) - nowMs) };
    return { kind: 'finished', record: { outcome: item.state as LedgerOutcome, ...(typeof item.reason === 'string' ? { reason: item.reason } : {}), atMs: Number(item.atMs), ...(isStringMap(item.result) ? { result: item.result } : {}) } };
  }

  async finish(idempotencyKey: string, record: LedgerRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        // `result` (e.g. a scene group's openConversationId) is kept so a duplicate call returns it.
        Item: { ...ledgerKey(idempotencyKey), state: record.outcome, reason: record.reason, atMs: record.atMs, ...(record.result ? { result: record.result } : {}), expiresAt: Math.floor(record.atMs / 1000) + LEDGER_RETENTION_SECONDS },
      }),
    );
  }

  async abandon(idempotencyKey: string, options: { unanswered?: boolean } = {}): Promise<void> {
    try {
      // Released, not deleted: the count of unanswered attempts must survive until the key finishes.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKey(idempotencyKey),
          UpdateExpression: options.unanswered ? 'SET leaseUntil = :released ADD unanswered :one' : 'SET leaseUntil = :released',
          ConditionExpression: '#state = :inFlight',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inFlight': IN_FLIGHT, ':released': 0, ...(options.unanswered ? { ':one': 1 } : {}) },
        }),
      );
    } catch (error) {
      // Already finished (or gone): nothing to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async advanceCardVersion(outTrackId: string, version: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.clock.nowMs() / 1000);
    try {
      // One item per card, in the ledger's key space: the newest render an update was sent for.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKey(`cardver:${outTrackId}`),
          UpdateExpression: 'SET renderVersion = :v, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(renderVersion) OR renderVersion <= :v',
          ExpressionAttributeValues: { ':v': version, ':expires': nowSeconds + LEDGER_RETENTION_SECONDS },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

/** Window starts are zero-padded so the sort key orders them numerically. */
const pad = (ms: number) => String(ms).padStart(15, '0');

/**
 * One item per digest line: `pk = DIGEST#<integration>`, `sk = <window start>#<random>`. Taking a
 * line is a conditional delete, so two concurrent flushes never send the same line twice.
 */
export class DynamoDigestBuffer implements DigestBuffer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(entry: DigestEntry): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `DIGEST#${entry.integrationId}`,
          sk: `${pad(entry.windowStartMs)}#${randomBytes(8).toString('hex')}`,
          target: entry.target,
          windowStartMs: entry.windowStartMs,
          line: entry.line,
          expiresAt: Math.floor(entry.windowStartMs / 1000) + LEDGER_RETENTION_SECONDS,
        },
      }),
    );
  }

  async takeDue(integrationId: string, nowMs: number): Promise<DueDigest[]> {
    const latestDueStart = nowMs - DIGEST_WINDOW_MS;
    const groups = new Map<string, { target: ConversationTarget; windowStartMs: number; lines: DigestLine[] }>();
    const due = takeQueried(
      (startKey) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk < :upTo',
            ExpressionAttributeValues: { ':pk': `DIGEST#${integrationId}`, ':upTo': `${pad(latestDueStart)}#~` },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      (item) => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, ConditionExpression: 'attribute_exists(pk)' })),
    );
    for await (const item of due) {
      const target = item.target as ConversationTarget;
      const windowStartMs = Number(item.windowStartMs);
      const key = `${windowStartMs}|${target.type === 'group' ? `g:${target.openConversationId}` : `u:${target.userId}`}`;
      const group = groups.get(key) ?? { target, windowStartMs, lines: [] };
      group.lines.push(item.line as DigestLine);
      groups.set(key, group);
    }
    return [...groups.values()].map((group) => ({ integrationId, ...group })).sort((a, b) => a.windowStartMs - b.windowStartMs);
  }
}
