/**
 * Scene groups (War Room) in the DingTalk simulator: both create variants strict against their
 * request models, uuid idempotency, template registration and publication, the owner's org and
 * visibility, members, and posting with the template's robot.
 */
import { makeHarness, request } from './support';

const CORP = 'dingcorp0001';
const TEMPLATE = 'tpl-war-room';
const TEMPLATE_ROBOT = 'dingWarRoomRobot';

function withTemplate(overrides: Parameters<typeof makeHarness>[0] = {}) {
  const h = makeHarness(overrides);
  h.sim.registerSceneGroupTemplate(TEMPLATE, { corpId: CORP, robotCode: TEMPLATE_ROBOT });
  return h;
}

const sdkBody = (extra: Record<string, unknown> = {}) => ({ groupName: 'INC-42 war room', templateId: TEMPLATE, groupOwnerId: 'alice', userIdList: ['bob'], uuid: 'inc-42', ...extra });

describe('DingTalk sim: POST /v1.0/im/sceneGroups (SDK CreateSceneGroupConversationRequest)', () => {
  it('creates a group with the template robot, records it as a conversation, and is idempotent on uuid', async () => {
    const h = withTemplate();
    const created = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody());
    expect(created).toMatchObject({ status: 200, body: { openConversationId: expect.stringMatching(/^cid/) } });
    const cid = created.body.openConversationId as string;
    expect(h.sim.group(cid)).toMatchObject({ title: 'INC-42 war room', ownerUserId: 'alice', templateId: TEMPLATE, robotCodes: [TEMPLATE_ROBOT], corpId: CORP });
    expect(h.sim.group(cid)?.memberUserIds.slice().sort()).toEqual(['alice', 'bob']);
    expect(h.ctx.delivered.map((item) => item.conversation)).toEqual([`group:${cid}`]);

    const again = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ groupName: 'renamed' }));
    expect(again.body).toEqual({ openConversationId: cid });
    expect(h.sim.sceneGroups(CORP)).toHaveLength(1);
    expect(h.ctx.records.at(-1)?.reason).toMatch(/uuid inc-42 seen before/);
    const other = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ uuid: 'inc-43' }));
    expect(other.body.openConversationId).not.toBe(cid);
    expect(h.sim.sceneGroups(CORP)).toHaveLength(2);
    expect(h.sim.sceneGroups('another-org')).toHaveLength(0);
    // Both creates were metered (dingtalk.md §5.1: scene group calls are metered).
    expect(h.sim.usage('dingclient0001', h.ctx).byEndpoint['im/sceneGroups']).toBe(3);
  });

  it('refuses an unknown field and the snake_case body of the other variant', async () => {
    const h = withTemplate();
    const unknown = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ subadminIds: ['bob'] }));
    expect(unknown).toMatchObject({ status: 400, body: { code: 'invalidParameter.unknownField' } });
    const snake = await h.api('POST', '/v1.0/im/sceneGroups', { title: 't', template_id: TEMPLATE, owner_user_id: 'alice', user_ids: ['bob'], uuid: 'x' });
    expect(snake).toMatchObject({ status: 400, body: { code: 'invalidParameter.unknownField' } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/title is not a field of im_1_0\.CreateSceneGroupConversationRequest/);
    const wrongType = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ userIdList: 'bob,carol' }));
    expect(wrongType.body.code).toBe('invalidParameter.typeMismatch');
    const { groupOwnerId: _owner, ...noOwner } = sdkBody();
    expect((await h.api('POST', '/v1.0/im/sceneGroups', noOwner)).body.code).toBe('MissinggroupOwnerId');
    expect(h.sim.sceneGroups()).toHaveLength(0);
  });

  it('refuses unknown or unpublished templates, another org’s template, and a long title', async () => {
    const h = withTemplate();
    expect((await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ templateId: 'nope' }))).body.code).toBe('groupTemplate.notFound');
    h.sim.registerSceneGroupTemplate(TEMPLATE, { corpId: CORP, robotCode: TEMPLATE_ROBOT, published: false });
    const unpublished = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody());
    expect(unpublished).toMatchObject({ status: 400, body: { code: 'groupTemplate.notFound', message: '群模板不存在或者已下线' } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/not reviewed and published/);
    h.sim.registerSceneGroupTemplate('tpl-other', { corpId: 'othercorp', robotCode: 'r' });
    expect((await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ templateId: 'tpl-other' }))).body.code).toBe('groupTemplate.permessionDenied.orgNotConsistent');
    h.sim.registerSceneGroupTemplate(TEMPLATE, { corpId: CORP, robotCode: TEMPLATE_ROBOT });
    expect((await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ groupName: '一'.repeat(31) }))).body.code).toBe('parameter.invalid');
    expect(h.sim.sceneGroups()).toHaveLength(0);
    // Refusals are not metered.
    expect(h.sim.usage('dingclient0001', h.ctx).byEndpoint['im/sceneGroups']).toBeUndefined();
  });

  it('refuses members and owners outside the org (member.notFound) and an owner outside the app’s visible range', async () => {
    const h = withTemplate({ visibleUserIds: ['alice', 'bob'] });
    const ghost = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ userIdList: ['bob', 'ghost'] }));
    expect(ghost).toMatchObject({ status: 400, body: { code: 'member.notFound' } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/ghost/);
    expect((await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ groupOwnerId: 'ghost' }))).body.code).toBe('member.notFound');
    const invisible = await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ groupOwnerId: 'carol' }));
    expect(invisible).toMatchObject({ status: 400, body: { code: 'permession.checkFailed', message: '群主不在应用可见性内' } });
  });
});

