/**
 * The War Room chat index (issue 15): `WARROOMCHAT#<integrationId>#<chatId>` → incident id. The
 * war-room store writes it when a room has its chat id; the smart bot reads it, so "@bot status" in
 * a War Room needs no incident id. A chat id is unique per corp, so one item per (integration, chat).
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WarRoomChatIndex } from '../../application/smart-bot-ports';

export function warRoomChatKey(integrationId: string, chatId: string): { pk: string; sk: string } {
  return { pk: `WARROOMCHAT#${integrationId}#${chatId}`, sk: 'META' };
}

export class DynamoWarRoomChatIndex implements WarRoomChatIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async incidentFor(integrationId: string, chatId: string): Promise<string | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: warRoomChatKey(integrationId, chatId) }));
    return typeof out.Item?.incidentId === 'string' ? out.Item.incidentId : undefined;
  }

  async remember(integrationId: string, chatId: string, incidentId: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...warRoomChatKey(integrationId, chatId), incidentId } }));
  }
}
