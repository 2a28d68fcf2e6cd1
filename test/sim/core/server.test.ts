import { createSimulator, Simulator } from '../../../sim/server';
import { demoDingTalkApp, demoUsers, demoWeComCorp } from '../../../sim/seed';

describe('simulator server and control API', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ port: 0, seed: true, timeoutFaultDelayMs: 100 });
  });
  afterEach(async () => sim.stop());

  const json = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const wecomToken = async () =>
    ((await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${demoWeComCorp.corpId}&corpsecret=${demoWeComCorp.secret}`)).json()) as any).access_token as string;

  it('binds 127.0.0.1 on the requested port and seeds the demo corp with five people', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.context.users(demoWeComCorp.corpId)).toEqual(demoUsers);
    expect(sim.context.users(demoDingTalkApp.corpId)).toHaveLength(5);
    expect(demoUsers.map((u) => u.mobile).every((m) => /^\+86-1\d{10}$/.test(m))).toBe(true);
    expect(demoUsers.every((u) => u.email.endsWith('@example.com'))).toBe(true);
    expect(demoWeComCorp.encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(typeof (await wecomToken())).toBe('string');
  });

  it('records calls filterable by platform and endpoint', async () => {
    await wecomToken();
    await fetch(`${sim.url}/cgi-bin/user/get?userid=alice`);
    const all = await json('GET', '/_sim/calls');
    expect(all.body.calls.map((c: any) => c.endpoint)).toEqual(['gettoken', 'user/get']);
    const filtered = await json('GET', '/_sim/calls?platform=wecom&endpoint=user/get');
    expect(filtered.body.calls).toHaveLength(1);
    expect(filtered.body.calls[0]).toMatchObject({ resultCode: 41001, reason: expect.stringMatching(/access_token missing/) });
    expect((await json('GET', '/_sim/calls?platform=dingtalk')).body.calls).toEqual([]);
  });

  it('adds, lists and clears faults; rejects bad rules with 400', async () => {
    expect((await json('POST', '/_sim/faults', { platform: 'wecom', endpoint: 'gettoken', kind: 'throttle', nextN: 1 })).status).toBe(200);
    expect((await json('GET', '/_sim/faults')).body.faults).toHaveLength(1);
    const throttled = (await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${demoWeComCorp.corpId}&corpsecret=${demoWeComCorp.secret}`)).json()) as any;
    expect(throttled.errcode).toBe(45009);
    await json('POST', '/_sim/faults', { platform: 'wecom', endpoint: '*', kind: 'http500', percent: 100 });
    expect((await fetch(`${sim.url}/cgi-bin/gettoken`)).status).toBe(500);
    expect((await json('DELETE', '/_sim/faults')).status).toBe(200);
    expect((await fetch(`${sim.url}/cgi-bin/gettoken`)).status).toBe(200);
    expect((await json('POST', '/_sim/faults', { platform: 'wecom', kind: 'http500', nextN: 1 })).status).toBe(400);
    expect((await json('POST', '/_sim/faults', '{oops')).status).toBe(400);
  });

  it('advances the clock and resets state (re-seeding the demo)', async () => {
    const before = sim.clock.now();
    const advanced = await json('POST', '/_sim/clock/advance', { ms: 3_600_000 });
    expect(advanced.body.now - before).toBeGreaterThanOrEqual(3_600_000);
    expect((await json('POST', '/_sim/clock/advance', { ms: -5 })).status).toBe(400);
    const token = await wecomToken();
    await fetch(`${sim.url}/cgi-bin/message/send?access_token=${token}`, {
      method: 'POST',
      body: JSON.stringify({ touser: 'alice', msgtype: 'text', agentid: demoWeComCorp.agentId, text: { content: 'hi' } }),
    });
    expect(sim.conversations()).toHaveLength(1);
    expect((await json('POST', '/_sim/reset')).status).toBe(200);
    expect(sim.conversations()).toHaveLength(0);
    expect(sim.calls()).toHaveLength(0);
    const stale = (await (await fetch(`${sim.url}/cgi-bin/user/get?access_token=${token}&userid=alice`)).json()) as any;
    expect(stale.errcode).toBe(40014);
    expect(sim.context.users(demoWeComCorp.corpId)).toHaveLength(5);
  });

  it('serves the view and a state endpoint that only sends HTML when something changed', async () => {
    const page = await fetch(`${sim.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('WeCom 企业微信');
    expect(html).toContain('DingTalk 钉钉');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // no external assets
    const first = await json('GET', '/_sim/state');
    expect(typeof first.body.html).toBe('string');
    const unchanged = await json('GET', `/_sim/state?since=${encodeURIComponent(first.body.version)}`);
    expect(unchanged.body).toEqual({ version: first.body.version });
    await wecomToken();
    const changed = await json('GET', `/_sim/state?since=${encodeURIComponent(first.body.version)}`);
    expect(changed.body.version).not.toBe(first.body.version);
    expect(changed.body.html).toContain('gettoken');
  });

  it('answers unknown routes with 404 and validates click requests', async () => {
    expect((await fetch(`${sim.url}/nope`)).status).toBe(404);
    expect((await json('GET', '/_sim/nope')).status).toBe(404);
    expect((await json('POST', '/_sim/click', { platform: 'slack' })).status).toBe(400);
    expect((await json('POST', '/_sim/click', { platform: 'wecom', userId: 'alice', cardId: 'X' })).status).toBe(400);
    const unknownCard = await json('POST', '/_sim/click', { platform: 'wecom', userId: 'alice', cardId: 'X', buttonKey: 'k' });
    expect(unknownCard.status).toBe(404);
    expect(unknownCard.body.error).toMatch(/card X was not delivered to alice/);
  });

  it('stop() is idempotent and closes the port', async () => {
    await Promise.all([sim.stop(), sim.stop()]);
    await expect(fetch(`${sim.url}/`)).rejects.toThrow();
  });
});
