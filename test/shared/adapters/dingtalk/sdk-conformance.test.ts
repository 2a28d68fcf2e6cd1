/**
 * Every request our DingTalkClient builds, held against the official SDK's request model
 * (`@alicloud/dingtalk`, read from the installed package): no unknown field at any depth, the
 * right JSON types and nesting, required fields present. The client talks to the simulator
 * through a fetch that records exactly what was sent.
 */
import { DingTalkClient } from '../../../../shared/adapters/dingtalk/client';
import { incidentCardParams } from '../../../../shared/domain/dingtalk-card';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../../shared/application/token-provider';
import { assertConforms, conformanceIssues, liveRequestModel, liveRequestModels, modelForRequest } from '../../../support/dingtalk-sdk';
import { APP, COOL_APP, COOL_GROUP, GROUP, startSimApp, type SimApp } from './sim-app';

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

let app: SimApp;
let client: DingTalkClient;
const sent: SentRequest[] = [];

beforeAll(async () => {
  app = await startSimApp();
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    sent.push({ method: init?.method ?? 'GET', path: url.pathname, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined });
    return fetch(input, init);
  };
  client = new DingTalkClient({ ...APP, apiBase: app.sim.url, oapiBase: app.sim.url }, { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), fetch: recordingFetch });
});
afterAll(() => app.stop());

const NOW = Date.now();
const cardParamMap = incidentCardParams(
  { incidentId: 'inc-sdk', version: 1, revision: 1, title: 'P1 DB down', severity: 'Critical', description: 'quorum lost', labels: {}, responders: [], targets: [], status: 'Triggered', triggeredAt: NOW, updatedAt: NOW },
  NOW,
);

describe('the DingTalk client sends what the official SDK models allow', () => {
  it('every request of every kind fits its SDK request model', async () => {
    await client.registerCardCallback({ routeKey: 'dutybridge-sdk', callbackUrl: 'http://127.0.0.1:9/dingtalk/x/cards', apiSecret: 'secret-sdk', forceUpdate: false });
    const base = { cardTemplateId: 'tpl.schema', callbackRouteKey: 'dutybridge-sdk', cardParamMap };
    await client.createAndDeliverCard({ ...base, outTrackId: 'sdk-group', targets: [{ type: 'group', openConversationId: GROUP }], atUserIds: { bob: 'Bob Smith' } });
    await client.createAndDeliverCard({ ...base, outTrackId: 'sdk-user', targets: [{ type: 'user', userId: 'alice' }], privateData: { alice: { mine: 'true' } } });
    await client.createAndDeliverCard({
      ...base,
      outTrackId: 'sdk-mixed',
      targets: [{ type: 'group', openConversationId: GROUP }, { type: 'user', userId: 'alice' }, { type: 'user', userId: 'bob' }],
      atUserIds: { alice: 'Alice', bob: 'bob@example.com' },
    });
    await client.updateCard({ outTrackId: 'sdk-mixed', cardParamMap: { status: 'Processing' }, updateByKey: true });
    await client.updateCard({ outTrackId: 'sdk-user', privateData: { alice: { mine: 'false' } }, updateByKey: false });
    await client.sendGroupMessage({ openConversationId: GROUP, msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'Digest', text: 'two incidents' }) });
    await client.sendGroupMessage({ openConversationId: COOL_GROUP, coolAppCode: COOL_APP, msgKey: 'sampleText', msgParam: '{"content":"x"}' });
    await client.batchSendOto({ userIds: ['alice', 'bob'], msgKey: 'sampleText', msgParam: '{"content":"hi"}' });
    // War Room: a scene group from a template, its members, a post by the template's robot.
    app.sim.dingtalk.registerSceneGroupTemplate('tpl-sdk', { corpId: APP.corpId, robotCode: 'sdkTemplateRobot' });
    const { openConversationId } = await client.createSceneGroup({ title: 'INC-sdk', templateId: 'tpl-sdk', ownerUserId: 'alice', userIds: [], uuid: 'sdk-1' });
    await client.addSceneGroupMembers({ openConversationId, userIds: ['bob'] });
    await client.removeSceneGroupMembers({ openConversationId, userIds: ['bob'] });
    await client.sendGroupMessage({ openConversationId, robotCode: 'sdkTemplateRobot', msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'War Room', text: 'x' }) });
    expect(await client.getUserIdByMobile('13800000005')).toBe('bob');
    // Browser OAuth: a code from the simulator's login page (signed in as alice), exchanged once.
    const login = await fetch(`${app.sim.url}/oauth2/auth?${new URLSearchParams({ client_id: APP.clientId, redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid corpid', sim_userid: 'alice' })}`, { redirect: 'manual' });
    expect(await client.userAccessToken(new URL(login.headers.get('location')!).searchParams.get('code')!)).toEqual(expect.any(String));

    const hit = new Set<string>();
    for (const request of sent) {
      const model = await modelForRequest(request.method, request.path);
      if (!model) throw new Error(`the client sent ${request.method} ${request.path}, for which no request model is known`);
      hit.add(model.name);
      assertConforms(request.body, model);
    }
    // Every model was exercised (the access token was fetched once, before the first call).
    expect([...hit].sort()).toEqual((await liveRequestModels()).map((model) => model.name).sort());
  });

  it('createAndDeliver names its spaces in the documented openSpaceId form: the prefix once, spaces joined with ";"', () => {
    const spaces = sent.filter((r) => r.path === '/v1.0/card/instances/createAndDeliver').map((r) => (r.body as { openSpaceId: string }).openSpaceId);
    expect(spaces).toEqual([`dtv1.card//IM_GROUP.${GROUP}`, 'dtv1.card//IM_ROBOT.alice', `dtv1.card//IM_GROUP.${GROUP};IM_ROBOT.alice;IM_ROBOT.bob`]);
    for (const openSpaceId of spaces) expect(openSpaceId.match(/dtv1\.card\/\//g)).toHaveLength(1);
  });

  it('group @mentions travel only on the group card (imGroupOpenDeliverModel.atUserIds), never on groupMessages/send', () => {
    const group = sent.find((r) => r.path === '/v1.0/card/instances/createAndDeliver' && (r.body as { outTrackId: string }).outTrackId === 'sdk-group');
    expect((group?.body as { imGroupOpenDeliverModel: unknown }).imGroupOpenDeliverModel).toEqual({ robotCode: APP.robotCode, atUserIds: { bob: 'Bob Smith' } });
    const groupMessages = sent.filter((r) => r.path === '/v1.0/robot/groupMessages/send');
    expect(groupMessages).toHaveLength(3);
    for (const message of groupMessages) expect(Object.keys(message.body as object).filter((key) => /^(at|isAtAll)/.test(key))).toEqual([]);
  });
});

