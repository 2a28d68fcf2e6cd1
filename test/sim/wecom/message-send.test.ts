import { agentId, buttonCard, corpId, Harness, startHarness } from './support';

describe('wecom message/send', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.sim.stop());

  it('delivers a button card, returns a response_code and reports unknown users |-joined and lower-cased', async () => {
    const result = await h.api('message/send', {
      touser: 'zhangsan|NoSuchUser|lisi|ghost',
      msgtype: 'template_card',
      agentid: agentId,
      template_card: buttonCard('INC-1-a'),
    });
    expect(result.errcode).toBe(0);
    expect(result.invaliduser).toBe('nosuchuser|ghost');
    expect(typeof result.response_code).toBe('string');
    const items = h.sim.conversations();
    expect(items.map((i) => i.conversation).sort()).toEqual(['user:lisi', 'user:zhangsan']);
    expect(items[0]!.card).toMatchObject({
      cardId: 'INC-1-a',
      title: 'P1 INC-1 API latency',
      fields: [{ key: 'Severity', value: 'P1' }],
      buttons: [
        { key: 'ack:INC-1-a', text: 'Acknowledge' },
        { key: 'resolve:INC-1-a', text: 'Resolve' },
      ],
    });
    const [record] = h.sim.calls({ endpoint: 'message/send' });
    expect(record).toMatchObject({ platform: 'wecom', resultCode: 0, status: 200 });
  });

  it('issues no response_code for a text_notice without action_menu, but does with one', async () => {
    const notice = {
      card_type: 'text_notice',
      main_title: { title: 'Heads up' },
      card_action: { type: 1, url: 'https://example.com/inc/1' },
    };
    const plain = await h.api('message/send', { touser: 'lisi', msgtype: 'template_card', agentid: agentId, template_card: notice });
    expect(plain.errcode).toBe(0);
    expect(plain.response_code).toBeUndefined();
    const withMenu = await h.api('message/send', {
      touser: 'lisi',
      msgtype: 'template_card',
      agentid: agentId,
      template_card: { ...notice, task_id: 'notice-menu-1', action_menu: { desc: 'more', action_list: [{ text: 'Mute', key: 'mute' }] } },
    });
    expect(withMenu.errcode).toBe(0);
    expect(typeof withMenu.response_code).toBe('string');
  });

  it('rejects an over-long title with 40058 and records the reason', async () => {
    const result = await h.api('message/send', {
      touser: 'lisi',
      msgtype: 'template_card',
      agentid: agentId,
      template_card: buttonCard('INC-2', { main_title: { title: '标'.repeat(37) } }),
    });
    expect(result.errcode).toBe(40058);
    expect(result.errmsg).toMatch(/^invalid Request Parameter, hint: \[.+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40058$/);
    expect(h.sim.conversations()).toHaveLength(0);
    expect(h.sim.calls({ endpoint: 'message/send' })[0]!.reason).toContain('main_title.title exceeds 36 characters');
  });

  it('rejects a reused task_id with 42014', async () => {
    const body = { touser: 'lisi', msgtype: 'template_card', agentid: agentId, template_card: buttonCard('INC-3') };
    expect((await h.api('message/send', body)).errcode).toBe(0);
    expect((await h.api('message/send', body)).errcode).toBe(42014);
  });

  it('plays the other reading of a reused task_id on request: ok, nothing delivered again, a usable response_code', async () => {
    expect((await h.control('POST', '/_sim/wecom/task-id-reuse', { corpId: 'nope', mode: 'accept' })).status).toBe(404);
    expect((await h.control('POST', '/_sim/wecom/task-id-reuse', { corpId, mode: 'deliver-again' })).status).toBe(400);
    expect((await h.control('POST', '/_sim/wecom/task-id-reuse', { corpId, mode: 'accept' })).body).toMatchObject({ ok: true, taskIdReuse: 'accept' });
    const body = { touser: 'lisi', msgtype: 'template_card', agentid: agentId, template_card: buttonCard('INC-3b') };
    const first = await h.api('message/send', body);
    const delivered: unknown[] = [];
    const original = h.sim.context.deliver;
    (h.sim.context as { deliver: typeof original }).deliver = (item) => {
      delivered.push(item);
      original(item);
    };
    const again = await h.api('message/send', { ...body, template_card: buttonCard('INC-3b', { main_title: { title: 'changed' } }) });
    (h.sim.context as { deliver: typeof original }).deliver = original;
    expect(again).toMatchObject({ errcode: 0, invaliduser: '' });
    expect(again.msgid).not.toBe(first.msgid);
    expect(delivered).toHaveLength(0);
    expect(h.sim.calls({ endpoint: 'message/send' }).at(-1)!.reason).toMatch(/reused: answered ok without delivering again \(reading "accept"\)/);
    // The card people hold is still the first one; the new code updates that task.
    expect(h.sim.conversations().find((i) => i.card?.cardId === 'INC-3b')!.card!.title).toBe('P1 INC-1 API latency');
    const update = await h.api('message/update_template_card', { userids: ['lisi'], agentid: agentId, response_code: again.response_code, button: { replace_name: 'done' } });
    expect(update.errcode).toBe(0);
    // The corp listing shows the reading; a PUT of the corp may set it too (and refuses unknown ones).
    expect((await h.control('GET', '/_sim/wecom/corps')).body.corps[0].taskIdReuse).toBe('accept');
    expect((await h.control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId, secret: 's', token: 'T1', encodingAesKey: 'a'.repeat(43), taskIdReuse: 'maybe' })).status).toBe(400);
  });

  it('sends text and markdown within 2048 bytes and rejects longer content with 45002', async () => {
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: agentId, text: { content: 'a'.repeat(2048) } })).errcode).toBe(0);
    const tooLong = await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: agentId, text: { content: '中'.repeat(683) } });
    expect(tooLong.errcode).toBe(45002);
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'markdown', agentid: agentId, markdown: { content: '**x**' } })).errcode).toBe(0);
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: agentId, text: { content: '' } })).errcode).toBe(44004);
  });

  it('checks recipients and agentid', async () => {
    expect((await h.api('message/send', { msgtype: 'text', agentid: agentId, text: { content: 'x' } })).errcode).toBe(82001);
    expect((await h.api('message/send', { touser: 'ghost', msgtype: 'text', agentid: agentId, text: { content: 'x' } })).errcode).toBe(81013);
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'text', text: { content: 'x' } })).errcode).toBe(41011);
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: 42, text: { content: 'x' } })).errcode).toBe(301002);
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: String(agentId), text: { content: 'x' } })).errcode).toBe(40056);
    const many = Array.from({ length: 1001 }, (_, i) => `u${i}`).join('|');
    expect((await h.api('message/send', { touser: many, msgtype: 'text', agentid: agentId, text: { content: 'x' } })).errcode).toBe(40058);
    const all = await h.api('message/send', { touser: '@all', msgtype: 'text', agentid: agentId, text: { content: 'x' } });
    expect(all.errcode).toBe(0);
    expect(h.sim.conversations().filter((i) => i.text === 'x')).toHaveLength(3);
  });

  it('silently drops messages beyond 30 per member per minute and logs it', async () => {
    for (let i = 0; i < 31; i += 1) {
      const result = await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: agentId, text: { content: `m${i}` } });
      expect(result.errcode).toBe(0);
    }
    expect(h.sim.conversations()).toHaveLength(30);
    const last = h.sim.calls({ endpoint: 'message/send' }).at(-1)!;
    expect(last.reason).toMatch(/per-member limit.*dropped for lisi/);
    h.sim.clock.advance(60_001);
    await h.api('message/send', { touser: 'lisi', msgtype: 'text', agentid: agentId, text: { content: 'later' } });
    expect(h.sim.conversations()).toHaveLength(31);
  });

  it('answers malformed JSON with 47001 and an unsupported msgtype with 40008', async () => {
    const response = await fetch(`${h.sim.url}/cgi-bin/message/send?access_token=${h.token}`, { method: 'POST', body: '{nope' });
    expect(((await response.json()) as { errcode: number }).errcode).toBe(47001);
    expect((await h.api('message/send', { touser: 'lisi', msgtype: 'mpnews', agentid: agentId })).errcode).toBe(40008);
  });
});
