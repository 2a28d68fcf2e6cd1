/**
 * DynamoOneTimeCodes on the local DynamoDB: a right code is 'ok' once (then 'none'), five wrong
 * tries exhaust the code (the right one is refused after), it expires after 10 minutes (injected
 * clock), only a keyed hash is stored, a new code replaces the old, concurrent guesses never spend
 * more than 5 tries, concurrent right answers have one winner, bad input changes nothing.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { TTL_ATTRIBUTE } from '../../../../shared/adapters/aws/incident-retention';
import { DynamoOneTimeCodes, OneTimeCodeInputError } from '../../../../shared/adapters/aws/one-time-codes';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
const SECRET = 'test-secret-'.padEnd(40, 'x');
const now = 1_800_000_000_000;
const codes = (secret = SECRET) => new DynamoOneTimeCodes(getDocumentClient(), t.stack.env.STATE_TABLE_NAME, secret);
let n = 0;
const session = () => `wecom:int-1:user${++n}`;
const raw = async (sessionKey: string) =>
  (await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk: `LINKCODE#${sessionKey}`, sk: 'CODE' }, ConsistentRead: true }))).Item;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => t?.stop());

it('accepts the right code once, then answers none (single use)', async () => {
  const s = session();
  await codes().issue(s, 'alice@example.com', '012345', now);
  expect(await codes().check(s, '012345', now + 1000)).toEqual({ outcome: 'ok', email: 'alice@example.com' });
  expect(await codes().check(s, '012345', now + 2000)).toEqual({ outcome: 'none' });
  expect(await raw(s)).toBeUndefined();
});

it('stores a keyed hash, never the code, with the TTL attribute', async () => {
  const s = session();
  await codes().issue(s, 'alice@example.com', '987654', now);
  const item = await raw(s);
  expect(JSON.stringify(item)).not.toContain('987654');
  expect(item).toMatchObject({ email: 'alice@example.com', triesLeft: 5, validUntil: now + 600_000, [TTL_ATTRIBUTE]: expect.any(Number) });
  expect(item![TTL_ATTRIBUTE]).toBeGreaterThanOrEqual(Math.ceil((now + 600_000) / 1000));
  // Another server secret cannot confirm the code: the hash is keyed.
  expect(await codes('another-secret-'.padEnd(40, 'y')).check(s, '987654', now)).toEqual({ outcome: 'wrong', triesLeft: 4 });
});

it('counts wrong tries down and is exhausted after 5, even for the right code after', async () => {
  const s = session();
  await codes().issue(s, 'bob@example.com', '111111', now);
  const outcomes = [];
  for (let i = 0; i < 5; i++) outcomes.push(await codes().check(s, '222222', now + i));
  expect(outcomes).toEqual([
    { outcome: 'wrong', triesLeft: 4 },
    { outcome: 'wrong', triesLeft: 3 },
    { outcome: 'wrong', triesLeft: 2 },
    { outcome: 'wrong', triesLeft: 1 },
    { outcome: 'exhausted', triesLeft: 0 },
  ]);
  expect(await codes().check(s, '111111', now + 10)).toEqual({ outcome: 'exhausted', triesLeft: 0 });
  expect((await raw(s))?.triesLeft).toBe(0);
});

it('expires after 10 minutes', async () => {
  const s = session();
  await codes().issue(s, 'carol@example.com', '333333', now);
  expect(await codes().check(s, '333333', now + 600_000)).toEqual({ outcome: 'expired' });
  expect((await raw(s))?.triesLeft).toBe(5); // an expired check spends nothing
  const s2 = session();
  await codes().issue(s2, 'carol@example.com', '333333', now);
  expect(await codes().check(s2, '333333', now + 599_999)).toEqual({ outcome: 'ok', email: 'carol@example.com' });
});

it('answers none for a session without a code', async () => {
  expect(await codes().check(session(), '123456', now)).toEqual({ outcome: 'none' });
});

it('a new code replaces the old one (and its spent tries)', async () => {
  const s = session();
  await codes().issue(s, 'dave@example.com', '444444', now);
  expect(await codes().check(s, '000000', now)).toEqual({ outcome: 'wrong', triesLeft: 4 });
  await codes().issue(s, 'dave@example.com', '555555', now + 1000);
  expect(await codes().check(s, '444444', now + 2000)).toEqual({ outcome: 'wrong', triesLeft: 4 });
  expect(await codes().check(s, '555555', now + 3000)).toEqual({ outcome: 'ok', email: 'dave@example.com' });
});

it('never lets concurrent guesses spend more than 5 tries, and one of concurrent right answers wins', async () => {
  const s = session();
  await codes().issue(s, 'erin@example.com', '666666', now);
  const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => codes().check(s, String(100000 + i), now)));
  expect(guesses.filter((g) => g.outcome === 'wrong')).toHaveLength(4);
  expect(guesses.filter((g) => g.outcome === 'exhausted')).toHaveLength(8);
  expect((await raw(s))?.triesLeft).toBe(0);

  const s2 = session();
  await codes().issue(s2, 'erin@example.com', '777777', now);
  const answers = await Promise.all(Array.from({ length: 4 }, () => codes().check(s2, '777777', now)));
  expect(answers.filter((a) => a.outcome === 'ok')).toHaveLength(1);
  expect(answers.filter((a) => a.outcome === 'none')).toHaveLength(3);
});

it('refuses a malformed code, session key or email without writing or spending a try', async () => {
  const s = session();
  await expect(codes().issue(s, 'a@example.com', '12345', now)).rejects.toBeInstanceOf(OneTimeCodeInputError);
  await expect(codes().issue(s, 'not-an-email', '123456', now)).rejects.toBeInstanceOf(OneTimeCodeInputError);
  await expect(codes().issue('has space', 'a@example.com', '123456', now)).rejects.toBeInstanceOf(OneTimeCodeInputError);
  expect(await raw(s)).toBeUndefined();
  await codes().issue(s, 'a@example.com', '123456', now);
  await expect(codes().check(s, '12345a', now)).rejects.toBeInstanceOf(OneTimeCodeInputError);
  await expect(codes().check(s, ' 123456', now)).rejects.toBeInstanceOf(OneTimeCodeInputError);
  expect((await raw(s))?.triesLeft).toBe(5);
  expect(() => codes('short')).toThrow(RangeError);
});
