import { agentId, buttonCard, Harness, startHarness } from './support';

describe('wecom message/update_template_card', () => {
  let h: Harness;
  let responseCode: string;
  beforeEach(async () => {
    h = await startHarness();
    const sent = await h.api('message/send', { touser: 'zhangsan|lisi', msgtype: 'template_card', agentid: agentId, template_card: buttonCard('INC-9') });
    responseCode = sent.response_code;
  });
  afterEach(async () => h.sim.stop());

  const cardWithoutTaskId = (taskId: string) => {
    const { task_id: _taskId, ...card } = buttonCard(taskId);
    return card;
  };
  const cardOf = (userId: string) => h.sim.conversations().find((i) => i.conversation === `user:${userId}`)!.card!;

  it('greys the buttons with replace_name for the named users only and reports invaliduser as an array', async () => {
    const result = await h.api('message/update_template_card', {
      userids: ['zhangsan', 'nobody'],
      agentid: agentId,
      response_code: responseCode,
      button: { replace_name: '已处理' },
    });
    expect(result).toMatchObject({ errcode: 0, errmsg: 'ok', invaliduser: ['nobody'] });
    expect(cardOf('zhangsan')).toMatchObject({ replacedText: '已处理' });
    expect(cardOf('zhangsan').buttons.every((b) => b.disabled)).toBe(true);
    expect(cardOf('lisi').replacedText).toBeUndefined();
    // Still one item per conversation: the update replaced the card in place.
    expect(h.sim.conversations()).toHaveLength(2);
  });

  it('accepts a response_code once (60140 on reuse)', async () => {
    const body = { atall: 1, agentid: agentId, response_code: responseCode, button: { replace_name: 'done' } };
    expect((await h.api('message/update_template_card', body)).errcode).toBe(0);
    const again = await h.api('message/update_template_card', body);
    expect(again.errcode).toBe(60140);
    expect(h.sim.calls({ endpoint: 'message/update_template_card' }).at(-1)!.reason).toMatch(/already used/);
  });

  it('expires a response_code after 72 h on the simulated clock', async () => {
    h.sim.clock.advance(72 * 3600 * 1000 - 1000);
    await h.refreshToken();
    const sent = await h.api('message/send', { touser: 'lisi', msgtype: 'template_card', agentid: agentId, template_card: buttonCard('INC-10') });
    h.sim.clock.advance(1000);
    const expired = await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: responseCode, button: { replace_name: 'x' } });
    expect(expired.errcode).toBe(60140);
    expect(h.sim.calls({ endpoint: 'message/update_template_card' }).at(-1)!.reason).toMatch(/expired/);
    const fresh = await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: sent.response_code, button: { replace_name: 'x' } });
    expect(fresh.errcode).toBe(0);
  });

  it('replaces the whole card; replace_text greys the buttons', async () => {
    const result = await h.api('message/update_template_card', {
      userids: ['lisi'],
      agentid: agentId,
      response_code: responseCode,
      // DOC-94888's replacement card has no task_id: the response_code names the task.
      template_card: { ...cardWithoutTaskId('INC-9'), main_title: { title: 'INC-9 acknowledged by 李四' }, replace_text: '已确认' },
    });
    expect(result.errcode).toBe(0);
    expect(cardOf('lisi')).toMatchObject({ title: 'INC-9 acknowledged by 李四', replacedText: '已确认' });
    expect(cardOf('lisi').buttons.every((b) => b.disabled)).toBe(true);
  });

  it('rejects unknown codes, missing targets, a task_id (not in DOC-94888) or another card type, and replace_name on notices', async () => {
    expect((await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: 'forged', button: { replace_name: 'x' } })).errcode).toBe(60140);
    expect((await h.api('message/update_template_card', { agentid: agentId, response_code: responseCode, button: { replace_name: 'x' } })).errcode).toBe(40058);
    expect((await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: responseCode })).errcode).toBe(40058);
    expect(
      (await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: responseCode, template_card: buttonCard('INC-9') })).errcode,
    ).toBe(40058);
    expect(h.sim.calls({ endpoint: 'message/update_template_card' }).at(-1)!.reason).toMatch(/template_card: Unrecognized key: "task_id"/);
    expect(
      (
        await h.api('message/update_template_card', {
          atall: 1,
          agentid: agentId,
          response_code: responseCode,
          template_card: { card_type: 'text_notice', main_title: { title: 't' }, card_action: { type: 1, url: 'https://e.x' } },
        })
      ).errcode,
    ).toBe(40058);
    const notice = await h.api('message/send', {
      touser: 'lisi', msgtype: 'template_card', agentid: agentId,
      template_card: { card_type: 'text_notice', task_id: 'N-1', main_title: { title: 't' }, card_action: { type: 1, url: 'https://e.x' }, action_menu: { action_list: [{ text: 'Mute', key: 'mute' }] } },
    });
    const onNotice = await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: notice.response_code, button: { replace_name: 'x' } });
    expect(onNotice.errcode).toBe(40058);
    // Rejected updates do not consume the code.
    expect((await h.api('message/update_template_card', { atall: 1, agentid: agentId, response_code: responseCode, button: { replace_name: 'ok' } })).errcode).toBe(0);
  });
});
