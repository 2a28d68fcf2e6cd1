/**
 * Retention of personal data through the state table's TTL attribute, on the local DynamoDB:
 * a closed incident expires CLOSED_INCIDENT_RETENTION_DAYS after the close (the compare-and-swap
 * put that closes it sets it, the one that reopens it drops it); every item of its cards (WeCom and
 * DingTalk card records, task/outTrackId lookups, the incident → cards index) follows when
 * refresh-card applies the retention (DynamoIncidentCardIndex.applyRetention, which is the path
 * with the IAM grants for all of them), a card created after the close takes the expiry, and
 * a member expires MEMBER_RETENTION_DAYS after its last upsert (each upsert pushes it back).
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoDingTalkCardStore } from '../../../../shared/adapters/aws/dingtalk-card-store';
import { DynamoIncidentCardIndex } from '../../../../shared/adapters/aws/incident-card-index';
import { DynamoIncidentRepository } from '../../../../shared/adapters/aws/incident-repository';
import { syncIncidentRetention, TTL_ATTRIBUTE } from '../../../../shared/adapters/aws/incident-retention';
import { DynamoMemberDirectory } from '../../../../shared/adapters/aws/member-directory';
import { DynamoMobileLookupCache } from '../../../../shared/adapters/aws/mobile-lookup-cache';
import { DynamoWeComCardStore } from '../../../../shared/adapters/aws/wecom-card-store';
import { stateTable } from '../../../../shared/config/resources';
import type { Incident } from '../../../../shared/domain/incident';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let table: string;
let client: DynamoDBDocumentClient;
const DAY = 86_400;
const T0 = 1_800_000_000_000;

beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
  client = getDocumentClient();
});
afterAll(async () => t?.stop());

const item = async (pk: string, sk = 'META') => (await client.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }))).Item;
const ttlOf = async (pk: string, sk = 'META') => (await item(pk, sk))?.[TTL_ATTRIBUTE] as number | undefined;

let n = 0;
const incidentAt = (incidentId: string, revision: number, status: Incident['status'], updatedAt: number): Incident => ({
  incidentId,
  version: revision,
  revision,
  title: 'Payments API 5xx',
  severity: 'Critical',
  description: '',
  labels: {},
  responders: ['alice@example.com'],
  targets: [{ integrationId: 'ret-wecom', persons: ['alice@example.com'], groups: [] }],
  status,
  ...(status === 'Closed' ? { closedBy: { email: 'bob@example.com' } } : {}),
  triggeredAt: T0,
  updatedAt,
});

/** Every item that belongs to the incident's two cards. */
const cardItems = (incidentId: string): [platform: 'wecom' | 'dingtalk', pk: string, sk: string][] => [
  ['wecom', `INCIDENT#${incidentId}`, 'CARD#wecom#ret-wecom'],
  ['wecom', `CARD#wecom#ret-wecom#${incidentId}`, 'META'],
  ['wecom', `TASK#wecom#ret-wecom#${incidentId}-t0`, 'META'],
  ['wecom', `TASK#wecom#ret-wecom#${incidentId}-t1`, 'META'],
  ['dingtalk', `INCIDENT#${incidentId}`, 'CARD#dingtalk#ret-dingtalk'],
  ['dingtalk', `CARD#dingtalk#ret-dingtalk#${incidentId}`, 'META'],
  ['dingtalk', `OUTTRACK#ret-dingtalk#${incidentId}-o0`, 'META'],
];

async function createCards(incidentId: string, only?: 'wecom' | 'dingtalk'): Promise<void> {
  if (only !== 'dingtalk') await new DynamoWeComCardStore(client, table).createCard({
    integrationId: 'ret-wecom',
    incidentId,
    batches: [0, 1].map((i) => ({ taskId: `${incidentId}-t${i}`, userIds: [`u${i}`], status: 'pending' as const, renderedRevision: 0, stale: false })),
    notLinked: ['carol@example.com'],
    invalidUsers: [],
    createdAt: T0,
  });
  if (only !== 'wecom') await new DynamoDingTalkCardStore(client, table).createCard({
    integrationId: 'ret-dingtalk',
    incidentId,
    outTrackIds: [`${incidentId}-o0`],
    notLinked: [],
    renderedVersion: 0,
    createdAt: T0,
  });
}