describe('DingTalk sim: the snake_case variant POST /v1.0/im/sceneGroup/create', () => {
  it('creates strictly against its hand-written model and shares the uuid and template rules', async () => {
    const h = withTemplate();
    const body = { title: 'INC-42 war room', template_id: TEMPLATE, owner_user_id: 'alice', user_ids: ['bob'], uuid: 'inc-42' };
    const created = await h.api('POST', '/v1.0/im/sceneGroup/create', body);
    expect(created.body).toEqual({ open_conversation_id: expect.stringMatching(/^cid/), chat_id: expect.stringMatching(/^chat/) });
    expect((await h.api('POST', '/v1.0/im/sceneGroup/create', body)).body).toEqual(created.body);
    const camel = await h.api('POST', '/v1.0/im/sceneGroup/create', { title: 't', template_id: TEMPLATE, ownerUserId: 'alice' });
    expect(camel.body.code).toBe('invalidParameter.unknownField');
    const legacyString = await h.api('POST', '/v1.0/im/sceneGroup/create', { ...body, user_ids: 'bob,carol' });
    expect(legacyString.body.code).toBe('invalidParameter.typeMismatch');
    const badOption = await h.api('POST', '/v1.0/im/sceneGroup/create', { ...body, management_options: { searchable: 1, surplus: 0 } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/management_options\.surplus is not a field/);
    expect(badOption.status).toBe(400);
  });
});

describe('DingTalk sim: scene-group members and the template robot', () => {
  async function group(h: ReturnType<typeof withTemplate>): Promise<string> {
    return (await h.api('POST', '/v1.0/im/sceneGroups', sdkBody({ userIdList: [] }))).body.openConversationId as string;
  }

  it('adds (by userId or unionId) and removes members; unknown members are member.notFound', async () => {
    const h = withTemplate();
    const cid = await group(h);
    const added = await h.api('POST', '/v1.0/im/sceneGroup/member/add', { open_conversation_id: cid, user_ids: ['bob'], union_ids: ['unionCarol'] });
    expect(added.body).toEqual({ success: true });
    expect(h.sim.group(cid)?.memberUserIds.slice().sort()).toEqual(['alice', 'bob', 'carol']);
    const ghost = await h.api('POST', '/v1.0/im/sceneGroup/member/add', { open_conversation_id: cid, user_ids: ['ghost'] });
    expect(ghost).toMatchObject({ status: 400, body: { code: 'member.notFound' } });
    const camel = await h.api('POST', '/v1.0/im/sceneGroup/member/add', { openConversationId: cid, userIds: ['bob'] });
    expect(camel.body.code).toBe('invalidParameter.unknownField');
    const removed = await h.api('POST', '/v1.0/im/sceneGroup/member/delete', { open_conversation_id: cid, user_ids: ['bob'] });
    expect(removed.body).toEqual({ success: true });
    expect(h.sim.group(cid)?.memberUserIds.slice().sort()).toEqual(['alice', 'carol']);
    expect((await h.api('POST', '/v1.0/im/sceneGroup/member/delete', { open_conversation_id: cid, user_ids: ['alice'] })).body.code).toBe('parameter.invalid');
    // An ordinary group is not a scene group.
    expect((await h.api('POST', '/v1.0/im/sceneGroup/member/add', { open_conversation_id: 'cidGroupOne==', user_ids: ['carol'] })).body.code).toBe('parameter.invalid');
    expect(h.ctx.delivered.map((item) => item.text)).toEqual([expect.stringMatching(/created the group/), 'added to the group: bob, carol', 'removed from the group: bob']);
  });

  it('the template robot posts into its group; the app robot (not in the group) and unknown robots are refused', async () => {
    const h = withTemplate();
    const cid = await group(h);
    const post = (robotCode: string) => h.api('POST', '/v1.0/robot/groupMessages/send', { robotCode, openConversationId: cid, msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'War Room', text: '**INC-42**' }) });
    const sent = await post(TEMPLATE_ROBOT);
    expect(sent).toMatchObject({ status: 200, body: { processQueryKey: expect.any(String) } });
    expect(h.ctx.delivered.at(-1)).toMatchObject({ conversation: `group:${cid}`, kind: 'markdown' });
    expect((await post('dingclient0001')).body.code).toBe('invalidParameter.robotCode.notInGroup');
    expect((await post('someOtherRobot')).body.code).toBe('invalidParameter.robotCode.auth');
    // The template robot is not in ordinary groups.
    const ordinary = await h.api('POST', '/v1.0/robot/groupMessages/send', { robotCode: TEMPLATE_ROBOT, openConversationId: 'cidGroupOne==', msgKey: 'sampleText', msgParam: '{"content":"hi"}' });
    expect(ordinary.body.code).toBe('invalidParameter.robotCode.notInGroup');
  });

  it('control routes: register a template, list an org’s scene groups', async () => {
    const h = makeHarness();
    const put = await h.sim.handleControl(request('PUT', `/_sim/dingtalk/scene-group-templates/${TEMPLATE}`, { corpId: CORP, robotCode: TEMPLATE_ROBOT }), h.ctx);
    expect(put).toMatchObject({ status: 200, body: { templateId: TEMPLATE, corpId: CORP, published: true } });
    expect((await h.sim.handleControl(request('PUT', `/_sim/dingtalk/scene-group-templates/${TEMPLATE}`, { corpId: CORP }), h.ctx))?.status).toBe(400);
    const cid = await group(h);
    const listed = await h.sim.handleControl(request('GET', `/_sim/dingtalk/scene-groups?orgId=${CORP}`), h.ctx);
    expect(listed).toMatchObject({ status: 200, body: [{ openConversationId: cid, templateId: TEMPLATE }] });
  });
});
