/**
 * Members fed by member.upserted / member.removed: pk `MEMBER#<email>`, sk `META`. Each upsert
 * (re)sets the table's TTL attribute to `memberDays` after the member's `updatedAt`, so a member the
 * incident system stops sending expires (DynamoDB deletes it some time after, usually within days).
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Member, MemberDirectory } from '../../application/ports';
import { readRetentionConfig } from '../../config/runtime-config';
import { TTL_ATTRIBUTE } from './incident-retention';

export class DynamoMemberDirectory implements MemberDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Days a member is kept after its last upsert (default: MEMBER_RETENTION_DAYS, else 180). */
    private readonly memberDays: number = readRetentionConfig().memberDays,
  ) {}

  async upsert(member: Member): Promise<void> {
    const email = member.email.toLowerCase();
    const expiresAt = Math.ceil(member.updatedAt / 1000) + Math.round(this.memberDays * 86_400);
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `MEMBER#${email}`, sk: 'META', member: { ...member, email }, [TTL_ATTRIBUTE]: expiresAt } }));
  }

  async remove(email: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `MEMBER#${email.toLowerCase()}`, sk: 'META' } }));
  }

  async get(email: string): Promise<Member | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `MEMBER#${email.toLowerCase()}`, sk: 'META' } }));
    return out.Item?.member as Member | undefined;
  }
}
