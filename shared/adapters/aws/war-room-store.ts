/**
 * War Room records (issue 14): pk `WARROOM#<incidentId>`, sk `<integrationId>`, one item per room,
 * beside the incident (the room id and join link are read with the incident by `incidents show`).
 * Writes are compare-and-swap on `revision`, like the incident projection.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../../application/ports';
import type { WarRoomStore } from '../../application/war-room-ports';
import type { WarRoom } from '../../domain/war-room';
import { queryAll } from './query-pages';
import { DynamoWarRoomChatIndex } from './war-room-chat-index';

type Stored = WarRoom & { readonly revision: number };

export class DynamoWarRoomStore implements WarRoomStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(incidentId: string, integrationId: string): Promise<Stored | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `WARROOM#${incidentId}`, sk: integrationId }, ConsistentRead: true }));
    return out.Item ? { ...(out.Item.room as WarRoom), revision: out.Item.revision as number } : undefined;
  }

  async listForIncident(incidentId: string): Promise<Stored[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `WARROOM#${incidentId}` },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      (item) => ({ ...(item.room as WarRoom), revision: item.revision as number }),
    );
  }

  async save(room: WarRoom, expectedRevision: number): Promise<number> {
    const revision = expectedRevision + 1;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `WARROOM#${room.incidentId}`, sk: room.integrationId, revision, room },
          ...(expectedRevision === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': expectedRevision } }),
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(`${room.incidentId} war room ${room.integrationId}`);
      throw e;
    }
    // The chat → incident index the smart bot reads (issue 15). Written after the room (a room
    // without its index only means "@bot status" there asks for the incident id); idempotent, so
    // every save that knows the chat id may write it.
    if (room.chatId) {
      await new DynamoWarRoomChatIndex(this.client, this.tableName).remember(room.integrationId, room.chatId, room.incidentId);
    }
    return revision;
  }
}
