/**
 * Suite state in the state table (issue 16):
 * - `SUITE#<suiteId>` / `META`: the suite's settings (the CLI writes them), listed through gsi1 `SUITES`;
 * - `SUITE#<suiteId>` / `TICKET`: the newest suite_ticket, replaced only by one with a TimeStamp no older;
 * - `SUITE#<suiteId>` / `CORP#<corpId>`: one corp's authorization (corp ids kept verbatim: encrypted
 *   ids are case-sensitive, DOC-96516);
 * - `SUITECODE#<suiteId>#<sha256(auth code)>` / `META`: single use of an auth code (TTL one day;
 *   codes live 10 minutes, DOC-90597). The code itself is never stored.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SuiteStore } from '../../application/suite-ports';
import { suiteRecordSchema, type SuiteAuthorization, type SuiteRecord, type SuiteTicket } from '../../domain/wecom-suite';
import { queryAll } from './query-pages';

const AUTH_CODE_CLAIM_TTL_SECONDS = 86_400;

const suiteKey = (suiteId: string, sk: string) => ({ pk: `SUITE#${suiteId}`, sk });
const codeKey = (suiteId: string, authCode: string) => ({
  pk: `SUITECODE#${suiteId}#${createHash('sha256').update(authCode).digest('hex')}`,
  sk: 'META',
});

export class DynamoSuiteStore implements SuiteStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getSuite(suiteId: string): Promise<SuiteRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: suiteKey(suiteId, 'META') }));
    return out.Item ? suiteRecordSchema.parse(out.Item.suite) : undefined;
  }

  async putSuite(suite: SuiteRecord): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...suiteKey(suite.suiteId, 'META'), gsi1pk: 'SUITES', gsi1sk: suite.suiteId, suite } }),
    );
  }

  async listSuites(): Promise<SuiteRecord[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': 'SUITES' },
            ExclusiveStartKey: start,
          }),
        ),
      (item) => suiteRecordSchema.parse(item.suite),
    );
  }

  async saveTicketIfNewer(suiteId: string, ticket: SuiteTicket): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...suiteKey(suiteId, 'TICKET'), ticket: ticket.ticket, ticketTimestamp: ticket.timestamp, receivedAtMs: ticket.receivedAtMs },
          // Same second: the later arrival wins (TimeStamp has second resolution; a console re-push may share it).
          ConditionExpression: 'attribute_not_exists(pk) OR ticketTimestamp <= :ts',
          ExpressionAttributeValues: { ':ts': ticket.timestamp },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async getTicket(suiteId: string): Promise<SuiteTicket | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: suiteKey(suiteId, 'TICKET'), ConsistentRead: true }));
    if (!out.Item) return undefined;
    return { ticket: String(out.Item.ticket), timestamp: Number(out.Item.ticketTimestamp), receivedAtMs: Number(out.Item.receivedAtMs) };
  }

  async claimAuthCode(suiteId: string, authCode: string, nowMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...codeKey(suiteId, authCode), claimedAtMs: nowMs, ttl: Math.floor(nowMs / 1000) + AUTH_CODE_CLAIM_TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async releaseAuthCode(suiteId: string, authCode: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: codeKey(suiteId, authCode) }));
  }

  async recordExchangedCode(suiteId: string, authCode: string, corpId: string, nowMs: number): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...codeKey(suiteId, authCode), claimedAtMs: nowMs, corpId, ttl: Math.floor(nowMs / 1000) + AUTH_CODE_CLAIM_TTL_SECONDS } }),
    );
  }

  async exchangedCorp(suiteId: string, authCode: string): Promise<string | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: codeKey(suiteId, authCode), ConsistentRead: true }));
    return typeof out.Item?.corpId === 'string' ? out.Item.corpId : undefined;
  }

  async getAuthorization(suiteId: string, corpId: string): Promise<SuiteAuthorization | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: suiteKey(suiteId, `CORP#${corpId}`), ConsistentRead: true }));
    return out.Item ? (out.Item.authorization as SuiteAuthorization) : undefined;
  }

  async listAuthorizations(suiteId: string): Promise<SuiteAuthorization[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :c)',
            ExpressionAttributeValues: { ':p': `SUITE#${suiteId}`, ':c': 'CORP#' },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      (item) => item.authorization as SuiteAuthorization,
    );
  }

  async putAuthorization(authorization: SuiteAuthorization): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...suiteKey(authorization.suiteId, `CORP#${authorization.corpId}`), authorization } }),
    );
  }
}
