/**
 * The `lost-answer` fault: the simulator executes the call (side effects, metering, call log) and
 * then the client gets no answer — it times out or sees the connection dropped. Both platforms.
 */
import { createSimulator, Simulator } from '../../../sim/server';
import { DEMO_DINGTALK_GROUP_ID } from '../../../sim/dingtalk';
import { demoDingTalkApp, demoWeComCorp } from '../../../sim/seed';

describe('lost-answer fault', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await createSimulator({ port: 0, seed: true, timeoutFaultDelayMs: 200 });
  });
  afterEach(async () => sim.stop());

  const fault = (platform: string, endpoint: string) =>
    fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ platform, endpoint, kind: 'lost-answer', nextN: 1 }) });

  it('rejects nothing new in the rule syntax and lists the kind', async () => {
    expect((await fault('dingtalk', '*')).status).toBe(200);
    const bad = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ platform: 'wecom', endpoint: '*', kind: 'lost', nextN: 1 }) });
    expect(await bad.text()).toContain('lost-answer');
  });

  it('DingTalk: the group message is delivered and metered, the client sees the connection dropped', async () => {
    const token = ((await (await fetch(`${sim.url}/v1.0/oauth2/accessToken`, { method: 'POST', body: JSON.stringify({ appKey: demoDingTalkApp.clientId, appSecret: demoDingTalkApp.clientSecret }) })).json()) as { accessToken: string }).accessToken;
    await fault('dingtalk', 'robot/groupMessages/send');
    const send = fetch(`${sim.url}/v1.0/robot/groupMessages/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
      body: JSON.stringify({ robotCode: demoDingTalkApp.robotCode, openConversationId: DEMO_DINGTALK_GROUP_ID, msgKey: 'sampleText', msgParam: '{"content":"lost"}' }),
    });
    const started = Date.now();
    await expect(send).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // held first, like a slow network
    expect(sim.conversations().filter((item) => item.text === 'lost')).toHaveLength(1);
    const [call] = sim.calls({ platform: 'dingtalk', endpoint: 'robot/groupMessages/send' });
    expect(call).toMatchObject({ status: 200, answerLost: true, metered: true, reason: expect.stringContaining('lost-answer') });
    expect(sim.dingtalk.usage(demoDingTalkApp.clientId, sim.context).metered).toBe(1);
  });

  it('WeCom: the message is sent, the client sees the connection dropped', async () => {
    const token = ((await (await fetch(`${sim.url}/cgi-bin/gettoken?corpid=${demoWeComCorp.corpId}&corpsecret=${demoWeComCorp.secret}`)).json()) as { access_token: string }).access_token;
    await fault('wecom', 'message/send');
    const send = fetch(`${sim.url}/cgi-bin/message/send?access_token=${token}`, {
      method: 'POST',
      body: JSON.stringify({ touser: 'alice', msgtype: 'text', agentid: demoWeComCorp.agentId, text: { content: 'lost too' } }),
    });
    await expect(send).rejects.toThrow();
    expect(sim.conversations().filter((item) => item.platform === 'wecom' && item.text === 'lost too')).toHaveLength(1);
    expect(sim.calls({ platform: 'wecom', endpoint: 'message/send' })[0]).toMatchObject({ resultCode: 0, answerLost: true });
  });
});