/** What refresh-card does after every change, as far as retention goes. */
const applyRetention = (incidentId: string) => new DynamoIncidentCardIndex(client, table).applyRetention(incidentId);

async function expectCardTtls(incidentId: string, expected: number | undefined, only?: 'wecom' | 'dingtalk'): Promise<void> {
  for (const [, pk, sk] of cardItems(incidentId).filter(([platform]) => !only || platform === only)) {
    expect(await item(pk, sk)).toBeDefined();
    expect({ pk, sk, ttl: await ttlOf(pk, sk) }).toEqual({ pk, sk, ttl: expected });
  }
}

describe('closed incidents and their cards', () => {
  it('uses the TTL attribute the table declares', () => {
    expect(TTL_ATTRIBUTE).toBe(stateTable.timeToLiveAttribute);
  });

  it('an open incident and its cards carry no expiry; closing sets it on the incident, and applying the retention on all card items, 30 days after the close by default', async () => {
    const id = `ret-${++n}`;
    const repo = new DynamoIncidentRepository(client, table);
    await repo.save(incidentAt(id, 1, 'Triggered', T0), 0);
    await createCards(id);
    expect(await ttlOf(`INCIDENT#${id}`)).toBeUndefined();
    await expectCardTtls(id, undefined);

    const closedAt = T0 + 3_600_000;
    await repo.save(incidentAt(id, 2, 'Closed', closedAt), 1);
    const expected = closedAt / 1000 + 30 * DAY;
    expect(await ttlOf(`INCIDENT#${id}`)).toBe(expected);
    await applyRetention(id);
    await expectCardTtls(id, expected);
    await applyRetention(id); // idempotent
    await expectCardTtls(id, expected);
    // The projection itself is untouched.
    expect((await repo.get(id))?.status).toBe('Closed');
  });

  it('the compare-and-swap write that reopens removes the expiry from the incident, and applying the retention from every card item', async () => {
    const id = `ret-${++n}`;
    const repo = new DynamoIncidentRepository(client, table);
    await repo.save(incidentAt(id, 1, 'Triggered', T0), 0);
    await createCards(id);
    await repo.save(incidentAt(id, 2, 'Closed', T0 + 1000), 1);
    await applyRetention(id);
    expect(await ttlOf(`INCIDENT#${id}`)).toBeDefined();
    await expectCardTtls(id, Math.ceil((T0 + 1000) / 1000) + 30 * DAY);

    await repo.save(incidentAt(id, 3, 'Triggered', T0 + 2000), 2);
    expect(await item(`INCIDENT#${id}`)).toMatchObject({ revision: 3 });
    expect(await ttlOf(`INCIDENT#${id}`)).toBeUndefined();
    await applyRetention(id);
    await expectCardTtls(id, undefined);

    // Closed again: a fresh expiry from the new close.
    await repo.save(incidentAt(id, 4, 'Closed', T0 + 5000), 3);
    await applyRetention(id);
    await expectCardTtls(id, Math.ceil((T0 + 5000) / 1000) + 30 * DAY);
  });

  it('a card created after the close takes the incident expiry', async () => {
    const id = `ret-${++n}`;
    const repo = new DynamoIncidentRepository(client, table);
    await repo.save(incidentAt(id, 1, 'Closed', T0), 0);
    // Each store on its own: the WeCom card first, then the DingTalk card.
    await createCards(id, 'wecom');
    await expectCardTtls(id, T0 / 1000 + 30 * DAY, 'wecom');
    await createCards(id, 'dingtalk');
    await expectCardTtls(id, T0 / 1000 + 30 * DAY);
  });

  it('a late retention run for a close overtaken by a reopen ends with the reopened state (it re-checks the revision)', async () => {
    const id = `ret-${++n}`;
    const repo = new DynamoIncidentRepository(client, table);
    await repo.save(incidentAt(id, 1, 'Triggered', T0), 0);
    await createCards(id);
    await repo.save(incidentAt(id, 2, 'Closed', T0), 1);
    await repo.save(incidentAt(id, 3, 'Triggered', T0 + 1000), 2);
    // The close's refresh, late: it read revision 2 (closed) before the reopen landed.
    await syncIncidentRetention(client, table, id, { revision: 2, expiresAt: T0 / 1000 + 30 * DAY });
    await expectCardTtls(id, undefined);
  });

  it('a stale (refused) write changes no expiry', async () => {
    const id = `ret-${++n}`;
    const repo = new DynamoIncidentRepository(client, table);
    await repo.save(incidentAt(id, 1, 'Triggered', T0), 0);
    await createCards(id);
    await expect(repo.save(incidentAt(id, 2, 'Closed', T0), 5)).rejects.toThrow(/changed concurrently/);
    expect(await ttlOf(`INCIDENT#${id}`)).toBeUndefined();
    await applyRetention(id);
    await expectCardTtls(id, undefined);
  });

  it('the retention is configurable: CLOSED_INCIDENT_RETENTION_DAYS, or the constructor option', async () => {
    const id = `ret-${++n}`;
    const saved = process.env.CLOSED_INCIDENT_RETENTION_DAYS;
    process.env.CLOSED_INCIDENT_RETENTION_DAYS = '7';
    try {
      const repo = new DynamoIncidentRepository(client, table);
      await repo.save(incidentAt(id, 1, 'Closed', T0), 0);
      expect(await ttlOf(`INCIDENT#${id}`)).toBe(T0 / 1000 + 7 * DAY);
      process.env.CLOSED_INCIDENT_RETENTION_DAYS = 'forever';
      expect(() => new DynamoIncidentRepository(client, table)).toThrow(/CLOSED_INCIDENT_RETENTION_DAYS/);
    } finally {
      if (saved === undefined) delete process.env.CLOSED_INCIDENT_RETENTION_DAYS;
      else process.env.CLOSED_INCIDENT_RETENTION_DAYS = saved;
    }
    const id2 = `ret-${++n}`;
    await new DynamoIncidentRepository(client, table, { closedIncidentDays: 2 }).save(incidentAt(id2, 1, 'Closed', T0), 0);
    expect(await ttlOf(`INCIDENT#${id2}`)).toBe(T0 / 1000 + 2 * DAY);
  });
});

