/**
 * DynamoRateLimitCounters on the local DynamoDB: concurrent hits never grant more than the limit in
 * a window, a new window starts from zero, a refused first key leaves the later keys uncounted, and
 * every item carries the TTL attribute.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoRateLimitCounters } from '../../../../shared/adapters/aws/rate-limit-counters';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let table: string;
let nowMs = 1_800_000_000_000; // a whole minute
const counters = () => new DynamoRateLimitCounters(getDocumentClient(), table, () => nowMs);
const raw = async (pk: string) => (await getDocumentClient().send(new GetCommand({ TableName: table, Key: { pk, sk: 'RATE' }, ConsistentRead: true }))).Item;

beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
});
afterAll(async () => t?.stop());

it('grants exactly the limit to 20 concurrent hits, and again in the next window', async () => {
  const hits = await Promise.all(Array.from({ length: 20 }, () => counters().hit([{ key: 'click:user:a', limit: 5 }], 60)));
  expect(hits.filter(Boolean)).toHaveLength(5);
  const window = Math.floor(nowMs / 60_000);
  expect(await raw(`RATE#click:user:a#${window}`)).toMatchObject({ n: 5, expiresAt: (window + 2) * 60 + 60 });
  nowMs += 60_000;
  expect(await counters().hit([{ key: 'click:user:a', limit: 5 }], 60)).toBe(true);
});

it('stops at the first key over its limit: later keys are not counted', async () => {
  expect(await counters().hit([{ key: 'click:user:b', limit: 1 }, { key: 'click:incident:x', limit: 10 }], 60)).toBe(true);
  expect(await counters().hit([{ key: 'click:user:b', limit: 1 }, { key: 'click:incident:x', limit: 10 }], 60)).toBe(false);
  expect(await raw(`RATE#click:incident:x#${Math.floor(nowMs / 60_000)}`)).toMatchObject({ n: 1 });
});

it('rolling: the previous window\'s hits count, so no 60 s span holds more than the limit', async () => {
  const key = [{ key: 'robot:i:late-burst', limit: 20 }];
  nowMs = Math.floor(nowMs / 60_000) * 60_000 + 120_000 + 50_000; // 50 s into a fresh minute
  const first = await Promise.all(Array.from({ length: 20 }, () => counters().hit(key, 60, { rolling: true })));
  expect(first.filter(Boolean)).toHaveLength(20);
  nowMs += 15_000; // 5 s into the next minute: a fixed window would grant 20 more within 15 s
  expect(await counters().hit(key, 60, { rolling: true })).toBe(false);
  expect(await counters().hit(key, 60)).toBe(true); // the fixed window alone would have let it through
  nowMs += 60_000; // the burst's minute is two windows back: the full limit again
  const later = await Promise.all(Array.from({ length: 25 }, () => counters().hit(key, 60, { rolling: true })));
  expect(later.filter(Boolean)).toHaveLength(19); // the 1 fixed-window hit above counts in the previous window
});
