/**
 * Notification templates (issue 13) in the state table, per integration:
 *
 *   pk `TEMPLATE#<integrationId>`  sk `CURRENT#<channel>`            the template in use
 *   pk `TEMPLATE#<integrationId>`  sk `V#<channel>#<000000version>`  every saved version
 *
 * The CURRENT item is the compare-and-swap point (a conditional put on its version), so two saves
 * never get the same number; the version item is written after it (no transactions). Functions
 * read CURRENT with GetItem; the CLI saves, lists, reads the history and removes.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TemplateVersionConflictError, type StoredTemplate, type TemplateStore } from '../../application/template-ports';

const pk = (integrationId: string) => `TEMPLATE#${integrationId}`;
const currentSk = (channel: string) => `CURRENT#${channel}`;
const versionPrefix = (channel: string) => `V#${channel}#`;
const versionSk = (channel: string, version: number) => `${versionPrefix(channel)}${String(version).padStart(6, '0')}`;

function fromItem(item: Record<string, unknown>): StoredTemplate {
  return {
    integrationId: String(item.integrationId),
    channel: String(item.channel),
    version: Number(item.version),
    source: String(item.source),
    updatedBy: String(item.updatedBy),
    updatedAt: Number(item.updatedAt),
    ...(typeof item.rolledBackFrom === 'number' ? { rolledBackFrom: item.rolledBackFrom } : {}),
  };
}

export class DynamoTemplateStore implements TemplateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(integrationId: string, channel: string): Promise<StoredTemplate | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: currentSk(channel) }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async put(integrationId: string, channel: string, source: string, updatedBy: string, nowMs: number, expectedVersion: number): Promise<StoredTemplate> {
    return this.save({ integrationId, channel, version: expectedVersion + 1, source, updatedBy, updatedAt: nowMs }, expectedVersion);
  }

  async history(integrationId: string, channel: string): Promise<StoredTemplate[]> {
    const versions = await this.query(integrationId, versionPrefix(channel), false);
    // A save that stopped between its two writes left CURRENT without its version item: shown anyway.
    const current = await this.get(integrationId, channel);
    if (current && !versions.some((v) => v.version === current.version)) versions.unshift(current);
    return versions;
  }

  async rollback(integrationId: string, channel: string, toVersion: number, updatedBy: string, nowMs: number): Promise<StoredTemplate | undefined> {
    const current = await this.get(integrationId, channel);
    if (!current) return undefined;
    const old =
      current.version === toVersion
        ? current
        : await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: versionSk(channel, toVersion) }, ConsistentRead: true })).then((out) => (out.Item ? fromItem(out.Item) : undefined));
    if (!old) return undefined;
    return this.save({ integrationId, channel, version: current.version + 1, source: old.source, updatedBy, updatedAt: nowMs, rolledBackFrom: toVersion }, current.version);
  }

  async list(integrationId: string): Promise<StoredTemplate[]> {
    return this.query(integrationId, 'CURRENT#', true);
  }

  async remove(integrationId: string, channel: string): Promise<boolean> {
    // CURRENT first: from then on the default applies, whatever happens to the history.
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: currentSk(channel) }, ReturnValues: 'ALL_OLD' }));
    const versions = await this.query(integrationId, versionPrefix(channel), true);
    for (const v of versions) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: versionSk(channel, v.version) } }));
    }
    return out.Attributes !== undefined || versions.length > 0;
  }

  private async save(next: StoredTemplate, expectedVersion: number): Promise<StoredTemplate> {
    const item = { pk: pk(next.integrationId), ...next };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...item, sk: currentSk(next.channel) },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#v = :expected', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new TemplateVersionConflictError(next.integrationId, next.channel, expectedVersion);
      throw error;
    }
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...item, sk: versionSk(next.channel, next.version) } }));
    return next;
  }

  private async query(integrationId: string, skPrefix: string, forward: boolean): Promise<StoredTemplate[]> {
    const found: StoredTemplate[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
          ExpressionAttributeValues: { ':p': pk(integrationId), ':s': skPrefix },
          ScanIndexForward: forward,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) found.push(fromItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }
}
