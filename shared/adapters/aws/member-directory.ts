/**
 * Members fed by member.upserted / member.removed: pk `MEMBER#<email>`, sk `META`, listed through
 * gsi1 `MEMBERS` (sorted by email), and found by mobile through `MEMBERMOBILE#<comparable mobile>`
 * (one item per number, naming the member's email). Each upsert (re)sets the table's TTL attribute
 * to `memberDays` after the member's `updatedAt`, so a member the incident system stops sending
 * expires (DynamoDB deletes it some time after, usually within days); the mobile item expires with it.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Member, MemberDirectory } from '../../application/ports';
import { readRetentionConfig } from '../../config/runtime-config';
import { comparableMobile } from '../../domain/mobile';
import { TTL_ATTRIBUTE } from './incident-retention';
import { queryAll } from './query-pages';

const memberKey = (email: string) => ({ pk: `MEMBER#${email.toLowerCase()}`, sk: 'META' });
const mobileKey = (mobile: string) => ({ pk: `MEMBERMOBILE#${comparableMobile(mobile)}`, sk: 'META' });

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
    const previous = await this.get(email);
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...memberKey(email), gsi1pk: 'MEMBERS', gsi1sk: email, member: { ...member, email }, [TTL_ATTRIBUTE]: expiresAt } }),
    );
    if (member.mobile) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...mobileKey(member.mobile), email, [TTL_ATTRIBUTE]: expiresAt } }));
    }
    if (previous?.mobile && (!member.mobile || comparableMobile(previous.mobile) !== comparableMobile(member.mobile))) {
      await this.dropMobile(previous.mobile, email);
    }
  }

  async remove(email: string): Promise<void> {
    const previous = await this.get(email);
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: memberKey(email) }));
    if (previous?.mobile) await this.dropMobile(previous.mobile, email.toLowerCase());
  }

  async get(email: string): Promise<Member | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: memberKey(email) }));
    return out.Item?.member as Member | undefined;
  }

  async byMobile(mobile: string): Promise<Member | undefined> {
    if (!comparableMobile(mobile)) return undefined;
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: mobileKey(mobile) }));
    const email = out.Item?.email as string | undefined;
    if (!email) return undefined;
    const member = await this.get(email);
    // The number may have moved to someone else since: only a member who still has it matches.
    return member?.mobile && comparableMobile(member.mobile) === comparableMobile(mobile) ? member : undefined;
  }

  async list(): Promise<Member[]> {
    return queryAll(
      (start) =>
        this.client.send(
          new QueryCommand({ TableName: this.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': 'MEMBERS' }, ExclusiveStartKey: start }),
        ),
      (item) => item.member as Member,
    );
  }

  /** Deletes the mobile item only while it still names this member (another may have taken the number). */
  private async dropMobile(mobile: string, email: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: mobileKey(mobile), ConditionExpression: 'email = :e', ExpressionAttributeValues: { ':e': email } }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}
