/**
 * Retention end to end on the local stack with its pollers (notify and refresh-card as deployed):
 * incident.resolved makes the incident and every item of its card expire 30 days after the close,
 * incident.reopened removes the expiry from all of them again, and member.upserted stamps the
 * member 180 days ahead.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoWeComCardStore } from '../../shared/adapters/aws/wecom-card-store';
import { stateTable } from '../../shared/config/resources';
import { eventually, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ pollers: true });
});
afterAll(async () => t?.stop());

const DAY = 86_400;
const TTL = stateTable.timeToLiveAttribute;
const ttlOf = async (pk: string, sk = 'META') =>
  (await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk, sk }, ConsistentRead: true }))).Item?.[TTL] as number | undefined;
const publish = (event: Record<string, unknown>) => t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl('incident-events'), MessageBody: JSON.stringify(event) }));
const base = { incidentId: 'inc-ret', title: 'Payments API 5xx', severity: 'Critical' };

it('resolved: the incident and its card items expire 30 days after the close; reopened: none of them expires', async () => {
  await publish({ ...base, type: 'incident.triggered', version: 1, occurredAt: '2026-11-22T02:00:00Z', responders: ['alice@example.com'] });
  await eventually(async () => expect(await getDocumentClient().send(new GetCommand({ TableName: t.stack.env.STATE_TABLE_NAME, Key: { pk: 'INCIDENT#inc-ret', sk: 'META' } }))).toMatchObject({ Item: { revision: 1 } }), 10_000);
  // A card as the WeCom path stores it (no platform is called: its integration is unknown here).
  await new DynamoWeComCardStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME).createCard({
    integrationId: 'gone-wecom',
    incidentId: 'inc-ret',
    batches: [{ taskId: 'inc-ret-t0', userIds: ['alice'], status: 'sent', renderedRevision: 1, stale: false }],
    notLinked: ['bob@example.com'],
    invalidUsers: [],
    createdAt: Date.now(),
  });
  const items: [string, string][] = [
    ['INCIDENT#inc-ret', 'META'],
    ['INCIDENT#inc-ret', 'CARD#wecom#gone-wecom'],
    ['CARD#wecom#gone-wecom#inc-ret', 'META'],
    ['TASK#wecom#gone-wecom#inc-ret-t0', 'META'],
  ];
  for (const [pk, sk] of items) expect(await ttlOf(pk, sk)).toBeUndefined();

  const before = Math.floor(Date.now() / 1000);
  await publish({ ...base, type: 'incident.resolved', version: 2, occurredAt: '2026-11-22T02:10:00Z', actorEmail: 'bob@example.com' });
  await eventually(async () => {
    const ttls = await Promise.all(items.map(([pk, sk]) => ttlOf(pk, sk)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThanOrEqual(before + 30 * DAY);
      expect(ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 30 * DAY);
    }
    expect(new Set(ttls).size).toBe(1);
  }, 15_000);

  await publish({ ...base, type: 'incident.reopened', version: 3, occurredAt: '2026-11-22T02:20:00Z' });
  await eventually(async () => {
    for (const [pk, sk] of items) expect(await ttlOf(pk, sk)).toBeUndefined();
  }, 15_000);
}, 40_000);

it('member.upserted keeps the member 180 days from now', async () => {
  const before = Math.floor(Date.now() / 1000);
  await publish({ type: 'member.upserted', email: 'Carol@Example.com', name: 'Carol', mobile: '+86-13800000005' });
  const ttl = await eventually(async () => {
    const value = await ttlOf('MEMBER#carol@example.com');
    expect(value).toBeDefined();
    return value!;
  }, 10_000);
  expect(ttl).toBeGreaterThanOrEqual(before + 180 * DAY);
  expect(ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 180 * DAY);
});
