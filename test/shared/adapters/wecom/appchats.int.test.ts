/**
 * WeComClientAppChats (the War Room's WeCom group chats) against the running simulator, built the
 * way the functions build it: the integration from the state table, its secret from Secrets
 * Manager, tokens cached in DynamoDB (local stack). Failures arrive as classified WeComApiErrors.
 */
import { createSimulator, type Simulator } from '../../../../sim/server';
import type { ConversationItem } from '../../../../sim/core/contract';
import { getDocumentClient, getSecretsManagerClient } from '../../../../shared/adapters/aws/clients';
import { DynamoAccessTokenStore } from '../../../../shared/adapters/aws/access-token-store';
import { DynamoIntegrationRepository } from '../../../../shared/adapters/aws/integration-repository';
import { SecretsManagerIntegrationSecrets } from '../../../../shared/adapters/aws/secrets';
import { WeComClientAppChats } from '../../../../shared/adapters/wecom/appchats';
import { WeComApiError, WeComPermanentError, WeComThrottledError } from '../../../../shared/adapters/wecom/errors';
import type { WeComAppChats } from '../../../../shared/application/war-room-ports';
import { TokenProvider } from '../../../../shared/application/token-provider';
import type { WeComIntegration } from '../../../../shared/domain/integration';
import { startTestStack, type TestStack } from '../../../support/stack';
import { addWeComIntegration, putSimWeComCorp } from '../../../support/wecom-corp';

jest.setTimeout(60_000);

const ID = 'warroom-wecom';
const corp = { corpId: 'wwwarroomcorp1', agentId: 1000014, secret: 'warroom-app-secret', token: 'WarRoomToken1', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const users = [
  { userId: 'ZhangSan', name: '张三', mobile: '+86-13800000101', email: 'zhangsan@example.com' },
  { userId: 'lisi', name: '李四', mobile: '+86-13800000102', email: 'lisi@example.com' },
  { userId: 'wangwu', name: '王五', mobile: '+86-13800000103', email: 'wangwu@example.com' },
];

let t: TestStack;
let sim: Simulator;
let chats: WeComAppChats;

/** The failure a call throws (the test fails when it does not throw). */
async function failure(call: () => Promise<unknown>): Promise<WeComApiError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof WeComApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const conversation = (chatId: string) => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.conversation === `appchat:${chatId}`);

