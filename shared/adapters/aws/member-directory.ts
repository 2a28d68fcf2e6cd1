/** Members fed by member.upserted / member.removed: pk `MEMBER#<email>`, sk `META`. */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Member, MemberDirectory } from '../../application/ports';

export class DynamoMemberDirectory implements MemberDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async upsert(member: Member): Promise<void> {
    const email = member.email.toLowerCase();
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `MEMBER#${email}`, sk: 'META', member: { ...member, email } } }));
  }

  async remove(email: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `MEMBER#${email.toLowerCase()}`, sk: 'META' } }));
  }

  async get(email: string): Promise<Member | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `MEMBER#${email.toLowerCase()}`, sk: 'META' } }));
    return out.Item?.member as Member | undefined;
  }
}
