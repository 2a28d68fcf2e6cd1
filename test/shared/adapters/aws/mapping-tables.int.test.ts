/**
 * DynamoMappingTables on the local DynamoDB: create, replace (a new version, then the META flip,
 * then the old rows deleted), lookup by email in any case, list through gsi1, delete; a reader
 * racing a replace sees the old rows or the new ones, never a mix; a replace that loses to another
 * leaves nothing of itself.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoMappingTables, MappingTableConflictError } from '../../../../shared/adapters/aws/mapping-tables';
import type { MappingRow } from '../../../../shared/application/people-ports';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let tables: DynamoMappingTables;
const now = 1_800_000_000_000;

const rows = (n: number, user: (i: number) => string): MappingRow[] => Array.from({ length: n }, (_, i) => ({ email: `p${i}@example.com`, userId: user(i) }));

beforeAll(async () => {
  t = await startTestStack();
  tables = new DynamoMappingTables(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
});
afterAll(async () => t?.stop());

it('creates a table once, replaces its rows and looks them up by email in any case', async () => {
  expect(await tables.create('ops', now)).toBe(true);
  expect(await tables.create('ops', now + 1)).toBe(false);
  expect(await tables.summary('ops')).toEqual({ name: 'ops', platform: 'wecom', rows: 0, updatedAt: now });
  expect(await tables.lookup('ops', ['alice@example.com'])).toEqual(new Map());

  const summary = await tables.replace('ops', [{ email: 'Alice@Example.com', userId: 'zhangsan' }, { email: 'bob@example.com', userId: 'lisi' }], now + 10);
  expect(summary).toEqual({ name: 'ops', platform: 'wecom', rows: 2, updatedAt: now + 10 });
  expect(await tables.lookup('ops', ['ALICE@example.com', 'carol@example.com', 'bob@example.com'])).toEqual(
    new Map([
      ['alice@example.com', 'zhangsan'],
      ['bob@example.com', 'lisi'],
    ]),
  );
  expect((await tables.rows('ops')).sort((a, b) => a.email.localeCompare(b.email))).toEqual([
    { email: 'alice@example.com', userId: 'zhangsan' },
    { email: 'bob@example.com', userId: 'lisi' },
  ]);

  // A second replace keeps only the new rows: the old version's items are gone.
  await tables.replace('ops', [{ email: 'carol@example.com', userId: 'wangwu' }], now + 20);
  expect(await tables.rows('ops')).toEqual([{ email: 'carol@example.com', userId: 'wangwu' }]);
  expect(await tables.lookup('ops', ['alice@example.com', 'carol@example.com'])).toEqual(new Map([['carol@example.com', 'wangwu']]));
  expect(await t.countItems('MAPPING#ops')).toBe(2); // META + one row
});

it('replace creates a missing table; list names every table; delete removes META and rows', async () => {
  await tables.replace('night-shift', rows(130, (i) => `u${i}`), now);
  expect(await tables.lookup('night-shift', rows(130, () => '').map((r) => r.email))).toHaveProperty('size', 130);
  const names = (await tables.list()).map((s) => `${s.name}:${s.rows}`);
  expect(names).toEqual(expect.arrayContaining(['night-shift:130', 'ops:1']));
  expect(await tables.delete('night-shift')).toBe(true);
  expect(await tables.delete('night-shift')).toBe(false);
  expect(await tables.summary('night-shift')).toBeUndefined();
  expect(await tables.rows('night-shift')).toEqual([]);
  expect(await t.countItems('MAPPING#night-shift')).toBe(0);
  expect((await tables.list()).map((s) => s.name)).not.toContain('night-shift');
});

it('a reader racing replaces sees one whole version, never a mix', async () => {
  await tables.replace('race', rows(60, (i) => `old${i}`), now);
  const emails = rows(60, () => '').map((r) => r.email);
  let replacing = true;
  const writer = (async () => {
    for (let round = 1; round <= 3; round++) await tables.replace('race', rows(60, (i) => `r${round}-${i}`), now + round);
    replacing = false;
  })();
  const seen: string[] = [];
  while (replacing) {
    const found = await tables.lookup('race', emails);
    const prefixes = new Set([...found.values()].map((userId) => userId.replace(/\d+$/, '')));
    expect(found.size).toBe(60);
    expect(prefixes.size).toBe(1);
    seen.push([...prefixes][0]);
  }
  await writer;
  expect(seen.length).toBeGreaterThan(0);
  expect((await tables.lookup('race', emails)).get('p0@example.com')).toBe('r3-0');
});

it('a replace that loses the META flip to another writer keeps nothing of itself', async () => {
  await tables.replace('contested', [{ email: 'a@example.com', userId: 'first' }], now);
  const client = getDocumentClient();
  const table = t.stack.env.STATE_TABLE_NAME;
  // Another writer flips META between this replace's read and its flip: simulated by moving the
  // version as soon as the first row of the new version is written.
  const original = client.send.bind(client);
  const spy = jest.spyOn(client, 'send').mockImplementation(async (command: any) => {
    const out = await original(command);
    if (command.input?.Item?.sk?.startsWith('V#') && command.input.Item.userId === 'second') {
      spy.mockRestore();
      await client.send(new UpdateCommand({ TableName: table, Key: { pk: 'MAPPING#contested', sk: 'META' }, UpdateExpression: 'SET version = :v', ExpressionAttributeValues: { ':v': 'someone-else' } }));
    }
    return out;
  });
  await expect(tables.replace('contested', [{ email: 'a@example.com', userId: 'second' }], now + 1)).rejects.toBeInstanceOf(MappingTableConflictError);
  spy.mockRestore();
  const meta = await client.send(new GetCommand({ TableName: table, Key: { pk: 'MAPPING#contested', sk: 'META' } }));
  expect(meta.Item?.version).toBe('someone-else');
  // Only META and the first version's row remain: the loser's row was deleted.
  expect(await t.countItems('MAPPING#contested')).toBe(2);
});
