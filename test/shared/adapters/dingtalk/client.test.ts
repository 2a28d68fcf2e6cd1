import {
  DingTalkPermanentError,
  DingTalkQuotaExhaustedError,
  DingTalkRetryableError,
  DingTalkThrottledError,
} from '../../../../shared/adapters/dingtalk/errors';
import { incidentCardParams } from '../../../../shared/domain/dingtalk-card';
import { groupMarkdownMessage } from '../../../../shared/domain/dingtalk-card';
import { DingTalkClient } from '../../../../shared/adapters/dingtalk/client';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../../shared/application/token-provider';
import { COOL_APP, COOL_GROUP, GROUP, startSimApp, type SimApp } from './sim-app';

let app: SimApp;
beforeAll(async () => {
  app = await startSimApp({ timeoutMs: 300, timeoutFaultDelayMs: 1000 });
});
afterAll(() => app.stop());
afterEach(async () => {
  await fetch(`${app.sim.url}/_sim/faults`, { method: 'DELETE' });
});

const NOW = Date.now();
const card = (status: 'Triggered' | 'Processing' = 'Triggered') =>
  incidentCardParams(
    { incidentId: 'inc-1', version: 1, revision: 1, title: 'P1 DB down', severity: 'Critical', description: 'quorum lost', labels: {}, responders: [], targets: [], status, triggeredAt: NOW, updatedAt: NOW },
    NOW,
  );

