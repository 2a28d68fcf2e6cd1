/**
 * DingTalk group chats per integration: pk `INTEGRATION#<id>`, sk `GROUP#<openConversationId>`.
 * Updates are conditional on eventTime so a late, older event never overwrites a newer state.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GroupChat } from '../../domain/group-chat';
import type { GroupChatRegistry } from '../../application/ports';

export class DynamoGroupChatRegistry implements GroupChatRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(change: GroupChat): Promise<'applied' | 'stale'> {
    // Fields absent from this event (e.g. the title on an uninstall) keep their stored values.
    const existing = await this.get(change.integrationId, change.openConversationId);
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as unknown as GroupChat;
    const group: GroupChat = { ...existing, ...defined };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `INTEGRATION#${group.integrationId}`, sk: `GROUP#${group.openConversationId}`, group },
          ConditionExpression: 'attribute_not_exists(pk) OR #g.eventTime < :t',
          ExpressionAttributeNames: { '#g': 'group' },
          ExpressionAttributeValues: { ':t': group.eventTime },
        }),
      );
      return 'applied';
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return 'stale';
      throw e;
    }
  }

  async get(integrationId: string, openConversationId: string): Promise<GroupChat | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND sk = :s',
        ExpressionAttributeValues: { ':p': `INTEGRATION#${integrationId}`, ':s': `GROUP#${openConversationId}` },
      }),
    );
    return out.Items?.[0]?.group as GroupChat | undefined;
  }

  async list(integrationId: string): Promise<GroupChat[]> {
    const groups: GroupChat[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :g)',
          ExpressionAttributeValues: { ':p': `INTEGRATION#${integrationId}`, ':g': 'GROUP#' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) groups.push(item.group as GroupChat);
      start = out.LastEvaluatedKey;
    } while (start);
    return groups;
  }
}
