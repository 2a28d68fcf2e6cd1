/**
 * The simulator validates request bodies with a snapshot of the official SDK's request models
 * (sim/dingtalk/sdk-models.json): the snapshot must equal what the installed SDK says (an SDK bump
 * shows the drift: run `npm run sdk-models`), and every modelled endpoint accepts exactly what
 * its model allows.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sdkModelSnapshotFromSdk } from '../../../scripts/dingtalk-sdk-models';
import { requestModels, sdkModelSnapshot } from '../../../sim/dingtalk/sdk-models';
import { GROUP_ID, makeHarness, request } from './support';

const ROOT = path.resolve(__dirname, '../../..');

describe('the SDK model snapshot', () => {
  it('equals what the installed @alicloud/dingtalk says (run `npm run sdk-models` after an SDK bump)', async () => {
    const onDisk = JSON.parse(readFileSync(path.join(ROOT, 'sim/dingtalk/sdk-models.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(await sdkModelSnapshotFromSdk());
    const installed = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@alicloud/dingtalk'];
    expect(sdkModelSnapshot.sdk).toBe(`@alicloud/dingtalk@${installed}`);
  });

  it('covers the requests dutybridge makes, with the SDK’s own methods and paths', () => {
    expect(sdkModelSnapshot.requests.map((model) => `${model.method} ${model.path} ${model.name}`)).toEqual([
      'POST /v1.0/oauth2/accessToken oauth2_1_0.GetAccessTokenRequest',
      'POST /v1.0/oauth2/userAccessToken oauth2_1_0.GetUserTokenRequest',
      'POST /v1.0/card/instances/createAndDeliver card_1_0.CreateAndDeliverRequest',
      'PUT /v1.0/card/instances card_1_0.UpdateCardRequest',
      'POST /v1.0/card/callbacks/register card_1_0.RegisterCallbackRequest',
      'POST /v1.0/robot/oToMessages/batchSend robot_1_0.BatchSendOTORequest',
      'POST /v1.0/robot/groupMessages/send robot_1_0.OrgGroupSendRequest',
      'POST /v1.0/im/sceneGroups im_1_0.CreateSceneGroupConversationRequest',
    ]);
  });
});

describe('the simulator accepts exactly what the request models allow', () => {
  const valid: Record<string, Record<string, unknown>> = {
    'oauth2_1_0.GetAccessTokenRequest': { appKey: 'dingclient0001', appSecret: 'client-secret-0001' },
    // `code` is filled in with a fresh browser-OAuth code (userCode below).
    'oauth2_1_0.GetUserTokenRequest': { clientId: 'dingclient0001', clientSecret: 'client-secret-0001', code: '', grantType: 'authorization_code' },
    'card_1_0.RegisterCallbackRequest': { callbackRouteKey: 'route1', callbackUrl: 'http://127.0.0.1:1/card', apiSecret: 's3cret', forceUpdate: false },
    'card_1_0.CreateAndDeliverRequest': {
      cardTemplateId: 'tpl',
      outTrackId: 'inc-1',
      cardData: { cardParamMap: { title: 'DB down' } },
      openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID}`,
      imGroupOpenDeliverModel: { robotCode: 'dingclient0001' },
    },
    'card_1_0.UpdateCardRequest': { outTrackId: 'inc-1', cardData: { cardParamMap: { status: 'ACKED' } }, cardUpdateOptions: { updateCardDataByKey: true } },
    'robot_1_0.BatchSendOTORequest': { robotCode: 'dingclient0001', userIds: ['alice'], msgKey: 'sampleText', msgParam: '{"content":"hi"}' },
    'robot_1_0.OrgGroupSendRequest': { robotCode: 'dingclient0001', openConversationId: GROUP_ID, msgKey: 'sampleText', msgParam: '{"content":"hi"}' },
    'oapi.topapi/v2/user/getbymobile': { mobile: '13800000004' },
    'oapi.topapi/v2/user/get': { userid: 'alice', language: 'en_US' },
    'oapi.topapi/user/getbyunionid': { unionid: 'unionAlice' },
    'im_1_0.CreateSceneGroupConversationRequest': { groupName: 'War Room', templateId: 'tpl-wr', groupOwnerId: 'alice', userIdList: ['bob'], uuid: 'u1' },
    // Hand-written from the official pages (sdk-models.ts); open_conversation_id is filled in with a fresh scene group.
    'im_1_0.CreateSceneGroupRequest': { title: 'War Room', template_id: 'tpl-wr', owner_user_id: 'alice', user_ids: ['bob'], uuid: 'u2', management_options: { searchable: 0 } },
    'im_1_0.AddSceneGroupMemberRequest': { open_conversation_id: '', user_ids: ['carol'] },
    'im_1_0.RemoveSceneGroupMemberRequest': { open_conversation_id: '', user_ids: ['bob'] },
  };

  /** A fresh code from the browser OAuth page (GET /oauth2/auth), signed in as alice. */
  const userCode = async (h: ReturnType<typeof makeHarness>): Promise<string> => {
    const query = new URLSearchParams({ client_id: 'dingclient0001', redirect_uri: 'http://127.0.0.1:1/cb', response_type: 'code', scope: 'openid', sim_userid: 'alice' });
    const response = await h.sim.handle(request('GET', `/oauth2/auth?${query}`), h.ctx);
    return new URL(response!.headers!.location!).searchParams.get('code')!;
  };

  const send = async (h: ReturnType<typeof makeHarness>, name: string, body: unknown) => {
    const model = requestModels().find((candidate) => candidate.name === name)!;
    return model.family === 'oapi' ? h.oapi(model.path, body) : h.api(model.method, model.path, body);
  };

  it('every modelled endpoint takes its valid body and refuses an unknown field with a clear code', async () => {
    expect(Object.keys(valid).sort()).toEqual(requestModels().map((model) => model.name).sort());
    for (const name of Object.keys(valid)) {
      const h = makeHarness();
      if (name === 'card_1_0.UpdateCardRequest' || name === 'card_1_0.CreateAndDeliverRequest') {
        await send(h, 'card_1_0.RegisterCallbackRequest', valid['card_1_0.RegisterCallbackRequest']);
        if (name === 'card_1_0.UpdateCardRequest') expect((await send(h, 'card_1_0.CreateAndDeliverRequest', valid['card_1_0.CreateAndDeliverRequest'])).status).toBe(200);
      }
      if (name === 'oauth2_1_0.GetUserTokenRequest') valid[name] = { ...valid[name], code: await userCode(h) };
      if (name.includes('SceneGroup')) h.sim.registerSceneGroupTemplate('tpl-wr', { corpId: 'dingcorp0001', robotCode: 'wrRobot' });
      if (name.endsWith('SceneGroupMemberRequest')) {
        const created = await send(h, 'im_1_0.CreateSceneGroupConversationRequest', { ...valid['im_1_0.CreateSceneGroupConversationRequest'], uuid: `for-${name}` });
        valid[name] = { ...valid[name], open_conversation_id: created.body.openConversationId };
      }
      const refused = await send(h, name, { ...valid[name], surplus: true });
      if (name.startsWith('oapi.')) expect(refused.body).toMatchObject({ errcode: 400002, errmsg: '无效的参数' });
      else expect(refused).toMatchObject({ status: 400, body: { code: 'invalidParameter.unknownField', message: '未知参数: surplus' } });
      expect(h.ctx.records.at(-1)?.reason).toBe(`body does not fit the request model ${name}: surplus is not a field of ${name}`);
      const accepted = await send(h, name, valid[name]);
      expect([name, accepted.status, accepted.body.errcode ?? 0]).toEqual([name, 200, 0]);
    }
  });

  it('refuses wrong types and nesting, and missing required fields with the documented codes', async () => {
    const h = makeHarness();
    const wrongType = await send(h, 'card_1_0.CreateAndDeliverRequest', { ...valid['card_1_0.CreateAndDeliverRequest'], userIdType: '1' });
    expect(wrongType).toMatchObject({ status: 400, body: { code: 'invalidParameter.typeMismatch' } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/userIdType must be number, got string/);
    await send(h, 'card_1_0.CreateAndDeliverRequest', { ...valid['card_1_0.CreateAndDeliverRequest'], imGroupOpenDeliverModel: { robotCode: 'dingclient0001', atUserIds: ['alice'] } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/imGroupOpenDeliverModel\.atUserIds must be object of string → string, got array/);
    const { outTrackId: _dropped, ...noTrack } = valid['card_1_0.CreateAndDeliverRequest'];
    expect((await send(h, 'card_1_0.CreateAndDeliverRequest', noTrack)).body.code).toBe('param.outTrackIdEmpty');
    const { msgKey: _noKey, ...noMsgKey } = valid['robot_1_0.OrgGroupSendRequest'];
    expect((await send(h, 'robot_1_0.OrgGroupSendRequest', noMsgKey)).body).toMatchObject({ code: 'MissingmsgKey', message: 'msgKey is mandatory for this action.' });
    expect((await send(h, 'oapi.topapi/v2/user/getbymobile', {})).body).toMatchObject({ errcode: 40035, errmsg: '缺少参数 mobile' });
    expect((await send(h, 'oapi.topapi/v2/user/getbymobile', { mobile: 13800000004 })).body).toMatchObject({ errcode: 400002 });
    expect(h.ctx.delivered).toHaveLength(0);
  });

  it('takes openSpaceId in the documented forms: the prefix once, upper- or lower-case space types, a trailing ";"', async () => {
    const forms = [
      `dtv1.card//IM_GROUP.${GROUP_ID};IM_ROBOT.alice`,
      `dtv1.card//im_group.${GROUP_ID};im_robot.alice;`,
      `dtv1.card//IM_ROBOT.alice;im_group.${GROUP_ID}`,
    ];
    for (const [i, openSpaceId] of forms.entries()) {
      const h = makeHarness();
      const response = await send(h, 'card_1_0.CreateAndDeliverRequest', {
        ...valid['card_1_0.CreateAndDeliverRequest'],
        outTrackId: `form-${i}`,
        openSpaceId,
        imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
      });
      expect([openSpaceId, response.status]).toEqual([openSpaceId, 200]);
      expect((response.body.result as { deliverResults: { spaceType: string; success: boolean }[] }).deliverResults.map((r) => [r.spaceType, r.success]).sort()).toEqual([
        ['IM_GROUP', true],
        ['IM_ROBOT', true],
      ]);
      expect(h.ctx.delivered.map((item) => item.conversation).sort()).toEqual([`group:${GROUP_ID}`, 'user:alice']);
    }
  });

  it('refuses the old forms: the prefix repeated per space, and @ fields on groupMessages/send', async () => {
    const h = makeHarness();
    const repeated = await send(h, 'card_1_0.CreateAndDeliverRequest', {
      ...valid['card_1_0.CreateAndDeliverRequest'],
      openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID};dtv1.card//IM_ROBOT.alice`,
      imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
    });
    expect(repeated).toMatchObject({ status: 400, body: { code: 'param.openSpaceIdInvalid' } });
    expect(h.ctx.records.at(-1)?.reason).toMatch(/prefix is given once for the whole list/);
    const at = await send(h, 'robot_1_0.OrgGroupSendRequest', { ...valid['robot_1_0.OrgGroupSendRequest'], atUserIds: ['alice'], atMobiles: ['13800000004'] });
    expect(at).toMatchObject({ status: 400, body: { code: 'invalidParameter.unknownField' } });
    expect(h.ctx.delivered).toHaveLength(0);
  });
});
