/**
 * DingTalk group chats per integration: pk `INTEGRATION#<id>`, sk `GROUP#<openConversationId>`.
 * Updates are conditional on eventTime so a late, older event never overwrites a newer state.
 * (Ties: an event with the same eventTime as the stored state is treated as already applied.)
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GroupChat } from '../../domain/group-chat';
import type { GroupChatRegistry } from '../../application/ports';

export class DynamoGroupChatRegistry implements GroupChatRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(change: GroupChat): Promise<'applied' | 'stale'> {
    const key = { pk: `INTEGRATION#${change.integrationId}`, sk: `GROUP#${change.openConversationId}` };
    // Only the fields this event carries are set (an uninstall has no title); each is set in place,
    // so two events racing on one group cannot drop each other's fields.
    const defined = Object.entries(change).filter(([, v]) => v !== undefined);
    const names: Record<string, string> = { '#g': 'group' };
    const values: Record<string, unknown> = { ':t': change.eventTime };
    const sets = defined.map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#g.#f${i} = :v${i}`;
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND #g.eventTime < :t',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'applied';
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      const stored = await this.get(change.integrationId, change.openConversationId);
      if (stored && stored.eventTime >= change.eventTime) return 'stale'; // a newer (or the same) event won
      if (stored) continue; // created by a racing first event in between: update it now
      try {
        // First event for this group: create it whole (a racing creator makes us go round again).
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: { ...key, group: Object.fromEntries(defined) }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return 'applied';
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    }
    return 'stale';
  }

  async get(integrationId: string, openConversationId: string): Promise<GroupChat | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND sk = :s',
        ExpressionAttributeValues: { ':p': `INTEGRATION#${integrationId}`, ':s': `GROUP#${openConversationId}` },
        ConsistentRead: true,
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
