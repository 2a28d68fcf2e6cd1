import { COOL_GROUP_ID, GROUP_ID, makeHarness, request } from './support';

const cardBase = (overrides: Record<string, unknown> = {}) => ({
  cardTemplateId: 'tpl.incident',
  outTrackId: 'inc-1-v1',
  callbackType: 'HTTP',
  callbackRouteKey: 'route1',
  cardData: { cardParamMap: { title: 'DB down', severity: 'P1', status: 'OPEN', buttons: JSON.stringify([{ key: 'ack', text: 'Acknowledge' }]) } },
  openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID};IM_ROBOT.alice`,
  imGroupOpenDeliverModel: { robotCode: 'dingclient0001', atUserIds: { alice: 'Alice', carol: 'Carol' } },
  imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
  ...overrides,
});

async function withRoute(h: ReturnType<typeof makeHarness>) {
  await h.api('POST', '/v1.0/card/callbacks/register', { callbackRouteKey: 'route1', callbackUrl: 'http://127.0.0.1:1/card', apiSecret: 's3cret', forceUpdate: false });
}

describe('DingTalk sim: access token', () => {
  it('issues a token for valid credentials and returns the same one while it is valid', async () => {
    const h = makeHarness();
    const first = await h.sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: 'dingclient0001', appSecret: 'client-secret-0001' }), h.ctx);
    const second = await h.sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: 'dingclient0001', appSecret: 'client-secret-0001' }), h.ctx);
    expect(first?.status).toBe(200);
    expect(first?.body).toEqual({ accessToken: expect.any(String), expireIn: 7200 });
    expect((second?.body as { accessToken: string }).accessToken).toBe((first?.body as { accessToken: string }).accessToken);
  });

  it('rejects a wrong secret with 400 invalidClientIdOrSecret and records why', async () => {
    const h = makeHarness();
    const response = await h.sim.handle(request('POST', '/v1.0/oauth2/accessToken', { appKey: 'dingclient0001', appSecret: 'nope' }), h.ctx);
    expect(response?.status).toBe(400);
    expect(response?.body).toMatchObject({ code: 'invalidClientIdOrSecret', requestid: expect.any(String) });
    expect(h.ctx.records.at(-1)).toMatchObject({ endpoint: 'oauth2/accessToken', status: 400, reason: 'appSecret does not match the app', metered: false });
  });

  it('rejects calls without or with an expired token (401 InvalidAuthentication)', async () => {
    const h = makeHarness();
    const missing = await h.sim.handle(request('POST', '/v1.0/robot/oToMessages/batchSend', {}), h.ctx);
    expect(missing?.status).toBe(401);
    expect(missing?.body).toMatchObject({ code: 'InvalidAuthentication' });
    const token = await h.token();
    h.ctx.clock.advance(7200_000);
    const expired = await h.sim.handle(request('POST', '/v1.0/robot/oToMessages/batchSend', {}, { 'x-acs-dingtalk-access-token': token }), h.ctx);
    expect(expired?.status).toBe(401);
    expect(h.ctx.records.at(-1)?.reason).toMatch(/expired/);
  });

  it('answers 404 InvalidAction.NotFound for an unknown /v1.0 path and ignores foreign paths', async () => {
    const h = makeHarness();
    const response = await h.api('POST', '/v1.0/im/interactiveCards/send', {});
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('InvalidAction.NotFound');
    expect(await h.sim.handle(request('POST', '/cgi-bin/message/send', {}), h.ctx)).toBeUndefined();
  });
});

describe('DingTalk sim: robot messages', () => {
  it('batchSend delivers to 1:1 chats and lists unknown userIds as invalid', async () => {
    const h = makeHarness();
    const response = await h.api('POST', '/v1.0/robot/oToMessages/batchSend', {
      robotCode: 'dingclient0001',
      userIds: ['alice', 'ghost'],
      msgKey: 'sampleMarkdown',
      msgParam: JSON.stringify({ title: 'Incident', text: '**DB down**' }),
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ processQueryKey: expect.any(String), invalidStaffIdList: ['ghost'], flowControlledStaffIdList: [] });
    expect(h.ctx.delivered).toEqual([expect.objectContaining({ conversation: 'user:alice', kind: 'markdown', text: '**DB down**' })]);
  });

  it('batchSend rejects more than 20 userIds, an object msgParam and a foreign robotCode', async () => {
    const h = makeHarness();
    const many = await h.api('POST', '/v1.0/robot/oToMessages/batchSend', {
      robotCode: 'dingclient0001',
      userIds: Array.from({ length: 21 }, (_, i) => `u${i}`),
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: 'x' }),
    });
    expect(many.status).toBe(400);
    expect(many.body.code).toBe('invalidParameter.userIds.overMax');
    const objectParam = await h.api('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: 'dingclient0001', userIds: ['alice'], msgKey: 'sampleText', msgParam: { content: 'x' } });
    expect(objectParam.body.code).toBe('invalidParameter.typeMismatch');
    expect(h.ctx.records.at(-1)?.reason).toMatch(/msgParam must be string, got object/);
    const foreign = await h.api('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: 'other', userIds: ['alice'], msgKey: 'sampleText', msgParam: '{"content":"x"}' });
    expect(foreign.body.code).toBe('invalidParameter.robotCode.auth');
    expect(h.ctx.delivered).toHaveLength(0);
  });

  it('groupMessages/send has no @ fields (OrgGroupSendRequest): they are refused, and an "@…" in the text mentions nobody', async () => {
    const h = makeHarness();
    const base = { robotCode: 'dingclient0001', openConversationId: GROUP_ID, msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'P1 @alice please look' }) };
    const withAt = await h.api('POST', '/v1.0/robot/groupMessages/send', { ...base, atUserIds: ['alice', 'bob'], atMobiles: ['13800000005'] });
    expect(withAt.status).toBe(400);
    expect(withAt.body.code).toBe('invalidParameter.unknownField');
    expect(h.ctx.records.at(-1)?.reason).toMatch(/atUserIds is not a field of robot_1_0\.OrgGroupSendRequest; atMobiles is not a field/);
    expect(h.ctx.delivered).toHaveLength(0);
    const plain = await h.api('POST', '/v1.0/robot/groupMessages/send', base);
    expect(plain.status).toBe(200);
    expect(h.ctx.delivered.at(-1)).toMatchObject({ conversation: `group:${GROUP_ID}`, kind: 'text', text: 'P1 @alice please look', mentions: [] });
  });

  it('groupMessages/send rejects a msgParam over 15000 bytes', async () => {
    const h = makeHarness();
    const response = await h.api('POST', '/v1.0/robot/groupMessages/send', {
      robotCode: 'dingclient0001',
      openConversationId: GROUP_ID,
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: '故'.repeat(5000) }),
    });
    expect(response.status).toBe(400);
    expect(h.ctx.records.at(-1)?.reason).toMatch(/15000/);
  });

  it('groupMessages/send requires the coolAppCode in a cool-app group and refuses it elsewhere', async () => {
    const h = makeHarness();
    const base = { robotCode: 'dingclient0001', msgKey: 'sampleText', msgParam: '{"content":"hi"}' };
    const missing = await h.api('POST', '/v1.0/robot/groupMessages/send', { ...base, openConversationId: COOL_GROUP_ID });
    expect(missing.body.code).toBe('invalidParameter.robotCode.coolApp');
    const wrong = await h.api('POST', '/v1.0/robot/groupMessages/send', { ...base, openConversationId: COOL_GROUP_ID, coolAppCode: 'COOLAPP-other' });
    expect(wrong.body.code).toBe('invalidParameter.robotCode.coolApp');
    const ok = await h.api('POST', '/v1.0/robot/groupMessages/send', { ...base, openConversationId: COOL_GROUP_ID, coolAppCode: 'COOLAPP-1-ABC' });
    expect(ok.status).toBe(200);
    const stray = await h.api('POST', '/v1.0/robot/groupMessages/send', { ...base, openConversationId: GROUP_ID, coolAppCode: 'COOLAPP-1-ABC' });
    expect(stray.body.code).toBe('invalidParameter.robotCode.coolApp');
  });
});

describe('DingTalk sim: cards', () => {
  it('callbacks/register is insert-if-absent unless forceUpdate', async () => {
    const h = makeHarness();
    await withRoute(h);
    const again = await h.api('POST', '/v1.0/card/callbacks/register', { callbackRouteKey: 'route1', callbackUrl: 'http://127.0.0.1:2/new', apiSecret: 'other', forceUpdate: false });
    expect(again.body).toEqual({ success: true, result: { callbackUrl: 'http://127.0.0.1:1/card', apiSecret: 's3cret' } });
    const forced = await h.api('POST', '/v1.0/card/callbacks/register', { callbackRouteKey: 'route1', callbackUrl: 'http://127.0.0.1:2/new', apiSecret: 'other', forceUpdate: true });
    expect(forced.body).toEqual({ success: true, result: { callbackUrl: 'http://127.0.0.1:2/new', apiSecret: 'other' } });
    const withQuery = await h.api('POST', '/v1.0/card/callbacks/register', { callbackRouteKey: 'r2', callbackUrl: 'http://127.0.0.1:2/x?a=1' });
    expect(withQuery.status).toBe(400);
  });

  it('createAndDeliver renders the card into the group and the 1:1 chat with member-only mentions', async () => {
    const h = makeHarness();
    await withRoute(h);
    const response = await h.api('POST', '/v1.0/card/instances/createAndDeliver', cardBase());
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      success: true,
      result: { outTrackId: 'inc-1-v1', deliverResults: [expect.objectContaining({ spaceType: 'IM_GROUP', success: true }), expect.objectContaining({ spaceType: 'IM_ROBOT', success: true })] },
    });
    const group = h.ctx.delivered.find((item) => item.conversation === `group:${GROUP_ID}`);
    expect(group).toMatchObject({ kind: 'card', mentions: ['alice'] });
    expect(group?.card).toEqual({
      cardId: 'inc-1-v1',
      title: 'DB down',
      fields: [{ key: 'severity', value: 'P1' }, { key: 'status', value: 'OPEN' }],
      buttons: [{ key: 'ack', text: 'Acknowledge' }],
    });
    expect(h.ctx.delivered.some((item) => item.conversation === 'user:alice')).toBe(true);
    expect(h.ctx.records.at(-1)?.reason).toMatch(/@carol is not a member/);
  });

  it('rejects an unregistered route key, non-string values, oversized values/keys and bad openSpaceIds', async () => {
    const h = makeHarness();
    const unregistered = await h.api('POST', '/v1.0/card/instances/createAndDeliver', cardBase());
    expect(unregistered.status).toBe(400);
    expect(h.ctx.records.at(-1)?.reason).toMatch(/route1 is not registered/);
    await withRoute(h);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ cardData: { cardParamMap: { acked: false } } }, /acked must be string, got boolean/],
      [{ cardData: { cardParamMap: { count: 3 } } }, /count must be string, got number/],
      [{ cardData: { cardParamMap: { obj: { k: 'v' } } } }, /obj must be string, got object/],
      [{ cardData: { cardParamMap: { description: 'x'.repeat(1025) } } }, /1025 bytes \(limit 1024\)/],
      [{ cardData: { cardParamMap: { ['k'.repeat(101)]: 'v' } } }, /101 bytes \(limit 100\)/],
      [{ cardData: { cardParamMap: { buttons: '{"key":"ack"}' } } }, /JSON array/],
      [{ openSpaceId: `dtv1.card//IM_CHAT.${GROUP_ID}` }, /is not IM_GROUP/],
      [{ openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID};dtv1.card//IM_ROBOT.alice` }, /prefix is given once/],
      [{ openSpaceId: `IM_GROUP.${GROUP_ID}` }, /must start with "dtv1.card\/\/"/],
      [{ callbackType: 'http' }, /callbackType must be "HTTP"/],
      [{ imRobotOpenDeliverModel: undefined }, /spaceType/],
    ];
    for (const [overrides, reason] of cases) {
      const response = await h.api('POST', '/v1.0/card/instances/createAndDeliver', cardBase(overrides));
      expect(response.status).toBe(400);
      expect(h.ctx.records.at(-1)?.reason).toMatch(reason);
    }
    expect(h.ctx.delivered).toHaveLength(0);
  });

  it('reusing an outTrackId does not change the card', async () => {
    const h = makeHarness();
    await withRoute(h);
    await h.api('POST', '/v1.0/card/instances/createAndDeliver', cardBase());
    await h.api('POST', '/v1.0/card/instances/createAndDeliver', cardBase({ cardData: { cardParamMap: { title: 'Changed' } } }));
    expect(h.sim.card('inc-1-v1')?.publicData.title).toBe('DB down');
    expect(h.ctx.records.at(-1)?.reason).toMatch(/already exists/);
  });

  it('PUT /v1.0/card/instances overwrites by default and merges with updateCardDataByKey', async () => {
    const h = makeHarness();
    await withRoute(h);
    await h.api('POST', '/v1.0/card/instances/createAndDeliver', cardBase());
    await h.api('PUT', '/v1.0/card/instances', { outTrackId: 'inc-1-v1', cardData: { cardParamMap: { status: 'ACKED' } }, cardUpdateOptions: { updateCardDataByKey: true } });
    expect(h.sim.card('inc-1-v1')?.publicData).toMatchObject({ title: 'DB down', status: 'ACKED' });
    await h.api('PUT', '/v1.0/card/instances', { outTrackId: 'inc-1-v1', cardData: { cardParamMap: { status: 'RESOLVED' } } });
    expect(h.sim.card('inc-1-v1')?.publicData).toEqual({ status: 'RESOLVED' });
    expect(h.ctx.delivered.at(-1)?.card?.title).toBe('');
    const privateOnly = await h.api('PUT', '/v1.0/card/instances', { outTrackId: 'inc-1-v1', privateData: { alice: { cardParamMap: { myAck: 'true' } } } });
    expect(privateOnly.status).toBe(200);
    expect(h.sim.card('inc-1-v1')?.privateData.alice).toEqual({ myAck: 'true' });
    const missing = await h.api('PUT', '/v1.0/card/instances', { outTrackId: 'nope', cardData: { cardParamMap: {} } });
    expect(missing.body.code).toBe('param.cardNotExist');
    const empty = await h.api('PUT', '/v1.0/card/instances', { outTrackId: 'inc-1-v1' });
    expect(empty.body.code).toBe('param.cardDataAndPrivateDataBothEmpty');
  });
});

// Scene groups: test/sim/dingtalk/scene-groups.test.ts