describe('the conformance checker', () => {
  const validCard = () => ({
    cardTemplateId: 't',
    outTrackId: 'o',
    cardData: { cardParamMap: { title: 'x' } },
    openSpaceId: 'dtv1.card//IM_GROUP.cid1',
    imGroupOpenDeliverModel: { robotCode: 'r', atUserIds: { u1: 'U One' } },
    privateData: { u1: { cardParamMap: { a: 'b' } } },
    userIdType: 1,
  });
  const problems = async (name: string, body: unknown) => conformanceIssues(body, await liveRequestModel(name)).map((issue) => [issue.kind, issue.path]);

  it('accepts a conforming body', async () => {
    expect(await problems('card_1_0.CreateAndDeliverRequest', validCard())).toEqual([]);
  });

  it('fails on an unknown field, at the top and nested', async () => {
    expect(await problems('card_1_0.CreateAndDeliverRequest', { ...validCard(), bogus: 1 })).toEqual([['unknown', 'bogus']]);
    const nested = validCard();
    (nested.imGroupOpenDeliverModel as Record<string, unknown>).coolAppCode = 'COOLAPP-1';
    (nested.privateData.u1 as Record<string, unknown>).cardMediaIdParamMap = {};
    expect(await problems('card_1_0.CreateAndDeliverRequest', nested)).toEqual([
      ['unknown', 'imGroupOpenDeliverModel.coolAppCode'],
      ['unknown', 'privateData.u1.cardMediaIdParamMap'],
    ]);
  });

  it('fails on a wrong JSON type or nesting', async () => {
    expect(await problems('card_1_0.CreateAndDeliverRequest', { ...validCard(), userIdType: '1' })).toEqual([['type', 'userIdType']]);
    expect(await problems('card_1_0.CreateAndDeliverRequest', { ...validCard(), cardData: { cardParamMap: { acked: false } } })).toEqual([['type', 'cardData.cardParamMap.acked']]);
    expect(await problems('card_1_0.CreateAndDeliverRequest', { ...validCard(), cardParamMap: { title: 'x' } })).toEqual([['unknown', 'cardParamMap']]);
    expect(await problems('card_1_0.CreateAndDeliverRequest', { ...validCard(), imGroupOpenDeliverModel: { robotCode: 'r', atUserIds: ['u1'] } })).toEqual([['type', 'imGroupOpenDeliverModel.atUserIds']]);
    expect(await problems('card_1_0.UpdateCardRequest', { outTrackId: 'o', cardUpdateOptions: { updateCardDataByKey: 'true' } })).toEqual([['type', 'cardUpdateOptions.updateCardDataByKey']]);
    expect(await problems('robot_1_0.BatchSendOTORequest', { robotCode: 'r', userIds: ['a', 2], msgKey: 'sampleText', msgParam: { content: 'x' } })).toEqual([
      ['type', 'userIds[1]'],
      ['type', 'msgParam'],
    ]);
    expect(await problems('robot_1_0.BatchSendOTORequest', 'not an object')).toEqual([['type', '(body)']]);
  });

  it('fails on a missing required field', async () => {
    const { outTrackId: _omitted, ...withoutTrack } = validCard();
    expect(await problems('card_1_0.CreateAndDeliverRequest', withoutTrack)).toEqual([['missing', 'outTrackId']]);
    expect(await problems('oapi.topapi/v2/user/getbymobile', {})).toEqual([['missing', 'mobile']]);
  });

  it('fails on the old wrong shapes: @ fields on groupMessages/send', async () => {
    const old = { robotCode: 'r', openConversationId: 'cid', msgKey: 'sampleText', msgParam: '{"content":"@bob"}', atUserIds: ['bob'], atMobiles: ['13800000005'] };
    expect(await problems('robot_1_0.OrgGroupSendRequest', old)).toEqual([
      ['unknown', 'atUserIds'],
      ['unknown', 'atMobiles'],
    ]);
    expect(() => assertConforms(old, { name: 'x', family: 'new', method: 'POST', path: '/x', fields: {} })).toThrow(/atUserIds is not a field of x/);
  });
});
