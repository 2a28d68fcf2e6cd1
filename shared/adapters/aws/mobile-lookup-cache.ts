/**
 * Cached getbymobile answers: pk `DTMOBILE#<integrationId>#<mobile>`, sk `LOOKUP`, expiring through
 * the table's TTL attribute. DynamoDB deletes expired items lazily, so an expired item is treated
 * as absent.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MobileLookup, MobileLookupCache } from '../../application/ports';

const key = (integrationId: string, mobile: string) => ({ pk: `DTMOBILE#${integrationId}#${mobile}`, sk: 'LOOKUP' });

export class DynamoMobileLookupCache implements MobileLookupCache {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async get(integrationId: string, mobile: string): Promise<MobileLookup | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(integrationId, mobile) }));
    const item = out.Item;
    if (!item || typeof item.expiresAt !== 'number' || item.expiresAt <= Math.floor(this.nowMs() / 1000)) return undefined;
    return item.lookup as MobileLookup;
  }

  async put(integrationId: string, mobile: string, lookup: MobileLookup, ttlSeconds: number): Promise<void> {
    const expiresAt = Math.floor(this.nowMs() / 1000) + ttlSeconds;
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key(integrationId, mobile), lookup, expiresAt } }));
  }
}
