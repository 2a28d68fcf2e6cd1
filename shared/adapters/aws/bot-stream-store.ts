/**
 * Smart bot streams (issue 15): pk `BOTSTREAM#<integrationId>#<streamId>`, sk `META`, one item per
 * answered message, kept a day (TTL) — WeCom polls a stream for at most 6 minutes, the day only
 * keeps WeCom's late retries of the same msgid answered from the same stream.
 *
 * Any instance answers a refresh by reading the item; the reply worker takes a lease on it
 * (`holder`, `heldUntil`) so a redelivered job does not write a second answer over the first, and
 * every write is conditional on `finished = false`, so a finished answer never changes.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BotStreamStore } from '../../application/smart-bot-ports';
import type { BotStream } from '../../domain/smart-bot';

const KEEP_SECONDS = 24 * 3600;

const key = (integrationId: string, streamId: string) => ({ pk: `BOTSTREAM#${integrationId}#${streamId}`, sk: 'META' });

export class DynamoBotStreamStore implements BotStreamStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async open(stream: BotStream): Promise<{ readonly stream: BotStream; readonly created: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(stream.integrationId, stream.streamId), ...stream, expiresAt: Math.floor(stream.createdAt / 1000) + KEEP_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { stream, created: true };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const existing = await this.get(stream.integrationId, stream.streamId);
    // Deleted between the two calls (TTL): the caller's copy is as good as any.
    return existing ? { stream: existing, created: false } : { stream, created: false };
  }

  async get(integrationId: string, streamId: string): Promise<BotStream | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(integrationId, streamId), ConsistentRead: true }));
    return out.Item ? toStream(out.Item) : undefined;
  }

  async markQueued(integrationId: string, streamId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(integrationId, streamId),
        UpdateExpression: 'SET queued = :true',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true },
      }),
    ).catch(ignoreConditionFailure);
  }

  async claim(integrationId: string, streamId: string, holder: string, untilMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(integrationId, streamId),
          UpdateExpression: 'SET holder = :holder, heldUntil = :until',
          // Free, lapsed, or already ours (a retry in the same worker); never a finished stream.
          ConditionExpression: 'attribute_exists(pk) AND finished = :false AND (attribute_not_exists(holder) OR heldUntil < :now OR holder = :holder)',
          ExpressionAttributeValues: { ':holder': holder, ':until': untilMs, ':now': this.nowMs(), ':false': false },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async write(integrationId: string, streamId: string, content: string, finished: boolean): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(integrationId, streamId),
        UpdateExpression: 'SET content = :content, finished = :finished, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND finished = :false',
        ExpressionAttributeValues: { ':content': content, ':finished': finished, ':now': this.nowMs(), ':false': false },
      }),
    ).catch(ignoreConditionFailure);
  }
}

/** A stream that is finished (or gone) keeps what it had: the write is dropped, by design. */
function ignoreConditionFailure(e: unknown): void {
  if (!(e instanceof ConditionalCheckFailedException)) throw e;
}

function toStream(item: Record<string, unknown>): BotStream {
  return {
    integrationId: item.integrationId as string,
    streamId: item.streamId as string,
    msgid: item.msgid as string,
    userId: item.userId as string,
    ...(typeof item.chatId === 'string' ? { chatId: item.chatId } : {}),
    chatType: item.chatType === 'group' ? 'group' : 'single',
    createdAt: item.createdAt as number,
    updatedAt: item.updatedAt as number,
    content: typeof item.content === 'string' ? item.content : '',
    finished: item.finished === true,
    queued: item.queued === true,
  };
}
