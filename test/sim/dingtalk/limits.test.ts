import { GROUP_ID, makeHarness, request } from './support';

const groupText = { robotCode: 'dingclient0001', openConversationId: GROUP_ID, msgKey: 'sampleText', msgParam: '{"content":"hi"}' };

describe('DingTalk sim: QPS per app per API', () => {
  it('answers 403 QpsLimitForAppkeyAndApi above the configured QPS in one sim-clock second, then recovers', async () => {
    const h = makeHarness({ qps: 2 });
    await h.token();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status);
    expect(statuses).toEqual([200, 200, 403]);
    expect(h.ctx.records.at(-1)).toMatchObject({ resultCode: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', metered: false });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/more than 2 calls/);
    // Another API has its own window.
    expect((await h.api('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: groupText.robotCode, msgKey: groupText.msgKey, msgParam: groupText.msgParam, userIds: ['alice'] })).status).toBe(200);
    h.ctx.clock.advance(1000);
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(200);
    expect(h.sim.usage('dingclient0001', h.ctx).byEndpoint['robot/groupMessages/send']).toBe(3);
  });

  it('answers errcode 90018 on oapi', async () => {
    const h = makeHarness({ qps: 1 });
    await h.token();
    expect((await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13800000004' })).body.errcode).toBe(0);
    const throttled = await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13800000004' });
    expect(throttled.status).toBe(200);
    expect(throttled.body).toMatchObject({ errcode: 90018 });
  });

  it('applies an injected throttle fault', async () => {
    const h = makeHarness();
    h.ctx.faultRegistry.add({ platform: 'dingtalk', endpoint: 'robot/groupMessages/send', kind: 'throttle', nextN: 1 });
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(403);
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(200);
  });
});

describe('DingTalk sim: monthly org quota', () => {
  it('counts only successful metered calls and then answers 403 ApiCountLimitForOrg', async () => {
    const h = makeHarness({ monthlyQuota: 2, qps: 1 });
    await h.token(); // free
    await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13800000004' }); // free
    await h.api('POST', '/v1.0/robot/groupMessages/send', { ...groupText, msgKey: 'nope' }); // failed: not counted
    h.ctx.clock.advance(1000);
    await h.api('POST', '/v1.0/robot/groupMessages/send', groupText);
    await h.api('POST', '/v1.0/robot/groupMessages/send', groupText); // throttled (qps 1): not counted
    h.ctx.clock.advance(1000);
    await h.api('POST', '/v1.0/robot/groupMessages/send', groupText);
    let usage = h.sim.usage('dingclient0001', h.ctx);
    expect(usage).toMatchObject({ metered: 2, quota: 2, byEndpoint: { 'robot/groupMessages/send': 2 }, free: { 'oauth2/accessToken': 1, 'topapi/v2/user/getbymobile': 1 } });
    h.ctx.clock.advance(1000);
    const over = await h.api('POST', '/v1.0/robot/groupMessages/send', groupText);
    expect(over.status).toBe(403);
    expect(over.body.code).toBe('Forbidden.AccessDenied.ApiCountLimitForOrg');
    expect(String(over.body.message)).toContain('调用量:3次,额度:2次');
    // Free APIs still work with the quota used up.
    h.ctx.clock.advance(1000);
    expect((await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13800000004' })).body.errcode).toBe(0);
    usage = h.sim.usage('dingclient0001', h.ctx);
    expect(usage.metered).toBe(2);
    expect(h.ctx.records.filter((record) => record.metered)).toHaveLength(2);
  });

  it('resets at the start of the next month in China time', async () => {
    const h = makeHarness({ monthlyQuota: 1 });
    await h.api('POST', '/v1.0/robot/groupMessages/send', groupText);
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(403);
    h.ctx.setNow(Date.UTC(2026, 2, 31, 16, 0, 0)); // 2026-04-01 00:00 UTC+8
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(200);
    expect(h.sim.usage('dingclient0001', h.ctx).month).toBe('2026-04');
  });

  it('answers errcode 90020 on oapi under an injected quota fault', async () => {
    const h = makeHarness();
    h.ctx.faultRegistry.add({ platform: 'dingtalk', endpoint: 'topapi/v2/user/getbymobile', kind: 'quota', nextN: 1 });
    const response = await h.oapi('/topapi/v2/user/getbymobile', { mobile: '13800000004' });
    expect(response.body).toMatchObject({ errcode: 90020 });
    expect(String(response.body.errmsg)).toMatch(/本月api调用量已超过限制/);
  });

  it('exposes the counters on GET /_sim/dingtalk/apps/{clientId}/usage', async () => {
    const h = makeHarness();
    await h.api('POST', '/v1.0/robot/groupMessages/send', groupText);
    const response = await h.sim.handleControl(request('GET', '/_sim/dingtalk/apps/dingclient0001/usage'), h.ctx);
    expect(response?.status).toBe(200);
    expect(response?.body).toMatchObject({ metered: 1, quota: 5000, byEndpoint: { 'robot/groupMessages/send': 1 } });
  });
});

describe('DingTalk sim: injected faults', () => {
  it('answers HTTP 500 for http500 and 504 after holding for timeout', async () => {
    const h = makeHarness({}, { faultTimeoutMs: 5 });
    await h.token();
    h.ctx.faultRegistry.add({ platform: 'dingtalk', endpoint: '*', kind: 'http500', nextN: 1 });
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(500);
    h.ctx.faultRegistry.add({ platform: 'dingtalk', endpoint: 'robot/groupMessages/send', kind: 'timeout', nextN: 1 });
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(504);
    h.ctx.faultRegistry.add({ platform: 'dingtalk', endpoint: 'robot/groupMessages/send', kind: 'token-invalid', nextN: 1 });
    expect((await h.api('POST', '/v1.0/robot/groupMessages/send', groupText)).status).toBe(401);
  });
});
