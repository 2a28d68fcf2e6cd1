/**
 * DynamoOperationLog on the local DynamoDB: a record is found by its incident, its member (email,
 * any case) and its integration, newest first, from a time on; every item expires 30 days after
 * the record; expired items are skipped even before DynamoDB deletes them.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoOperationLog } from '../../../../shared/adapters/aws/operation-log';
import type { OperationRecord } from '../../../../shared/domain/operation-log';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let table: string;
let nowMs = 1_800_000_000_000;
const log = () => new DynamoOperationLog(getDocumentClient(), table, () => nowMs);

const base = { integrationId: 'acme-wecom', platform: 'wecom' as const, channel: 'card', requestKind: 'message/send' };
const sent = (atMs: number, incidentId: string, recipient: string): OperationRecord => ({ ...base, atMs, incidentId, recipient, result: 'sent', reasonCode: 'delivered', reason: `card delivered to ${recipient}` });

beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
});
afterAll(async () => t?.stop());

it('finds a record by incident, member and integration, newest first', async () => {
  await log().append([sent(nowMs - 3000, 'inc-1', 'alice@example.com'), sent(nowMs - 2000, 'inc-1', 'bob@example.com'), sent(nowMs - 1000, 'inc-2', 'Alice@Example.com')]);
  const byIncident = await log().query({ incidentId: 'inc-1' });
  expect(byIncident.map((r) => r.recipient)).toEqual(['bob@example.com', 'alice@example.com']);
  const byMember = await log().query({ member: 'ALICE@example.com' });
  expect(byMember.map((r) => r.incidentId)).toEqual(['inc-2', 'inc-1']);
  const byIntegration = await log().query({ integrationId: 'acme-wecom' });
  expect(byIntegration.map((r) => r.atMs)).toEqual([nowMs - 1000, nowMs - 2000, nowMs - 3000]);
  expect(byIntegration[0]).toEqual(sent(nowMs - 1000, 'inc-2', 'Alice@Example.com'));
  // Two dimensions: the first selects the partition, the other filters.
  expect(await log().query({ incidentId: 'inc-1', member: 'alice@example.com' })).toHaveLength(1);
  expect(await log().query({ integrationId: 'acme-wecom', limit: 2 })).toHaveLength(2);
});

it('reads from a time on, and a user id recipient is not a member partition', async () => {
  await log().append([{ ...sent(nowMs, 'inc-3', 'zhangwei'), result: 'failed', reasonCode: 'invalid_user', reason: 'x' }]);
  expect(await log().query({ integrationId: 'acme-wecom', sinceMs: nowMs - 1500 })).toHaveLength(2);
  expect(await log().query({ member: 'zhangwei' })).toEqual([]);
  expect(await t.countItems('OPLOG#member#zhangwei')).toBe(0);
  expect(await log().query({ incidentId: 'inc-3' })).toHaveLength(1);
});

it('writes one item per dimension with the 30-day expiry, and skips expired items', async () => {
  await log().append([sent(nowMs, 'inc-4', 'carol@example.com')]);
  for (const pk of ['OPLOG#incident#inc-4', 'OPLOG#member#carol@example.com', 'OPLOG#integration#acme-wecom', `OPLOG#day#${new Date(nowMs).toISOString().slice(0, 10)}`]) {
    const items = (await getDocumentClient().send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }))).Items ?? [];
    expect(items.length).toBeGreaterThan(0);
    expect(items.at(-1)).toMatchObject({ expiresAt: Math.floor(nowMs / 1000) + 30 * 86_400 });
  }
  nowMs += 31 * 86_400_000;
  expect(await log().query({ incidentId: 'inc-4' })).toEqual([]);
});

it('reads everything from a time on, day by day, newest first', async () => {
  nowMs = 1_900_000_000_000;
  await log().append([sent(nowMs - 2 * 86_400_000, 'inc-5', 'erin@example.com'), { ...sent(nowMs - 1000, 'inc-6', 'frank@example.com'), integrationId: 'acme-ding', platform: 'dingtalk' }]);
  expect((await log().query({ sinceMs: nowMs - 3 * 86_400_000 })).map((r) => r.incidentId)).toEqual(['inc-6', 'inc-5']);
  expect((await log().query({ sinceMs: nowMs - 3_600_000 })).map((r) => r.incidentId)).toEqual(['inc-6']);
  expect(await log().query({ sinceMs: nowMs - 3 * 86_400_000, limit: 1 })).toHaveLength(1);
});

it('refuses a query without incident, member, integration or time', async () => {
  await expect(log().query({})).rejects.toThrow(/incident, a member, an integration or a time/);
});
