/**
 * The incident → cards index written by both card stores: pk `INCIDENT#<incidentId>`, sk
 * `CARD#<platform>#<integrationId>`. refresh-card reads it to find every copy of an incident's cards.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IncidentCardIndex } from '../../application/ports';
import { syncIncidentRetention } from './incident-retention';

export class DynamoIncidentCardIndex implements IncidentCardIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async cardsOfIncident(incidentId: string): Promise<{ platform: 'wecom' | 'dingtalk'; integrationId: string }[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :c)',
        ExpressionAttributeValues: { ':p': `INCIDENT#${incidentId}`, ':c': 'CARD#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((i) => ({ platform: String(i.sk).split('#')[1] as 'wecom' | 'dingtalk', integrationId: i.integrationId as string }));
  }

  /** Gives every card item of the incident the incident item's expiry, or none while it is open (incident-retention.ts). */
  async applyRetention(incidentId: string): Promise<void> {
    await syncIncidentRetention(this.client, this.tableName, incidentId);
  }
}