describe('DingTalkClient against the simulator', () => {
  it('registers the card route, delivers to a group and a person, and updates by key', async () => {
    await app.client.registerCardCallback({ routeKey: 'dutybridge', callbackUrl: 'http://127.0.0.1:9/dingtalk/x/cards', apiSecret: 'secret-123', forceUpdate: false });
    const delivered = await app.client.createAndDeliverCard({
      outTrackId: 'inc-1-v1',
      cardTemplateId: 'tpl.schema',
      callbackRouteKey: 'dutybridge',
      cardParamMap: card(),
      targets: [{ type: 'group', openConversationId: GROUP }, { type: 'user', userId: 'alice' }],
      atUserIds: { bob: 'Bob' },
    });
    expect(delivered.deliverResults.map((r) => [r.spaceType, r.success])).toEqual([
      ['IM_GROUP', true],
      ['IM_ROBOT', true],
    ]);
    const created = app.sim.dingtalk.card('inc-1-v1');
    expect(created?.callbackRouteKey).toBe('dutybridge');
    expect(created?.publicData.title).toBe('P1 DB down');

    await app.client.updateCard({ outTrackId: 'inc-1-v1', cardParamMap: { status: 'Processing' }, updateByKey: true });
    const updated = app.sim.dingtalk.card('inc-1-v1');
    expect(updated?.publicData.status).toBe('Processing');
    expect(updated?.publicData.title).toBe('P1 DB down'); // merged, not overwritten
    const calls = app.sim.calls().filter((c) => c.endpoint === 'card/instances');
    expect((calls.at(-1)?.requestBody as { cardUpdateOptions: unknown }).cardUpdateOptions).toEqual({ updateCardDataByKey: true, updatePrivateDataByKey: true });
  });

  it('a card that reaches no space is a permanent failure', async () => {
    await expect(app.client.createAndDeliverCard({ outTrackId: 'inc-x', cardTemplateId: 't', cardParamMap: { title: 'x' }, targets: [{ type: 'user', userId: 'nobody' }] })).rejects.toBeInstanceOf(DingTalkPermanentError);
  });

  it('sends group messages (with coolAppCode where the cool app brought the robot) and 1:1 batches', async () => {
    const message = groupMarkdownMessage({ title: 'P1', text: 'DB down @bob' });
    await app.client.sendGroupMessage({ openConversationId: GROUP, ...message });
    const texts = app.sim.conversations().filter((c) => c.conversation === `group:${GROUP}` && c.kind === 'markdown');
    // groupMessages/send has no @ fields (SDK OrgGroupSendRequest): an @ in the text mentions nobody.
    expect(texts.at(-1)?.mentions ?? []).toEqual([]);
    await expect(app.client.sendGroupMessage({ openConversationId: COOL_GROUP, msgKey: 'sampleText', msgParam: '{"content":"x"}' })).rejects.toBeInstanceOf(DingTalkPermanentError);
    await app.client.sendGroupMessage({ openConversationId: COOL_GROUP, coolAppCode: COOL_APP, msgKey: 'sampleText', msgParam: '{"content":"x"}' });
    const batch = await app.client.batchSendOto({ userIds: ['alice', 'ghost'], msgKey: 'sampleText', msgParam: '{"content":"hi"}' });
    expect(batch.invalidUserIds).toEqual(['ghost']);
    await expect(app.client.batchSendOto({ userIds: Array.from({ length: 21 }, (_, i) => `u${i}`), msgKey: 'sampleText', msgParam: '{}' })).rejects.toBeInstanceOf(DingTalkPermanentError);
  });

  it('looks users up by mobile (free) and answers undefined for unknown numbers', async () => {
    const before = await app.usage();
    expect(await app.client.getUserIdByMobile('13800000005')).toBe('bob');
    expect(await app.client.getUserIdByMobile('13999999999')).toBeUndefined();
    expect((await app.usage()).metered).toBe(before.metered);
  });

  it('403 QpsLimit → DingTalkThrottledError; quota → DingTalkQuotaExhaustedError; 5xx and timeouts → retryable', async () => {
    const send = () => app.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"x"}' });
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'throttle', nextN: 1 });
    const throttled = await send().catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(DingTalkThrottledError);
    expect((throttled as DingTalkThrottledError).httpStatus).toBe(403);
    expect((throttled as DingTalkThrottledError).retryAfterMs).toBeGreaterThanOrEqual(1000);

    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'quota', nextN: 1 });
    await expect(send()).rejects.toBeInstanceOf(DingTalkQuotaExhaustedError);

    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'http500', nextN: 1 });
    const busy = await send().catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(DingTalkRetryableError);
    expect((busy as DingTalkRetryableError).answered).toBe(true);

    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'timeout', nextN: 1 });
    const late = await send().catch((e: unknown) => e);
    expect(late).toBeInstanceOf(DingTalkRetryableError);
    expect((late as DingTalkRetryableError).answered).toBe(false);

    await app.fault({ endpoint: 'topapi/v2/user/getbymobile', kind: 'http500', nextN: 1 });
    await expect(app.client.getUserIdByMobile('13800000005')).rejects.toBeInstanceOf(DingTalkRetryableError);
  });

  it('real QPS throttling by the simulator surfaces as throttled', async () => {
    const small = await startSimApp({ qps: 2 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => small.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"x"}' })));
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(DingTalkThrottledError);
    } finally {
      await small.stop();
    }
  });

  it('the real monthly quota surfaces as DingTalkQuotaExhaustedError', async () => {
    const tiny = await startSimApp({ monthlyQuota: 1 });
    try {
      const send = () => tiny.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"x"}' });
      await send();
      await expect(send()).rejects.toBeInstanceOf(DingTalkQuotaExhaustedError);
    } finally {
      await tiny.stop();
    }
  });

  it('an invalid token is invalidated, refreshed once, and the call repeated', async () => {
    await app.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"warm"}' }); // token cached
    const tokenCallsBefore = app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length;
    await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'token-invalid', nextN: 1 });
    await app.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"after refresh"}' });
    const tokenCalls = app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length;
    expect(tokenCalls).toBe(tokenCallsBefore + 1);
    const sends = app.sim.calls().filter((c) => c.endpoint === 'robot/groupMessages/send').slice(-2);
    expect(sends.map((c) => c.status)).toEqual([401, 200]);
  });

  it.each([401, 400] as const)('a bad token answered as HTTP %i is refreshed once and the call repeated once', async (status) => {
    app.sim.dingtalk.setSwitches({ invalidTokenStatus: status });
    try {
      await app.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"warm"}' });
      const tokenCallsBefore = app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length;
      await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'token-invalid', nextN: 1 });
      await app.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"after refresh"}' });
      expect(app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length).toBe(tokenCallsBefore + 1);
      const sends = app.sim.calls().filter((c) => c.endpoint === 'robot/groupMessages/send').slice(-2);
      expect(sends.map((c) => [c.status, c.resultCode])).toEqual([[status, 'InvalidAuthentication'], [200, 'ok']]);
      // Twice in a row: one refresh, one retry, then the token error surfaces.
      await app.fault({ endpoint: 'robot/groupMessages/send', kind: 'token-invalid', nextN: 2 });
      await expect(app.client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"x"}' })).rejects.toMatchObject({ kind: 'token', httpStatus: status });
      expect(app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length).toBe(tokenCallsBefore + 2);
    } finally {
      app.sim.dingtalk.setSwitches({ invalidTokenStatus: 401 });
    }
  });

  it.each(['ignore', 'reject'] as const)('createAndDeliver with an existing outTrackId (reading %s) is delivered, not a failure', async (reading) => {
    app.sim.dingtalk.setSwitches({ existingOutTrackId: reading });
    try {
      const input = { outTrackId: `again-${reading}`, cardTemplateId: 'tpl.schema', cardParamMap: card(), targets: [{ type: 'user' as const, userId: 'alice' }] };
      expect((await app.client.createAndDeliverCard(input)).alreadyExisted).toBeUndefined();
      const again = await app.client.createAndDeliverCard(input);
      expect(again.outTrackId).toBe(input.outTrackId);
      expect(again.alreadyExisted).toBe(reading === 'reject' ? true : undefined);
      expect(app.sim.calls().filter((c) => c.endpoint === 'card/instances/createAndDeliver').at(-1)?.resultCode).toBe(reading === 'reject' ? 'param.cardAlreadyExist' : 'ok');
    } finally {
      app.sim.dingtalk.setSwitches({ existingOutTrackId: 'ignore' });
    }
  });

  it('two token failures in a row are not retried forever', async () => {
    await app.fault({ endpoint: 'card/instances', kind: 'token-invalid', nextN: 2 });
    await expect(app.client.updateCard({ outTrackId: 'inc-1-v1', cardParamMap: { status: 'x' }, updateByKey: true })).rejects.toMatchObject({ kind: 'token' });
  });

  it('a wrong client secret is a permanent error, not a token loop', async () => {
    const wrong = new DingTalkClient(
      { clientId: 'dingclienttest', clientSecret: 'nope', apiBase: app.sim.url, oapiBase: app.sim.url, robotCode: 'dingclienttest' },
      { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore(), maxWaitMs: 50 }) },
    );
    const before = app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length;
    const error = await wrong.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleText', msgParam: '{"content":"x"}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DingTalkPermanentError);
    expect((error as Error).message).toContain('invalidClientIdOrSecret');
    expect(app.sim.calls().filter((c) => c.endpoint === 'oauth2/accessToken').length).toBe(before + 1);
  });
});
