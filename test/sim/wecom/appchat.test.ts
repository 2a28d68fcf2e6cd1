/**
 * The simulator's WeCom app group chats over HTTP (DOC-90245 create, DOC-98913 update, DOC-98914
 * get, DOC-90248 send; errcodes from DOC-90313): strict request contracts, the documented rules,
 * the per-corp switches (visible range, daily/hourly limits) and the `appchat:<chatid>` conversation.
 */
import { agentId, corpId, encodingAesKey, Harness, secret, startHarness, token, users } from './support';

const DAY_MS = 24 * 3600_000;

describe('wecom appchat (simulator)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.sim.stop());

  const create = (body: Record<string, unknown>) => h.api('appchat/create', body);
  const errcode = async (path: string, body?: unknown, query?: Record<string, string>) => (await h.api(path, body, query)).errcode as number;
  const state = async () => (await h.control('GET', `/_sim/wecom/appchats?corpId=${corpId}`)).body;

  it('creates a chat that get, the state route and the conversation show', async () => {
    expect(await create({ name: 'INC-1 war room', owner: 'zhangsan', userlist: ['zhangsan', 'LISI', 'carol'], chatid: 'inc1war' })).toMatchObject({ errcode: 0, chatid: 'inc1war' });
    // userids are case-insensitive: stored in the address book's spelling.
    expect(await h.api('appchat/get', undefined, { chatid: 'inc1war' })).toMatchObject({
      errcode: 0,
      chat_info: { chatid: 'inc1war', name: 'INC-1 war room', owner: 'zhangsan', userlist: ['zhangsan', 'lisi', 'Carol'], chat_type: 0 },
    });
    expect((await state()).appchats).toEqual([{ chatId: 'inc1war', agentId, name: 'INC-1 war room', owner: 'zhangsan', members: ['zhangsan', 'lisi', 'Carol'], messages: [] }]);
    const notice = h.sim.conversations().find((c) => c.conversation === 'appchat:inc1war');
    expect(notice).toMatchObject({ platform: 'wecom', orgId: corpId, kind: 'text', sender: 'WeCom' });
    expect(notice?.text).toContain('「INC-1 war room」');
    expect(notice?.text).toContain('zhangsan, lisi, Carol');
  });

  it('cuts a long name to 50 characters, picks an owner and a chatid when none is given', async () => {
    const name = '服务'.repeat(20) + 'x'.repeat(20); // 60 characters, 140 bytes
    const created = await create({ name, userlist: ['zhangsan', 'lisi'] });
    expect(created.errcode).toBe(0);
    expect(created.chatid).toMatch(/^[0-9a-zA-Z]{1,32}$/);
    const info = (await h.api('appchat/get', undefined, { chatid: created.chatid })).chat_info;
    expect(info.name).toBe([...name].slice(0, 50).join(''));
    // "如果不指定，系统会随机从userlist中选一人作为群主" (DOC-90245).
    expect(['zhangsan', 'lisi']).toContain(info.owner);
  });

  it('refuses what the docs refuse, with the documented errcodes', async () => {
    expect((await create({ userlist: ['zhangsan', 'lisi'], chatid: 'inc1war' })).errcode).toBe(0);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'inc1war' })).toBe(86215);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'ghost'] })).toBe(86216);
    expect(await errcode('appchat/create', { userlist: ['zhangsan'] })).toBe(86006);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'ZHANGSAN'] })).toBe(86006);
    expect(await errcode('appchat/create', { userlist: Array.from({ length: 2001 }, (_, i) => `u${i}`) })).toBe(86006);
    expect(await errcode('appchat/create', { name: 'x' })).toBe(86204);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], owner: 'Carol' })).toBe(86207);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'bad-id!' })).toBe(86001);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'a'.repeat(33) })).toBe(86205);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], name: ' ' })).toBe(86004);
    // Unknown fields are refused like every other request of the contract (CHOICE, request-schemas.ts).
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], agentid: agentId })).toBe(40058);
    expect(await errcode('appchat/create', { userlist: 'zhangsan|lisi' })).toBe(40058);
    expect((await state()).appchats).toHaveLength(1);
  });

  it('updates members, owner and name; the owner can only leave with a successor', async () => {
    await create({ name: 'INC-2', owner: 'zhangsan', userlist: ['zhangsan', 'lisi'], chatid: 'inc2' });
    expect(await errcode('appchat/update', { chatid: 'inc2', add_user_list: ['Carol'], del_user_list: ['zhangsan'] })).toBe(86203);
    expect(await errcode('appchat/update', { chatid: 'inc2', add_user_list: ['ghost'] })).toBe(86216);
    expect(await errcode('appchat/update', { chatid: 'inc2', del_user_list: ['carol'] })).toBe(86216);
    expect(await errcode('appchat/update', { chatid: 'inc2', owner: 'ghost' })).toBe(86005);
    expect(await errcode('appchat/update', { chatid: 'inc2', owner: 'carol' })).toBe(86207);
    expect(await errcode('appchat/update', { add_user_list: ['carol'] })).toBe(86201);
    expect(await errcode('appchat/update', { chatid: 'nope', add_user_list: ['carol'] })).toBe(86003);
    expect(await errcode('appchat/update', { chatid: 'inc2', name: 'y'.repeat(60) })).toBe(0);
    expect(await errcode('appchat/update', { chatid: 'inc2', owner: 'lisi', add_user_list: ['carol'], del_user_list: ['zhangsan'] })).toBe(0);
    expect((await h.api('appchat/get', undefined, { chatid: 'inc2' })).chat_info).toEqual({ chatid: 'inc2', name: 'y'.repeat(50), owner: 'lisi', userlist: ['lisi', 'Carol'], chat_type: 0 });
    const notices = h.sim.conversations().filter((c) => c.conversation === 'appchat:inc2').map((c) => c.text);
    expect(notices.at(-1)).toBe('dutybridge added Carol · removed zhangsan · owner now lisi · members: lisi, Carol');
  });

  it('posts text and markdown; refuses template_card, too long content and unknown chats', async () => {
    await create({ name: 'INC-3', owner: 'zhangsan', userlist: ['zhangsan', 'lisi'], chatid: 'inc3' });
    expect(await errcode('appchat/send', { chatid: 'inc3', msgtype: 'text', text: { content: '集合' }, safe: 0 })).toBe(0);
    expect(await errcode('appchat/send', { chatid: 'inc3', msgtype: 'markdown', markdown: { content: '**P1** payments down' } })).toBe(0);
    expect(await errcode('appchat/send', { chatid: 'inc3', msgtype: 'template_card', template_card: {} })).toBe(86220);
    expect(await errcode('appchat/send', { chatid: 'inc3', msgtype: 'markdown', markdown: { content: '字'.repeat(683) } })).toBe(40058); // 2049 bytes
    expect(await errcode('appchat/send', { chatid: 'inc3', msgtype: 'markdown', markdown: { content: 'x' }, safe: 1 })).toBe(40058);
    expect(await errcode('appchat/send', { chatid: 'nope', msgtype: 'text', text: { content: 'x' } })).toBe(86003);
    const posted = h.sim.conversations().filter((c) => c.conversation === 'appchat:inc3' && c.sender === 'dutybridge');
    expect(posted.map((c) => [c.kind, c.text])).toEqual([
      ['text', '集合'],
      ['markdown', '**P1** payments down'],
    ]);
    expect((await state()).appchats[0].messages.map((m: { msgtype: string; content: string }) => [m.msgtype, m.content])).toEqual([
      ['text', '集合'],
      ['markdown', '**P1** payments down'],
    ]);
  });

  it('lets only the app that created a chat change, read or post to it (86008)', async () => {
    await create({ userlist: ['zhangsan', 'lisi'], chatid: 'inc4' });
    const other = await h.control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId: agentId + 1, secret, token, encodingAesKey, users });
    expect(other.status).toBe(200);
    await h.refreshToken();
    expect(await errcode('appchat/get', undefined, { chatid: 'inc4' })).toBe(86008);
    expect(await errcode('appchat/update', { chatid: 'inc4', add_user_list: ['carol'] })).toBe(86008);
    expect(await errcode('appchat/send', { chatid: 'inc4', msgtype: 'text', text: { content: 'x' } })).toBe(86008);
  });

  it('answers 48002 to every appchat call while the app is not visible to the root department', async () => {
    await create({ userlist: ['zhangsan', 'lisi'], chatid: 'inc5' });
    expect((await h.control('POST', '/_sim/wecom/appchat-visibility', { corpId, visibleRange: 'not-root' })).status).toBe(200);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'] })).toBe(48002);
    expect(await errcode('appchat/update', { chatid: 'inc5', add_user_list: ['carol'] })).toBe(48002);
    expect(await errcode('appchat/get', undefined, { chatid: 'inc5' })).toBe(48002);
    expect(await errcode('appchat/send', { chatid: 'inc5', msgtype: 'text', text: { content: 'x' } })).toBe(48002);
    // Other APIs of the same app are not affected.
    expect(await errcode('user/get', undefined, { userid: 'lisi' })).toBe(0);
    expect((await h.control('POST', '/_sim/wecom/appchat-visibility', { corpId, visibleRange: 'sideways' })).status).toBe(400);
    await h.control('POST', '/_sim/wecom/appchat-visibility', { corpId, visibleRange: 'root' });
    expect(await errcode('appchat/get', undefined, { chatid: 'inc5' })).toBe(0);
  });

  it('counts creations per corp and China day, and changes per hour (limits lowered by a switch)', async () => {
    expect((await h.control('POST', '/_sim/wecom/appchat-limits', { corpId, createsPerDay: 2, changesPerHour: 1 })).body).toMatchObject({ ok: true, createsPerDay: 2, changesPerHour: 1 });
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'd1' })).toBe(0);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'd2' })).toBe(0);
    // Refused creations do not count; the excess answers 45009 (errcode UNCONFIRMED).
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'd2' })).toBe(86215);
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'd3' })).toBe(45009);
    expect((await state()).createdToday).toBe(2);
    expect(await errcode('appchat/update', { chatid: 'd1', add_user_list: ['carol'] })).toBe(0);
    expect(await errcode('appchat/update', { chatid: 'd1', del_user_list: ['carol'] })).toBe(45009);
    h.sim.clock.advance(DAY_MS);
    await h.refreshToken();
    expect(await errcode('appchat/create', { userlist: ['zhangsan', 'lisi'], chatid: 'd3' })).toBe(0);
    expect(await errcode('appchat/update', { chatid: 'd1', del_user_list: ['carol'] })).toBe(0);
    expect((await h.control('POST', '/_sim/wecom/appchat-limits', { corpId, createsPerDay: -1 })).status).toBe(400);
    expect((await h.control('GET', '/_sim/wecom/appchats?corpId=nobody')).status).toBe(404);
  });

  it('checks the query of appchat/get', async () => {
    expect(await errcode('appchat/get', undefined, {})).toBe(86201);
    expect(await errcode('appchat/get', undefined, { chatid: 'no_such!' })).toBe(86001);
    expect(await errcode('appchat/get', undefined, { chatid: 'nope' })).toBe(86003);
  });
});
