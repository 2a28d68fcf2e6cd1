/**
 * DynamoBotStreamStore and DynamoWarRoomChatIndex on the local DynamoDB (a private test stack):
 * a msgid opens one stream (WeCom's retry gets the same one), one worker holds the lease until it
 * lapses, writes are cumulative and stop at finish, and the War Room chat index answers by chat.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoBotStreamStore } from '../../../../shared/adapters/aws/bot-stream-store';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoWarRoomChatIndex } from '../../../../shared/adapters/aws/war-room-chat-index';
import type { BotStream } from '../../../../shared/domain/smart-bot';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let table: string;
let nowMs = 1_800_000_000_000;
const store = () => new DynamoBotStreamStore(getDocumentClient(), table, () => nowMs);
let n = 0;

function fresh(): BotStream {
  n += 1;
  return { integrationId: 'wc-bot', streamId: `s${n}-${Math.random().toString(36).slice(2)}`, msgid: `m${n}`, userId: 'zhangsan', chatType: 'single', createdAt: nowMs, updatedAt: nowMs, content: '', finished: false, queued: false };
}

beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
});
afterAll(async () => t?.stop());

describe('DynamoBotStreamStore', () => {
  it('opens a stream once: the second open returns the stored one, not the caller copy', async () => {
    const stream = fresh();
    expect(await store().open(stream)).toEqual({ stream, created: true });
    await store().write(stream.integrationId, stream.streamId, 'partial', false);
    const again = await store().open({ ...stream, content: 'other' });
    expect(again.created).toBe(false);
    expect(again.stream.content).toBe('partial');
    const raw = await getDocumentClient().send(new GetCommand({ TableName: table, Key: { pk: `BOTSTREAM#wc-bot#${stream.streamId}`, sk: 'META' } }));
    expect(raw.Item?.expiresAt).toBe(Math.floor(nowMs / 1000) + 86_400);
  });

  it('records the queued job', async () => {
    const stream = fresh();
    await store().open(stream);
    await store().markQueued(stream.integrationId, stream.streamId);
    expect((await store().get(stream.integrationId, stream.streamId))?.queued).toBe(true);
    await expect(store().markQueued('wc-bot', 'absent')).resolves.toBeUndefined();
  });

  it('leases a stream to one holder until the lease lapses; the holder may claim again', async () => {
    const stream = fresh();
    await store().open(stream);
    expect(await store().claim(stream.integrationId, stream.streamId, 'a', nowMs + 10_000)).toBe(true);
    expect(await store().claim(stream.integrationId, stream.streamId, 'b', nowMs + 10_000)).toBe(false);
    expect(await store().claim(stream.integrationId, stream.streamId, 'a', nowMs + 20_000)).toBe(true);
    nowMs += 20_001;
    expect(await store().claim(stream.integrationId, stream.streamId, 'b', nowMs + 10_000)).toBe(true);
    expect(await store().claim('wc-bot', 'absent', 'a', nowMs + 1)).toBe(false);
  });

  it('writes cumulative content and never changes a finished stream, nor leases it', async () => {
    const stream = fresh();
    await store().open(stream);
    await store().write(stream.integrationId, stream.streamId, 'one', false);
    await store().write(stream.integrationId, stream.streamId, 'one two', true);
    await store().write(stream.integrationId, stream.streamId, 'late', false);
    const stored = await store().get(stream.integrationId, stream.streamId);
    expect(stored).toMatchObject({ content: 'one two', finished: true });
    expect(await store().claim(stream.integrationId, stream.streamId, 'c', nowMs + 10_000)).toBe(false);
    await expect(store().write('wc-bot', 'absent', 'x', true)).resolves.toBeUndefined();
    expect(await store().get('wc-bot', 'absent')).toBeUndefined();
  });
});

describe('DynamoWarRoomChatIndex', () => {
  it('answers the incident of a remembered chat, per integration', async () => {
    const index = new DynamoWarRoomChatIndex(getDocumentClient(), table);
    await index.remember('wc-a', 'chat1', 'INC-1');
    expect(await index.incidentFor('wc-a', 'chat1')).toBe('INC-1');
    expect(await index.incidentFor('wc-b', 'chat1')).toBeUndefined();
    expect(await index.incidentFor('wc-a', 'chat2')).toBeUndefined();
  });
});
