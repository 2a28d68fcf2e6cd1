/**
 * DingTalk card records: pk `CARD#dingtalk#<integrationId>#<incidentId>` (the card's outTrackIds and
 * what was last rendered), `OUTTRACK#<integrationId>#<outTrackId>` → incident (for clicks), and the
 * incident → cards index shared with WeCom (`INCIDENT#<id>`, sk `CARD#dingtalk#<integrationId>`).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DingTalkCardRecord, DingTalkCardStore } from '../../application/ports';
import { incidentHasExpiry, syncIncidentRetention } from './incident-retention';

const cardKey = (integrationId: string, incidentId: string) => ({ pk: `CARD#dingtalk#${integrationId}#${incidentId}`, sk: 'META' });

export class DynamoDingTalkCardStore implements DingTalkCardStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getCard(integrationId: string, incidentId: string): Promise<DingTalkCardRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: cardKey(integrationId, incidentId), ConsistentRead: true }));
    return out.Item?.card as DingTalkCardRecord | undefined;
  }

  async createCard(card: DingTalkCardRecord): Promise<DingTalkCardRecord> {
    // Lookup items first (plain, idempotent puts), so a crash after the card put cannot orphan it.
    for (const outTrackId of card.outTrackIds) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `OUTTRACK#${card.integrationId}#${outTrackId}`, sk: 'META', incidentId: card.incidentId } }));
    }
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `INCIDENT#${card.incidentId}`, sk: `CARD#dingtalk#${card.integrationId}`, integrationId: card.integrationId, platform: 'dingtalk' } }),
    );
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...cardKey(card.integrationId, card.incidentId), card }, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return (await this.getCard(card.integrationId, card.incidentId))!;
    }
    // A card of an incident that is already closed takes the incident's expiry (read after the put:
    // a close that lands meanwhile finds this card through the index and sets it itself).
    if (await incidentHasExpiry(this.client, this.tableName, card.incidentId)) await syncIncidentRetention(this.client, this.tableName, card.incidentId);
    return card;
  }

  /** Records that every delivery call of the card is on the outgoing queue. */
  async markQueued(integrationId: string, incidentId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: cardKey(integrationId, incidentId), UpdateExpression: 'SET card.queued = :t', ExpressionAttributeValues: { ':t': true } }),
    );
  }

  /**
   * Appends an outTrackId (the War Room card) to an existing card record, once: the lookup item
   * first (a plain put), then the list append on condition the id is not in it yet.
   */
  async addOutTrack(integrationId: string, incidentId: string, outTrackId: string, _nowMs: number): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `OUTTRACK#${integrationId}#${outTrackId}`, sk: 'META', incidentId } }));
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: cardKey(integrationId, incidentId),
          UpdateExpression: 'SET card.outTrackIds = list_append(card.outTrackIds, :ids)',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(card.outTrackIds, :id)',
          ExpressionAttributeValues: { ':ids': [outTrackId], ':id': outTrackId },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      // Already there, or no card record (deliver() writes it first; without one nothing refreshes it).
    }
  }

  async findOutTrack(integrationId: string, outTrackId: string): Promise<{ incidentId: string } | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `OUTTRACK#${integrationId}#${outTrackId}`, sk: 'META' } }));
    return out.Item ? { incidentId: out.Item.incidentId as string } : undefined;
  }

  /** Raises renderedVersion; false when a newer (or the same) version was already rendered. */
  async markRendered(integrationId: string, incidentId: string, version: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: cardKey(integrationId, incidentId),
          UpdateExpression: 'SET card.renderedVersion = :v',
          ConditionExpression: 'card.renderedVersion < :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}
