import { agentId, corpId, encodingAesKey, Harness, secret, startHarness, token } from './support';

const robotKey = 'robot-key-1';

describe('wecom group robot webhook/send', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ robots: [{ key: robotKey, name: 'Ops robot', chatId: 'opsgroup' }] });
  });
  afterEach(async () => h.sim.stop());

  const post = async (body: unknown, key = robotKey) =>
    (await (await fetch(`${h.sim.url}/cgi-bin/webhook/send?key=${key}`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, unknown>;

  it('posts text with mentioned_list / mentioned_mobile_list and markdown with inline <@userid>', async () => {
    expect(await post({ msgtype: 'text', text: { content: 'P1!', mentioned_list: ['lisi'], mentioned_mobile_list: ['13900000001'] } })).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await post({ msgtype: 'markdown', markdown: { content: '**P1** <@Carol> please look' } })).errcode).toBe(0);
    const [text, markdown] = h.sim.conversations();
    expect(text).toMatchObject({ conversation: 'group:opsgroup', kind: 'text', mentions: ['lisi', 'zhangsan'], sender: 'Ops robot' });
    expect(markdown).toMatchObject({ kind: 'markdown', mentions: ['Carol'] });
  });

  it('enforces the byte limits: text 2048 → 45002, markdown 4096 → 40058', async () => {
    expect((await post({ msgtype: 'text', text: { content: 'x'.repeat(2049) } })).errcode).toBe(45002);
    expect((await post({ msgtype: 'markdown', markdown: { content: 'x'.repeat(4096) } })).errcode).toBe(0);
    expect((await post({ msgtype: 'markdown', markdown: { content: '中'.repeat(1366) } })).errcode).toBe(40058);
  });

  it('accepts unknown mentions without mentioning anyone (the docs name no error for them)', async () => {
    expect((await post({ msgtype: 'text', text: { content: 'x', mentioned_list: ['ghost', 'lisi'], mentioned_mobile_list: ['13000000000'] } })).errcode).toBe(0);
    expect((await post({ msgtype: 'markdown', markdown: { content: '<@ghost> <@Carol>' } })).errcode).toBe(0);
    const [text, markdown] = h.sim.conversations();
    expect(text).toMatchObject({ kind: 'text', mentions: ['lisi'] });
    expect(markdown).toMatchObject({ kind: 'markdown', mentions: ['Carol'] });
  });

  it('rejects unknown keys (93000) and interactive cards', async () => {
    expect((await post({ msgtype: 'text', text: { content: 'x' } }, 'nope')).errcode).toBe(93000);
    expect((await post({ msgtype: 'template_card', template_card: { card_type: 'button_interaction' } })).errcode).toBe(40058);
    const notice = { card_type: 'text_notice', main_title: { title: 'FYI' }, card_action: { type: 1, url: 'https://example.com' } };
    expect((await post({ msgtype: 'template_card', template_card: notice })).errcode).toBe(0);
  });

  it('allows 20 messages per minute per robot, then 45009', async () => {
    for (let i = 0; i < 20; i += 1) expect((await post({ msgtype: 'text', text: { content: `m${i}` } })).errcode).toBe(0);
    expect((await post({ msgtype: 'text', text: { content: 'one too many' } })).errcode).toBe(45009);
    h.sim.clock.advance(60_000);
    expect((await post({ msgtype: 'text', text: { content: 'later' } })).errcode).toBe(0);
  });
});

describe('wecom corp reconfiguration', () => {
  it('keeps configured robots when a PUT leaves robots out, and rejects invalid config with 400', async () => {
    const h = await startHarness({ robots: [{ key: robotKey, name: 'Ops robot', chatId: 'opsgroup' }] });
    try {
      expect((await h.control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId, secret, token, encodingAesKey, callbackUrl: 'http://127.0.0.1:1/cb' })).status).toBe(200);
      const sent = await fetch(`${h.sim.url}/cgi-bin/webhook/send?key=${robotKey}`, { method: 'POST', body: JSON.stringify({ msgtype: 'text', text: { content: 'still here' } }) });
      expect(((await sent.json()) as { errcode: number }).errcode).toBe(0);
      expect((await h.control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId, secret, token, encodingAesKey: 'short' })).status).toBe(400);
      expect((await h.control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId, secret, token: 'has space', encodingAesKey })).status).toBe(400);
      expect((await h.control('PUT', `/_sim/wecom/corps/${corpId}`, { agentId: 0, secret, token, encodingAesKey })).status).toBe(400);
    } finally {
      await h.sim.stop();
    }
  });
});
