/**
 * DynamoDedupeStore on the local DynamoDB (the state table of a private test stack), directly and
 * through onceOnly: a claim is pending until completed (a second claim meanwhile is 'pending', which
 * the callback routes answer with 503 so the platform retries), completion makes replays 'done',
 * a dead pending claim lapses, release forgets a claim, and concurrent claims have one winner.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DingTalkCrypto } from '../../../../shared/crypto';
import { DynamoDedupeStore } from '../../../../shared/adapters/aws/dedupe-store';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { CALLBACK_DEDUPE_TTL_SECONDS, CALLBACK_PENDING_SECONDS, CallbackInProgressError, onceOnly } from '../../../../shared/application/callback-dedupe';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let table: string;
let nowMs = 1_800_000_000_000;
const store = () => new DynamoDedupeStore(getDocumentClient(), table, () => nowMs);
const raw = async (key: string) => (await getDocumentClient().send(new GetCommand({ TableName: table, Key: { pk: `DEDUPE#${key}`, sk: 'DEDUPE' }, ConsistentRead: true }))).Item;
let n = 0;
const freshKey = () => `test:dedupe:${++n}:${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
});
afterAll(async () => t?.stop());

describe('DynamoDedupeStore', () => {
  it('claims a new key as pending for the given seconds', async () => {
    const key = freshKey();
    expect(await store().claim(key, 8)).toBe('claimed');
    expect(await raw(key)).toMatchObject({ state: 'pending', expiresAt: Math.floor(nowMs / 1000) + 8 });
  });

  it('answers a second claim while the first is pending with pending, up to the last second of the claim', async () => {
    const key = freshKey();
    expect(await store().claim(key, 8)).toBe('claimed');
    expect(await store().claim(key, 8)).toBe('pending');
    nowMs += 8_000; // expiresAt == now: still held
    expect(await store().claim(key, 8)).toBe('pending');
    expect(await raw(key)).toMatchObject({ state: 'pending' });
  });

  it('completion makes every later claim a duplicate (done) for the TTL, then the key is free again', async () => {
    const key = freshKey();
    expect(await store().claim(key, 8)).toBe('claimed');
    await store().complete(key, 3600);
    expect(await raw(key)).toMatchObject({ state: 'done', expiresAt: Math.floor(nowMs / 1000) + 3600 });
    expect(await store().claim(key, 8)).toBe('done');
    nowMs += 60_000; // long after the pending window: still done
    expect(await store().claim(key, 8)).toBe('done');
    expect(await raw(key)).toMatchObject({ state: 'done' });
    // Past the TTL the item may still be in the table (DynamoDB deletes lazily): it counts as absent.
    nowMs += 3600_000;
    expect(await raw(key)).toBeDefined();
    expect(await store().claim(key, 8)).toBe('claimed');
  });

  it('a claim released between the failed put and the look at the item is claimed again, not called done', async () => {
    const key = freshKey();
    expect(await store().claim(key, 8)).toBe('claimed');
    const client = getDocumentClient();
    // The first delivery's work fails and it releases the key just after our conditional put failed
    // (and DynamoDB handed back no item, as a local server may not).
    const racing = new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: { input: { ConditionExpression?: string } }) => {
          try {
            return await target.send(command as never);
          } catch (error) {
            if (command.input.ConditionExpression && (error as Error).name === 'ConditionalCheckFailedException') {
              await store().release(key);
              delete (error as { Item?: unknown }).Item;
            }
            throw error;
          }
        };
      },
    });
    expect(await new DynamoDedupeStore(racing, table, () => nowMs).claim(key, 8)).toBe('claimed');
    expect(await raw(key)).toMatchObject({ state: 'pending' });
  });

  it('a dead pending claim lapses: a retry after the pending window takes the key over', async () => {
    const key = freshKey();
    expect(await store().claim(key, 8)).toBe('claimed'); // the invocation that claimed it dies here
    nowMs += 9_000;
    expect(await store().claim(key, 8)).toBe('claimed');
    expect(await raw(key)).toMatchObject({ state: 'pending', expiresAt: Math.floor(nowMs / 1000) + 8 });
    expect(await store().claim(key, 8)).toBe('pending');
  });

  it('release forgets a claim so the retry is processed; releasing an absent key is harmless', async () => {
    const key = freshKey();
    expect(await store().claim(key, 8)).toBe('claimed');
    await store().release(key);
    expect(await raw(key)).toBeUndefined();
    expect(await store().claim(key, 8)).toBe('claimed');
    await store().release(freshKey());
  });

  it('of concurrent claims on one key exactly one wins; other keys are independent', async () => {
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 12 }, () => store().claim(key, 8)));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'pending')).toHaveLength(11);
    expect(await store().claim(freshKey(), 8)).toBe('claimed');
  });
});

describe('onceOnly over DynamoDB', () => {
  it('runs the work once; a duplicate in flight gets 503 in_progress; a finished one is a duplicate', async () => {
    const key = freshKey();
    let runs = 0;
    let finish!: () => void;
    const first = onceOnly(store(), key, () => new Promise<number>((r) => (finish = () => r(++runs))));
    // Wait until the first delivery's claim is in the table.
    for (let i = 0; i < 50 && (await raw(key)) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    const busy = await onceOnly(store(), key, async () => ++runs).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(CallbackInProgressError);
    expect(busy).toMatchObject({ statusCode: 503, code: 'in_progress' });
    finish();
    expect(await first).toEqual({ kind: 'done', value: 1 });
    expect(await raw(key)).toMatchObject({ state: 'done', expiresAt: Math.floor(nowMs / 1000) + CALLBACK_DEDUPE_TTL_SECONDS });
    expect(await onceOnly(store(), key, async () => ++runs)).toEqual({ kind: 'duplicate' });
    expect(runs).toBe(1);
  });

  it('failed work releases its claim, so the retry runs', async () => {
    const key = freshKey();
    await expect(onceOnly(store(), key, async () => Promise.reject(new Error('queue down')))).rejects.toThrow('queue down');
    expect(await raw(key)).toBeUndefined();
    expect(await onceOnly(store(), key, async () => 'ok')).toEqual({ kind: 'done', value: 'ok' });
  });

  it('work whose invocation died is retried once its pending claim has lapsed', async () => {
    const key = freshKey();
    expect(await store().claim(key, CALLBACK_PENDING_SECONDS)).toBe('claimed'); // died after claiming
    await expect(onceOnly(store(), key, async () => 'ok')).rejects.toBeInstanceOf(CallbackInProgressError);
    nowMs += (CALLBACK_PENDING_SECONDS + 1) * 1000;
    expect(await onceOnly(store(), key, async () => 'ok')).toEqual({ kind: 'done', value: 'ok' });
  });
});

describe('the callback route over the store', () => {
  it('answers a DingTalk event whose first delivery is still pending with 503, enqueues nothing, and a duplicate after completion with the success map', async () => {
    const app = { id: 'dedupe-ding', clientId: 'dingdedupeclient', token: 'DedupeTok1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus' };
    await t.admin.addDingTalk({ id: app.id, clientId: app.clientId, clientSecret: 'dedupe-secret', token: app.token, aesKey: app.aesKey, cardApiSecret: 'dedupe-card-api-secret', apiBase: 'http://127.0.0.1:9' });
    const crypto = new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKey: app.clientId });
    const push = () => {
      const encrypt = crypto.encrypt(JSON.stringify({ EventType: 'chat_disband', eventId: 'ev-busy-1', EventTime: 1700000000000, openConversationId: 'cidBusy==' }));
      const ts = String(Date.now());
      return fetch(`${t.url}/dingtalk/${app.id}/events?msg_signature=${crypto.signature(ts, 'nb', encrypt)}&timestamp=${ts}&nonce=nb`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ encrypt }),
      });
    };
    // The first delivery of this event is in flight: its claim is pending (on the real clock).
    const live = new DynamoDedupeStore(getDocumentClient(), table);
    const key = `dingtalk:${app.id}:event:ev-busy-1`;
    expect(await live.claim(key, CALLBACK_PENDING_SECONDS)).toBe('claimed');
    const busy = await push();
    expect(busy.status).toBe(503);
    expect(await busy.json()).toEqual({ code: 'in_progress', message: expect.any(String) });
    expect(await t.drain(t.queueUrl('inbound-callbacks'), 200)).toHaveLength(0);
    // The first delivery finishes; a retry now is a duplicate: answered as success, not enqueued.
    await live.complete(key, CALLBACK_DEDUPE_TTL_SECONDS);
    const dup = await push();
    expect(dup.status).toBe(200);
    expect(crypto.decrypt(((await dup.json()) as { encrypt: string }).encrypt).message).toBe('success');
    expect(await t.drain(t.queueUrl('inbound-callbacks'), 200)).toHaveLength(0);
    // Released instead (the first delivery failed): the retry is processed and enqueued once.
    await live.release(key);
    expect((await push()).status).toBe(200);
    expect(await t.drain(t.queueUrl('inbound-callbacks'), 300)).toHaveLength(1);
  });
});
