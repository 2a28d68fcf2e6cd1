/**
 * DynamoAccessTokenStore on the local DynamoDB (dynalite) started by the integration global setup;
 * this file creates its own table with the state table's key schema.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAccessTokenStore } from '../../../../shared/adapters/aws/access-token-store';
import { TokenProvider } from '../../../../shared/application/token-provider';
import { stateTable } from '../../../../shared/config/resources';

const tableName = `it-${randomBytes(4).toString('hex')}-tokens`;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let now = 1_700_000_000_000;
const clock = () => now;

beforeAll(async () => {
  if (!process.env.DUTYBRIDGE_TEST_AWS) throw new Error('run integration tests through jest --selectProjects integration');
  ddb = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB });
  doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: stateTable.partitionKey, AttributeType: 'S' },
        { AttributeName: stateTable.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: stateTable.partitionKey, KeyType: 'HASH' },
        { AttributeName: stateTable.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
});

afterAll(async () => {
  await ddb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  ddb.destroy();
});

describe('DynamoAccessTokenStore', () => {
  const store = () => new DynamoAccessTokenStore(doc, tableName, clock);

  it('stores a token under TOKEN#<key> with a TTL in epoch seconds', async () => {
    await store().put('wecom:c:1', { token: 'secret-token', expiresAtMs: now + 7_200_000 });
    expect(await store().get('wecom:c:1')).toEqual({ token: 'secret-token', expiresAtMs: now + 7_200_000 });
    const raw = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'TOKEN#wecom:c:1', sk: 'TOKEN' } }));
    expect(raw.Item).toMatchObject({ token: 'secret-token', expiresAtMs: now + 7_200_000 });
    expect(raw.Item!.expiresAt).toBeGreaterThanOrEqual(Math.ceil((now + 7_200_000) / 1000));
    expect(await store().get('missing')).toBeUndefined();
  });

  it('an older token never overwrites a newer one', async () => {
    await store().put('k-order', { token: 'new', expiresAtMs: now + 2000 });
    await store().put('k-order', { token: 'old', expiresAtMs: now + 1000 });
    expect((await store().get('k-order'))?.token).toBe('new');
  });

  it('the lease is exclusive until released or expired', async () => {
    expect(await store().tryLease('k-lease', 'a', 5000)).toBe(true);
    expect(await store().tryLease('k-lease', 'b', 5000)).toBe(false);
    expect(await store().tryLease('k-lease', 'a', 5000)).toBe(true);
    await store().releaseLease('k-lease', 'b'); // not the holder: no effect
    expect(await store().tryLease('k-lease', 'b', 5000)).toBe(false);
    await store().releaseLease('k-lease', 'a');
    expect(await store().tryLease('k-lease', 'b', 5000)).toBe(true);
    now += 5001;
    expect(await store().tryLease('k-lease', 'c', 5000)).toBe(true);
  });

  it('a lease does not disturb the token and a put does not disturb the lease', async () => {
    await store().put('k-mix', { token: 't1', expiresAtMs: now + 1000 });
    expect(await store().tryLease('k-mix', 'a', 5000)).toBe(true);
    expect((await store().get('k-mix'))?.token).toBe('t1');
    await store().put('k-mix', { token: 't2', expiresAtMs: now + 2000 });
    expect(await store().tryLease('k-mix', 'b', 5000)).toBe(false);
  });

  it('invalidate drops only the named token', async () => {
    await store().put('k-inv', { token: 't1', expiresAtMs: now + 1000 });
    await store().invalidate('k-inv', 'other');
    expect((await store().get('k-inv'))?.token).toBe('t1');
    await store().invalidate('k-inv', 't1');
    expect(await store().get('k-inv')).toBeUndefined();
    await store().invalidate('never-stored', 'x');
  });

  it('10 TokenProviders (processes) on one table → one fetch', async () => {
    let fetches = 0;
    const fetchToken = async () => {
      fetches += 1;
      await new Promise((r) => setTimeout(r, 200));
      return { token: 'shared-token', expiresInSeconds: 7200 };
    };
    const providers = Array.from({ length: 10 }, (_, i) => new TokenProvider({ store: new DynamoAccessTokenStore(doc, tableName), holderId: `p${i}`, pollIntervalMs: 25 }));
    const tokens = await Promise.all(providers.map((p) => p.getToken('k-flight', fetchToken)));
    expect(fetches).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['shared-token']));
  });
});
