/**
 * DynamoTemplateStore on the local DynamoDB: versions 1, 2, … with who and when; a save that
 * expected an older version is refused and changes nothing; history newest first; a rollback is a
 * new version with the old source; list per integration; remove takes the history too.
 */
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoTemplateStore } from '../../../../shared/adapters/aws/template-store';
import { TemplateVersionConflictError } from '../../../../shared/application/template-ports';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let store: DynamoTemplateStore;
const now = 1_800_000_000_000;

beforeAll(async () => {
  t = await startTestStack();
  store = new DynamoTemplateStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
});
afterAll(async () => t?.stop());

it('saves versions with compare-and-swap, keeps the history and rolls back as a new version', async () => {
  expect(await store.get('wecom-a', 'wecom.card')).toBeUndefined();
  const v1 = await store.put('wecom-a', 'wecom.card', 'title: {{ incident.title }}', 'alice', now, 0);
  expect(v1).toEqual({ integrationId: 'wecom-a', channel: 'wecom.card', version: 1, source: 'title: {{ incident.title }}', updatedBy: 'alice', updatedAt: now });
  await expect(store.put('wecom-a', 'wecom.card', 'lost', 'bob', now + 1, 0)).rejects.toBeInstanceOf(TemplateVersionConflictError);
  const v2 = await store.put('wecom-a', 'wecom.card', 'v2 source', 'bob', now + 2, 1);
  expect(v2.version).toBe(2);
  // A stale writer (still at version 1) is refused; the current template is untouched.
  await expect(store.put('wecom-a', 'wecom.card', 'stale', 'carol', now + 3, 1)).rejects.toBeInstanceOf(TemplateVersionConflictError);
  expect(await store.get('wecom-a', 'wecom.card')).toEqual(v2);
  expect((await store.history('wecom-a', 'wecom.card')).map((v) => [v.version, v.updatedBy])).toEqual([
    [2, 'bob'],
    [1, 'alice'],
  ]);

  const v3 = await store.rollback('wecom-a', 'wecom.card', 1, 'dave', now + 4);
  expect(v3).toEqual({ integrationId: 'wecom-a', channel: 'wecom.card', version: 3, source: v1.source, updatedBy: 'dave', updatedAt: now + 4, rolledBackFrom: 1 });
  expect(await store.get('wecom-a', 'wecom.card')).toEqual(v3);
  expect(await store.rollback('wecom-a', 'wecom.card', 9, 'dave', now + 5)).toBeUndefined();
  expect(await store.rollback('wecom-a', 'wecom.bot.text', 1, 'dave', now + 5)).toBeUndefined();
  expect((await store.history('wecom-a', 'wecom.card')).map((v) => v.version)).toEqual([3, 2, 1]);
});

it('lists the current template of each channel of one integration and removes one with its history', async () => {
  await store.put('wecom-b', 'wecom.card', 'card', 'alice', now, 0);
  await store.put('wecom-b', 'wecom.bot.markdown', 'md 1', 'alice', now, 0);
  await store.put('wecom-b', 'wecom.bot.markdown', 'md 2', 'alice', now + 1, 1);
  await store.put('wecom-c', 'wecom.card', 'other integration', 'alice', now, 0);
  expect((await store.list('wecom-b')).map((v) => [v.channel, v.version, v.source])).toEqual([
    ['wecom.bot.markdown', 2, 'md 2'],
    ['wecom.card', 1, 'card'],
  ]);

  expect(await store.remove('wecom-b', 'wecom.bot.markdown')).toBe(true);
  expect(await store.remove('wecom-b', 'wecom.bot.markdown')).toBe(false);
  expect(await store.get('wecom-b', 'wecom.bot.markdown')).toBeUndefined();
  expect(await store.history('wecom-b', 'wecom.bot.markdown')).toEqual([]);
  expect(await t.countItems('TEMPLATE#wecom-b')).toBe(2); // wecom.card: CURRENT + V#…#000001
  // Saved again after a remove, it starts at version 1.
  expect((await store.put('wecom-b', 'wecom.bot.markdown', 'md again', 'bob', now + 2, 0)).version).toBe(1);
});
