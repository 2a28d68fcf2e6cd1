/**
 * The scheduled One-Click Link setting of an integration (shared/domain/auto-link.ts):
 * pk `AUTOLINK#<integrationId>`, sk `META`. The CLI writes it; the auto-link function reads it for
 * each integration it lists. A stored item that no longer parses counts as no setting.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AutoLinkSettingsStore } from '../../application/scheduled-auto-link';
import { autoLinkSettingsSchema, type AutoLinkSettings } from '../../domain/auto-link';

const key = (integrationId: string) => ({ pk: `AUTOLINK#${integrationId}`, sk: 'META' });

export class DynamoAutoLinkSettings implements AutoLinkSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(integrationId: string): Promise<AutoLinkSettings | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(integrationId) }));
    const parsed = autoLinkSettingsSchema.safeParse(out.Item?.settings);
    return parsed.success ? parsed.data : undefined;
  }

  async put(integrationId: string, settings: AutoLinkSettings): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key(integrationId), settings } }));
  }

  async remove(integrationId: string): Promise<boolean> {
    const out = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(integrationId), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}
