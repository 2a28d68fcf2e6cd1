/**
 * Links between members and platform users, per integration: pk `LINK#<integrationId>`, with one
 * item per direction (sk `EMAIL#<email>` and `USER#<userid lower-cased>`; WeCom userids are
 * case-insensitive and come back lower-cased).
 */
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Link, LinkStore } from '../../application/ports';

const pk = (integrationId: string) => `LINK#${integrationId}`;
const emailKey = (email: string) => `EMAIL#${email.toLowerCase()}`;
const userKey = (userId: string) => `USER#${userId.toLowerCase()}`;

export class DynamoLinkStore implements LinkStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async set(link: Link): Promise<void> {
    const normalised = { ...link, email: link.email.toLowerCase() };
    const previous = await this.byEmail(link.integrationId, link.email);
    // Two puts (dynalite has no transactions); the reverse item is written first so a reader never
    // finds an email link whose user cannot be resolved back.
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: pk(link.integrationId), sk: userKey(link.userId), link: normalised } }));
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: pk(link.integrationId), sk: emailKey(link.email), link: normalised } }));
    if (previous && previous.userId.toLowerCase() !== link.userId.toLowerCase()) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(link.integrationId), sk: userKey(previous.userId) } }));
    }
  }

  async remove(integrationId: string, email: string): Promise<boolean> {
    const existing = await this.byEmail(integrationId, email);
    if (!existing) return false;
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: emailKey(email) } }));
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: userKey(existing.userId) } }));
    return true;
  }

  async byEmail(integrationId: string, email: string): Promise<Link | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: emailKey(email) } }));
    return out.Item?.link as Link | undefined;
  }

  async byUserId(integrationId: string, userId: string): Promise<Link | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: pk(integrationId), sk: userKey(userId) } }));
    return out.Item?.link as Link | undefined;
  }

  async byEmails(integrationId: string, emails: readonly string[]): Promise<Map<string, Link>> {
    const found = new Map<string, Link>();
    const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
    // BatchGetItem takes at most 100 keys per request.
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map((e) => ({ pk: pk(integrationId), sk: emailKey(e) }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt >= 6) throw new Error(`DynamoDB left ${keys.length} link lookups unprocessed; retrying the message`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt)); // throttled: back off
        const out = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const link = item.link as Link;
          found.set(link.email, link);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  async list(integrationId: string): Promise<Link[]> {
    const links: Link[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)',
          ExpressionAttributeValues: { ':p': pk(integrationId), ':e': 'EMAIL#' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) links.push(item.link as Link);
      start = out.LastEvaluatedKey;
    } while (start);
    return links;
  }
}

