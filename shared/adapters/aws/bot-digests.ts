/**
 * Alerts a group bot held back (its 20 messages a minute were spent, the robot throttled, or the
 * Webhook & Stream quota is above 95 %): one item per line, pk `BOTDIGEST#<integrationId>`, sk
 * `<bot>#<due time>#<random>`. Taking a line is a conditional delete, so two concurrent flushes
 * never send the same line twice. Items expire (TTL) a day after they were due.
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BotDigestBuffer } from '../../application/group-bots';
import type { BotDigestLine } from '../../domain/group-bot';
import { takeQueried } from './query-pages';

const pk = (integrationId: string) => `BOTDIGEST#${integrationId}`;
/** Due times are zero-padded so the sort key orders them numerically. */
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');
const RETENTION_SECONDS = 86_400;

export class DynamoBotDigestBuffer implements BotDigestBuffer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(integrationId: string, bot: string, dueAtMs: number, line: BotDigestLine): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: pk(integrationId), sk: `${bot}#${pad(dueAtMs)}#${randomBytes(8).toString('hex')}`, line, expiresAt: Math.floor(dueAtMs / 1000) + RETENTION_SECONDS },
      }),
    );
  }

  async takeDue(integrationId: string, bot: string, nowMs: number): Promise<BotDigestLine[]> {
    const lines: BotDigestLine[] = [];
    const due = takeQueried(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': pk(integrationId), ':from': `${bot}#`, ':to': `${bot}#${pad(nowMs)}#~` },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      (item) => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, ConditionExpression: 'attribute_exists(pk)' })),
    );
    for await (const item of due) lines.push(item.line as BotDigestLine);
    return lines;
  }
}