describe('member directory', () => {
  it('each upsert sets the expiry 180 days (MEMBER_RETENTION_DAYS) after it, and a later upsert pushes it back', async () => {
    const members = new DynamoMemberDirectory(client, table);
    await members.upsert({ email: 'Dora@Example.com', name: 'Dora', mobile: '+86-13800000009', updatedAt: T0 });
    expect(await ttlOf('MEMBER#dora@example.com')).toBe(T0 / 1000 + 180 * DAY);
    await members.upsert({ email: 'dora@example.com', name: 'Dora', mobile: '+86-13800000009', updatedAt: T0 + 10 * DAY * 1000 });
    expect(await ttlOf('MEMBER#dora@example.com')).toBe(T0 / 1000 + 190 * DAY);
    expect(await members.get('dora@example.com')).toMatchObject({ mobile: '+86-13800000009' });

    const saved = process.env.MEMBER_RETENTION_DAYS;
    process.env.MEMBER_RETENTION_DAYS = '90';
    try {
      await new DynamoMemberDirectory(client, table).upsert({ email: 'eve@example.com', name: 'Eve', updatedAt: T0 });
    } finally {
      if (saved === undefined) delete process.env.MEMBER_RETENTION_DAYS;
      else process.env.MEMBER_RETENTION_DAYS = saved;
    }
    expect(await ttlOf('MEMBER#eve@example.com')).toBe(T0 / 1000 + 90 * DAY);
  });

  it('the getbymobile cache (mobiles) already expires through the same attribute', async () => {
    const nowMs = Date.now();
    await new DynamoMobileLookupCache(client, table, () => nowMs).put('ret-dingtalk', '+86-13800000009', { userId: 'dora', lookedUpAt: nowMs }, 3600);
    expect(await ttlOf('DTMOBILE#ret-dingtalk#+86-13800000009', 'LOOKUP')).toBe(Math.floor(nowMs / 1000) + 3600);
  });
});
