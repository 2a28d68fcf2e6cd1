/**
 * DynamoLookupMissCounter on the local DynamoDB: concurrent reservations never pass the limit
 * (two runs on the same day share it), a release gives one back, days and integrations are
 * counted apart, the item carries the table's TTL attribute.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { TTL_ATTRIBUTE } from '../../../../shared/adapters/aws/incident-retention';
import { DynamoLookupMissCounter } from '../../../../shared/adapters/aws/lookup-miss-counter';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
const counter = () => new DynamoLookupMissCounter(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => t?.stop());

it('grants exactly the limit to concurrent reservations, and one more after a release', async () => {
  const results = await Promise.all(Array.from({ length: 12 }, () => counter().reserve('acme', '2026-03-01', 3)));
  expect(results.filter(Boolean)).toHaveLength(3);
  expect(await counter().used('acme', '2026-03-01')).toBe(3);
  await counter().release('acme', '2026-03-01');
  expect(await counter().used('acme', '2026-03-01')).toBe(2);
  expect(await counter().reserve('acme', '2026-03-01', 3)).toBe(true);
  expect(await counter().reserve('acme', '2026-03-01', 3)).toBe(false);
  const item = (await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk: 'LOOKUPMISS#acme#2026-03-01', sk: 'META' }, ConsistentRead: true }))).Item;
  expect(item?.[TTL_ATTRIBUTE]).toBe(Date.parse('2026-03-04T00:00:00Z') / 1000);
});

it('counts each integration and day apart; a zero limit grants nothing; a release never goes below zero', async () => {
  expect(await counter().reserve('acme', '2026-03-02', 1)).toBe(true);
  expect(await counter().reserve('other', '2026-03-01', 1)).toBe(true);
  expect(await counter().reserve('zero', '2026-03-01', 0)).toBe(false);
  await counter().release('fresh', '2026-03-01');
  expect(await counter().used('fresh', '2026-03-01')).toBe(0);
});
