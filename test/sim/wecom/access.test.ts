import { agentId, corpId, Harness, secret, startHarness } from './support';

const text = { touser: 'lisi', msgtype: 'text', agentid: agentId, text: { content: 'hi' } };

describe('wecom access_token, trusted IP and faults', () => {
  let h: Harness;
  afterEach(async () => h.sim.stop());

  it('issues tokens with the configured TTL and rejects wrong corp or secret', async () => {
    h = await startHarness({ tokenTtlSeconds: 60 });
    const ok = (await (await fetch(`${h.sim.url}/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${secret}`)).json()) as Record<string, unknown>;
    expect(ok).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 60 });
    expect(String(ok.access_token).length).toBeGreaterThanOrEqual(32);
    const badSecret = (await (await fetch(`${h.sim.url}/cgi-bin/gettoken?corpid=${corpId}&corpsecret=nope`)).json()) as Record<string, unknown>;
    expect(badSecret.errcode).toBe(40001);
    const badCorp = (await (await fetch(`${h.sim.url}/cgi-bin/gettoken?corpid=wwother&corpsecret=${secret}`)).json()) as Record<string, unknown>;
    expect(badCorp.errcode).toBe(40013);
    h.sim.clock.advance(60_000);
    expect((await h.api('message/send', text)).errcode).toBe(42001);
  });

  it('requires the token in the URL (41001) and rejects unknown ones (40014)', async () => {
    h = await startHarness();
    const noToken = await fetch(`${h.sim.url}/cgi-bin/message/send`, { method: 'POST', body: JSON.stringify({ ...text, access_token: h.token }) });
    expect(noToken.status).toBe(200);
    expect(((await noToken.json()) as { errcode: number }).errcode).toBe(41001);
    expect(h.sim.calls().at(-1)!.reason).toMatch(/it was in the body/);
    const real = h.token;
    h.token = 'forged';
    expect((await h.api('message/send', text)).errcode).toBe(40014);
    h.token = real;
    expect((await h.api('message/send', text)).errcode).toBe(0);
  });

  it('invalidates tokens on request: invalid → 40014, expired → 42001', async () => {
    h = await startHarness();
    expect((await h.control('POST', '/_sim/wecom/tokens/invalidate', { corpId, mode: 'invalid' })).body).toEqual({ ok: true, invalidated: 1 });
    expect((await h.api('message/send', text)).errcode).toBe(40014);
    await h.refreshToken();
    await h.control('POST', '/_sim/wecom/tokens/invalidate', { corpId, mode: 'expired' });
    expect((await h.api('message/send', text)).errcode).toBe(42001);
  });

  it('enforces trusted IPs with 60020', async () => {
    h = await startHarness({ trustedIps: ['10.1.2.3'] });
    expect((await h.api('message/send', text)).errcode).toBe(60020);
    expect(h.sim.calls().at(-1)!.reason).toMatch(/127\.0\.0\.1 is not in the corp's trusted IPs/);
    await h.sim.stop();
    h = await startHarness({ trustedIps: ['127.0.0.1'] });
    expect((await h.api('message/send', text)).errcode).toBe(0);
  });

  it('applies faults: throttle next N, token-invalid, http500, timeout', async () => {
    h = await startHarness();
    await h.control('POST', '/_sim/faults', { platform: 'wecom', endpoint: 'message/send', kind: 'throttle', nextN: 2 });
    expect((await h.api('message/send', text)).errcode).toBe(45009);
    expect((await h.api('message/send', text)).errcode).toBe(45009);
    expect((await h.api('message/send', text)).errcode).toBe(0);

    await h.control('POST', '/_sim/faults', { platform: 'wecom', endpoint: '*', kind: 'token-invalid', nextN: 1 });
    expect((await h.api('message/send', text)).errcode).toBe(42001);
    expect((await h.api('message/send', text)).errcode).toBe(42001); // the token itself was revoked
    await h.refreshToken();
    expect((await h.api('message/send', text)).errcode).toBe(0);

    await h.control('POST', '/_sim/faults', { platform: 'wecom', endpoint: 'message/send', kind: 'http500', nextN: 1 });
    const failed = await fetch(`${h.sim.url}/cgi-bin/message/send?access_token=${h.token}`, { method: 'POST', body: JSON.stringify(text) });
    expect(failed.status).toBe(500);

    await h.control('POST', '/_sim/faults', { platform: 'wecom', endpoint: 'message/send', kind: 'timeout', nextN: 1 });
    const started = Date.now();
    const held = await h.api('message/send', text);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(held.errcode).toBe(-1);
    expect(h.sim.calls({ endpoint: 'message/send' }).map((c) => c.resultCode)).toEqual([45009, 45009, 0, 42001, 42001, 0, 500, -1]);
  });

  it('does not hang stop() while a timeout fault holds a response', async () => {
    h = await startHarness({}, { timeoutFaultDelayMs: 60_000 });
    await h.control('POST', '/_sim/faults', { platform: 'wecom', endpoint: '*', kind: 'timeout', nextN: 1 });
    const pending = fetch(`${h.sim.url}/cgi-bin/message/send?access_token=${h.token}`, { method: 'POST', body: JSON.stringify(text) }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await h.sim.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    await pending;
  });
});
