/**
 * DynamoTokenClaims on the local DynamoDB: a jti is claimed once (a replay is refused), the item
 * carries the table's TTL attribute, a claim past its expiry (not yet deleted by DynamoDB) can be
 * claimed again, concurrent claims have exactly one winner, bad ids are refused before any write.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { TTL_ATTRIBUTE } from '../../../../shared/adapters/aws/incident-retention';
import { DynamoTokenClaims, InvalidTokenIdError } from '../../../../shared/adapters/aws/token-claims';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let nowMs = 1_800_000_000_000;
const claims = () => new DynamoTokenClaims(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, () => nowMs);
let n = 0;
const freshJti = () => `jti-${++n}-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => t?.stop());

it('claims a jti the first time and refuses the replay', async () => {
  const jti = freshJti();
  expect(await claims().claimOnce(jti, 600)).toBe(true);
  expect(await claims().claimOnce(jti, 600)).toBe(false);
  expect(await claims().claimOnce(freshJti(), 600)).toBe(true);
  const item = (await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk: `LINKCLAIM#${jti}`, sk: 'CLAIM' }, ConsistentRead: true }))).Item;
  expect(item?.[TTL_ATTRIBUTE]).toBe(Math.floor(nowMs / 1000) + 600);
});

it('treats a claim past its expiry as absent (DynamoDB deletes lazily)', async () => {
  const jti = freshJti();
  expect(await claims().claimOnce(jti, 60)).toBe(true);
  nowMs += 30_000;
  expect(await claims().claimOnce(jti, 60)).toBe(false);
  nowMs += 31_000;
  expect(await claims().claimOnce(jti, 60)).toBe(true);
  expect(await claims().claimOnce(jti, 60)).toBe(false);
});

it('lets exactly one of concurrent claims win', async () => {
  const jti = freshJti();
  const results = await Promise.all(Array.from({ length: 8 }, () => claims().claimOnce(jti, 600)));
  expect(results.filter(Boolean)).toHaveLength(1);
});

it('refuses an empty or oversized id and a non-positive ttl without writing', async () => {
  await expect(claims().claimOnce('', 600)).rejects.toBeInstanceOf(InvalidTokenIdError);
  await expect(claims().claimOnce('x'.repeat(201), 600)).rejects.toBeInstanceOf(InvalidTokenIdError);
  await expect(claims().claimOnce('has space', 600)).rejects.toBeInstanceOf(InvalidTokenIdError);
  await expect(claims().claimOnce(freshJti(), 0)).rejects.toBeInstanceOf(RangeError);
  expect(await t.countItems('LINKCLAIM#has')).toBe(0);
});