beforeAll(async () => {
  t = await startTestStack();
  sim = await createSimulator({ port: 0 });
  expect(await putSimWeComCorp(sim, corp, { users })).toBe(200);
  await addWeComIntegration(t, sim, { id: ID, corp });
  const table = t.stack.env.STATE_TABLE_NAME;
  const integration = (await new DynamoIntegrationRepository(getDocumentClient(), table).get(ID)) as WeComIntegration;
  const factory = new WeComClientAppChats(new SecretsManagerIntegrationSecrets(getSecretsManagerClient()), new TokenProvider({ store: new DynamoAccessTokenStore(getDocumentClient(), table) }));
  chats = await factory.forIntegration(integration);
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

describe('WeComClientAppChats against the simulator', () => {
  it('creates a chat; get shows its name, owner and members', async () => {
    expect(await chats.create({ chatId: 'inc101', name: 'P1 payments-api 5xx', owner: 'ZhangSan', userIds: ['ZhangSan', 'lisi', 'LISI'] })).toEqual({ chatId: 'inc101' });
    expect(await chats.get('inc101')).toEqual({ chatId: 'inc101', name: 'P1 payments-api 5xx', owner: 'ZhangSan', userIds: ['ZhangSan', 'lisi'] });
    expect(await chats.get('neverCreated')).toBeUndefined();
  });

  it('creating the same chatid again is a permanent 86215 (the caller reads the chat instead)', async () => {
    const error = await failure(() => chats.create({ chatId: 'inc101', name: 'again', owner: 'lisi', userIds: ['lisi', 'wangwu'] }));
    expect(error).toBeInstanceOf(WeComPermanentError);
    expect(error).toMatchObject({ kind: 'permanent', endpoint: 'appchat/create', errcode: 86215 });
    expect(error.reason).toContain('already exists');
    expect((await chats.get('inc101'))?.name).toBe('P1 payments-api 5xx');
  });

  it('cuts a long name to 50 characters with an ellipsis before sending', async () => {
    await chats.create({ chatId: 'inc102', name: '支付服务故障'.repeat(12), owner: 'lisi', userIds: ['lisi', 'wangwu'] });
    const name = (await chats.get('inc102'))!.name;
    expect([...name]).toHaveLength(50);
    expect(name.endsWith('…')).toBe(true);
  });

  it('adds and removes members, handing the owner role over', async () => {
    await chats.update({ chatId: 'inc101', addUserIds: ['wangwu'] });
    expect((await chats.get('inc101'))?.userIds).toEqual(['ZhangSan', 'lisi', 'wangwu']);
    const ownerLeaves = await failure(() => chats.update({ chatId: 'inc101', removeUserIds: ['ZhangSan'] }));
    expect(ownerLeaves).toMatchObject({ kind: 'permanent', errcode: 86203 });
    await chats.update({ chatId: 'inc101', removeUserIds: ['ZhangSan'], owner: 'lisi' });
    expect(await chats.get('inc101')).toEqual({ chatId: 'inc101', name: 'P1 payments-api 5xx', owner: 'lisi', userIds: ['lisi', 'wangwu'] });
  });

  it('posts markdown that shows in the conversation; content over 2048 bytes is cut, not refused', async () => {
    await chats.sendMarkdown({ chatId: 'inc101', content: '**P1** payments-api 5xx\n> acknowledged by <font color="info">李四</font>' });
    await chats.sendMarkdown({ chatId: 'inc101', content: '日志'.repeat(400) }); // 2400 bytes
    const posted = conversation('inc101').filter((i) => i.kind === 'markdown');
    expect(posted.map((i) => i.sender)).toEqual(['dutybridge', 'dutybridge']);
    expect(posted[0]?.text).toBe('**P1** payments-api 5xx\n> acknowledged by <font color="info">李四</font>');
    expect(Buffer.byteLength(posted[1]!.text!, 'utf8')).toBeLessThanOrEqual(2048);
    expect(posted[1]?.text?.endsWith('…')).toBe(true);
  });

  it('an unknown member is a permanent 86216', async () => {
    const error = await failure(() => chats.create({ chatId: 'inc103', name: 'x', owner: 'lisi', userIds: ['lisi', 'ghost'] }));
    expect(error).toMatchObject({ kind: 'permanent', errcode: 86216 });
    expect(error.reason).toContain('address book');
    expect(await failure(() => chats.update({ chatId: 'inc101', addUserIds: ['ghost'] }))).toMatchObject({ errcode: 86216 });
  });

  it('an app not visible to the root department gets 48002 with the reason an admin can act on', async () => {
    const res = await fetch(`${sim.url}/_sim/wecom/appchat-visibility`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: corp.corpId, visibleRange: 'not-root' }) });
    expect(res.status).toBe(200);
    try {
      const error = await failure(() => chats.create({ chatId: 'inc104', name: 'x', owner: 'lisi', userIds: ['lisi', 'wangwu'] }));
      expect(error).toBeInstanceOf(WeComPermanentError);
      expect(error).toMatchObject({ errcode: 48002, endpoint: 'appchat/create' });
      expect(error.reason).toContain('visible range is the root department (应用可见范围需为根部门): set it in the admin console');
      // get does not hide the configuration error as "no such chat".
      expect(await failure(() => chats.get('inc101'))).toMatchObject({ errcode: 48002 });
    } finally {
      await fetch(`${sim.url}/_sim/wecom/appchat-visibility`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: corp.corpId, visibleRange: 'root' }) });
    }
  });

  it('the daily creation limit is a throttled failure (45009, errcode UNCONFIRMED), not a permanent one', async () => {
    const post = (body: unknown) => fetch(`${sim.url}/_sim/wecom/appchat-limits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ corpId: corp.corpId, createsPerDay: 0 })).status).toBe(200);
    try {
      const error = await failure(() => chats.create({ chatId: 'inc105', name: 'x', owner: 'lisi', userIds: ['lisi', 'wangwu'] }));
      expect(error).toBeInstanceOf(WeComThrottledError);
      expect(error).toMatchObject({ kind: 'throttled', errcode: 45009 });
      expect(error.reason).toContain('1000 new group chats per company a day');
    } finally {
      await post({ corpId: corp.corpId, createsPerDay: 1000 });
    }
  });

  it('sends only what the documented contract allows (the simulator refused nothing else)', () => {
    const refused = sim
      .calls({ platform: 'wecom' })
      .filter((c) => String(c.endpoint).startsWith('appchat/') && c.resultCode !== 0)
      .map((c) => Number(c.resultCode));
    // 86003: get of a chat never created; 86215, 86203, 86216 ×2, 48002 ×2, 45009: the failures above.
    expect(refused.sort()).toEqual([45009, 48002, 48002, 86003, 86203, 86215, 86216, 86216].sort());
  });
});
