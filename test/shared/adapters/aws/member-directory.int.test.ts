/** The member directory on the local DynamoDB-compatible server: listing and the mobile index. */
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoMemberDirectory } from '../../../../shared/adapters/aws/member-directory';
import { startTestStack, type TestStack } from '../../../support/stack';

const client = getDocumentClient();
let t: TestStack;
let table: string;

beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
});
afterAll(async () => {
  await t?.stop();
});

describe('DynamoMemberDirectory', () => {
  const members = { get: () => new DynamoMemberDirectory(client, table) };

  it('finds a member by any spelling of their mobile, and lists members by email', async () => {
    await members.get().upsert({ email: 'Alice@Example.com', name: 'Alice', mobile: '+86-13800000001', updatedAt: 1 });
    await members.get().upsert({ email: 'bob@example.com', name: 'Bob', updatedAt: 1 });
    expect((await members.get().byMobile('13800000001'))?.email).toBe('alice@example.com');
    expect((await members.get().byMobile('+86 138 0000 0001'))?.email).toBe('alice@example.com');
    expect(await members.get().byMobile('13800000002')).toBeUndefined();
    expect((await members.get().list()).map((m) => m.email)).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('moves the mobile index when the number changes, and drops it with the member', async () => {
    await members.get().upsert({ email: 'carol@example.com', name: 'Carol', mobile: '+86-13800000003', updatedAt: 2 });
    await members.get().upsert({ email: 'carol@example.com', name: 'Carol', mobile: '+86-13800000004', updatedAt: 3 });
    expect(await members.get().byMobile('13800000003')).toBeUndefined();
    expect((await members.get().byMobile('13800000004'))?.email).toBe('carol@example.com');
    // The number passes to Dave; Carol's later removal must not take Dave's index item with it.
    await members.get().upsert({ email: 'dave@example.com', name: 'Dave', mobile: '+86-13800000004', updatedAt: 4 });
    await members.get().remove('carol@example.com');
    expect((await members.get().byMobile('13800000004'))?.email).toBe('dave@example.com');
    await members.get().remove('dave@example.com');
    expect(await members.get().byMobile('13800000004')).toBeUndefined();
  });
});
