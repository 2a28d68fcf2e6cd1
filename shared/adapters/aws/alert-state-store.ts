/**
 * The alert state of each alert incident (issue 18): pk `ALERTSTATE#<incidentId>`, sk `META`.
 * Compare-and-swap on `version` (the incident event version dutybridge last published for it).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertStateStore } from '../../application/alert-ports';
import { ConcurrentUpdateError } from '../../application/ports';
import type { AlertIncidentState } from '../../domain/alert-incidents';

const key = (incidentId: string) => ({ pk: `ALERTSTATE#${incidentId}`, sk: 'META' });

export class DynamoAlertStateStore implements AlertStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(incidentId: string): Promise<AlertIncidentState | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(incidentId), ConsistentRead: true }));
    return out.Item ? (out.Item.state as AlertIncidentState) : undefined;
  }

  async save(state: AlertIncidentState, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(state.incidentId), version: state.version, state },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(`alert state ${state.incidentId}`);
      throw e;
    }
  }
}
