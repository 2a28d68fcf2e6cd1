/**
 * The incident projection: pk `INCIDENT#<id>`, sk `META`; writes are compare-and-swap on revision.
 * A closed incident carries the table's TTL attribute (`closedIncidentDays` after the close), set
 * by the same put that closes it; the put that reopens it writes none, so the expiry is gone. Its
 * card records follow when refresh-card runs after the change (incident-retention.ts).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident } from '../../domain/incident';
import { ConcurrentUpdateError, type IncidentRepository } from '../../application/ports';
import { readRetentionConfig } from '../../config/runtime-config';
import { closedIncidentExpiry, TTL_ATTRIBUTE } from './incident-retention';

export interface IncidentRetentionOptions {
  /** Days a closed incident and its cards are kept after the close (default: CLOSED_INCIDENT_RETENTION_DAYS, else 30). */
  readonly closedIncidentDays?: number;
}

export class DynamoIncidentRepository implements IncidentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    retention: IncidentRetentionOptions = {},
  ) {
    this.closedIncidentDays = retention.closedIncidentDays ?? readRetentionConfig().closedIncidentDays;
  }

  private readonly closedIncidentDays: number;

  async get(incidentId: string): Promise<Incident | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `INCIDENT#${incidentId}`, sk: 'META' }, ConsistentRead: true }));
    return out.Item?.incident as Incident | undefined;
  }

  async save(next: Incident, expectedRevision: number): Promise<void> {
    const expiresAt = closedIncidentExpiry(next, this.closedIncidentDays);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `INCIDENT#${next.incidentId}`, sk: 'META', revision: next.revision, incident: next, ...(expiresAt === undefined ? {} : { [TTL_ATTRIBUTE]: expiresAt }) },
          ...(expectedRevision === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'revision = :expected', ExpressionAttributeValues: { ':expected': expectedRevision } }),
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(next.incidentId);
      throw e;
    }
  }

  async clearPendingActions(incidentId: string, revision: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `INCIDENT#${incidentId}`, sk: 'META' },
          UpdateExpression: 'REMOVE incident.pendingActions',
          ConditionExpression: 'revision = :r',
          ExpressionAttributeValues: { ':r': revision },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false; // a newer write carries them on
      throw e;
    }
  }
}
