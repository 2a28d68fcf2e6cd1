/**
 * The api.dingtalk.com family (header `x-acs-dingtalk-access-token`; errors as HTTP 4xx/5xx with
 * `{code, message, requestid}`). Codes are the documented ones where the docs name them
 * (research §4); the few the docs do not name are marked "sim code" below.
 */
import { applyParamUpdate, cardParamMapProblems } from './cards';
import { deliverCard } from './delivery';
import { newApiRejection } from './errors';
import { AppState, CardParamMap, CardSpace, CardState, GroupState } from './model';
import { ApiCall, EndpointDefinition } from './pipeline';
import { parseRobotMessage } from './robot-messages';
import { isTemplateRobotOf, sceneGroupEndpoints } from './scene-groups';
import { DingTalkState, cardKey } from './state';
import { isRecord, newHexId } from './util';

/** "每次最多传20个" (chatbots-send-one-on-one-chat-messages-in-batches). */
export const BATCH_SEND_MAX_USERS = 20;

function requireString(body: Record<string, unknown>, field: string, code = `Missing${field}`): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw newApiRejection(400, code, `${field} is mandatory for this action.`, `${field} missing or not a non-empty string`);
  }
  return value;
}

function stringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

function bodyRecord(call: ApiCall): Record<string, unknown> {
  if (!isRecord(call.body)) throw newApiRejection(400, 'MissingParameter.Body', '请求体必须是JSON对象', 'request body must be a JSON object');
  return call.body;
}

function groupOf(state: DingTalkState, app: AppState, openConversationId: string): GroupState {
  const group = state.groups.get(openConversationId);
  if (!group || group.corpId !== app.config.corpId) {
    // sim code: the docs do not name the unknown-conversation code.
    throw newApiRejection(400, 'invalidParameter.openConversationId.invalid', '群会话不存在', `no group ${openConversationId} in org ${app.config.corpId}`);
  }
  if (group.disbanded) throw newApiRejection(400, 'group.disbanded', '群已解散', `group ${openConversationId} was disbanded`);
  return group;
}

export function newApiEndpoints(state: DingTalkState): EndpointDefinition[] {
  const accessToken: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/oauth2/accessToken',
    endpoint: 'oauth2/accessToken',
    metered: false, // token APIs are free (basic-interfaces-such-as-log-off-and-address-book)
    authenticate: (parsed, registry) => {
      const body = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
      const app = typeof body.appKey === 'string' ? registry.apps.get(body.appKey) : undefined;
      if (!app || body.appSecret !== app.config.clientSecret) {
        throw newApiRejection(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret', app ? 'appSecret does not match the app' : 'appKey is not a registered clientId');
      }
      return app;
    },
    run: (call) => state.issueToken(call.app.config.clientId, call.now),
  };

  const batchSend: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/robot/oToMessages/batchSend',
    endpoint: 'robot/oToMessages/batchSend',
    metered: true,
    run: (call) => {
      const body = bodyRecord(call);
      const robotCode = requireString(body, 'robotCode');
      if (robotCode !== call.app.config.robotCode) {
        throw newApiRejection(400, 'invalidParameter.robotCode.auth', '此应用appkey和机器人robotCode不匹配', `robotCode ${robotCode} is not the robot of app ${call.app.config.clientId}`);
      }
      const userIds = body.userIds;
      if (!stringArray(userIds) || userIds.length === 0) {
        throw newApiRejection(400, 'MissinguserIds', 'userIds is mandatory for this action.', 'userIds must be a non-empty array of strings');
      }
      if (userIds.length > BATCH_SEND_MAX_USERS) {
        throw newApiRejection(400, 'invalidParameter.userIds.overMax', `userIds最多${BATCH_SEND_MAX_USERS}个`, `${userIds.length} userIds; at most ${BATCH_SEND_MAX_USERS} per call`);
      }
      const content = parseRobotMessage(body.msgKey, body.msgParam);
      const invalidStaffIdList: string[] = [];
      const flowControlledStaffIdList: string[] = [];
      for (const userId of new Set(userIds)) {
        if (!state.findUser(call.app, call.ctx, userId)) {
          invalidStaffIdList.push(userId);
          call.note(`userId ${userId} is not in org ${call.app.config.corpId}; returned in invalidStaffIdList`);
          continue;
        }
        if (state.switches.takeFlowControlled()) {
          // Throttled recipients are answered in the list, not as an error, and get nothing.
          flowControlledStaffIdList.push(userId);
          call.note(`userId ${userId} flow-controlled (switch flowControl); not delivered, returned in flowControlledStaffIdList`);
          continue;
        }
        call.ctx.deliver({ platform: 'dingtalk', conversation: `user:${userId}`, kind: content.kind, text: content.text });
      }
      return { processQueryKey: newHexId(), invalidStaffIdList, flowControlledStaffIdList };
    },
  };

  const groupSend: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/robot/groupMessages/send',
    endpoint: 'robot/groupMessages/send',
    metered: true,
    run: (call) => {
      const body = bodyRecord(call);
      const robotCode = requireString(body, 'robotCode');
      const openConversationId = requireString(body, 'openConversationId');
      // The app's robot, or the robot of one of the org's scene-group templates (it posts into the
      // groups made from its template, dingtalk.md §4.5).
      if (robotCode !== call.app.config.robotCode && !isTemplateRobotOf(state, call.app, robotCode)) {
        throw newApiRejection(400, 'invalidParameter.robotCode.auth', '此应用appkey和机器人robotCode不匹配', `robotCode ${robotCode} is neither the robot of app ${call.app.config.clientId} nor a scene-group template robot of org ${call.app.config.corpId}`);
      }
      const group = groupOf(state, call.app, openConversationId);
      if (!group.robotCodes.has(robotCode) && group.coolApp?.robotCode !== robotCode) {
        // sim code: the robot was never added to the group.
        throw newApiRejection(400, 'invalidParameter.robotCode.notInGroup', '机器人不在群中', `robot ${robotCode} is not in group ${openConversationId}`);
      }
      const coolAppCode = body.coolAppCode;
      if (group.coolApp && group.coolApp.robotCode === robotCode) {
        // "coolAppCode 必须" when the robot came through a group cool app.
        if (coolAppCode === undefined) {
          throw newApiRejection(400, 'invalidParameter.robotCode.coolApp', '绑定这个机器人的酷应用需要传coolAppCode', `robot came into ${openConversationId} through cool app ${group.coolApp.coolAppCode}; coolAppCode is mandatory`);
        }
        if (coolAppCode !== group.coolApp.coolAppCode) {
          throw newApiRejection(400, 'invalidParameter.robotCode.coolApp', '酷应用编码和机器人不匹配', `coolAppCode ${String(coolAppCode)} is not the cool app installed in ${openConversationId}`);
        }
      } else if (coolAppCode !== undefined) {
        throw newApiRejection(400, 'invalidParameter.robotCode.coolApp', '绑定这个机器人的酷应用没有在群中被使用', `no cool app with robot ${robotCode} is installed in ${openConversationId}`);
      }
      const content = parseRobotMessage(body.msgKey, body.msgParam);
      // OrgGroupSendRequest has no @ fields (the SDK model; at-fields are refused as unknown by the
      // pipeline): a robot group message mentions nobody, whatever "@…" its text contains.
      call.ctx.deliver({ platform: 'dingtalk', conversation: `group:${openConversationId}`, kind: content.kind, text: content.text, mentions: [] });
      return { processQueryKey: newHexId() };
    },
  };

  const registerCallback: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/card/callbacks/register',
    endpoint: 'card/callbacks/register',
    metered: true,
    run: (call) => {
      const body = bodyRecord(call);
      const callbackRouteKey = requireString(body, 'callbackRouteKey');
      const callbackUrl = requireString(body, 'callbackUrl');
      let url: URL;
      try {
        url = new URL(callbackUrl);
      } catch {
        throw newApiRejection(400, 'invalidParameter.callbackUrl', 'callbackUrl不合法', `callbackUrl ${callbackUrl} is not a URL`);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '') {
        // "URL地址不支持携带参数" (registration-card-interaction-callback-address-1).
        throw newApiRejection(400, 'invalidParameter.callbackUrl', 'URL地址不支持携带参数', 'callbackUrl must be http(s) without a query string');
      }
      const apiSecret = body.apiSecret;
      if (apiSecret !== undefined && (typeof apiSecret !== 'string' || apiSecret === '')) {
        throw newApiRejection(400, 'invalidParameter.apiSecret', 'apiSecret不合法', 'apiSecret must be a non-empty string when given');
      }
      if (body.forceUpdate !== undefined && typeof body.forceUpdate !== 'boolean') {
        throw newApiRejection(400, 'invalidParameter.forceUpdate', 'forceUpdate必须是布尔值', 'forceUpdate must be a boolean');
      }
      const existing = call.app.cardRoutes.get(callbackRouteKey);
      if (existing && body.forceUpdate !== true) {
        // Insert-if-absent: without forceUpdate the existing registration stays (register-card-callback-address).
        if (existing.callbackUrl !== callbackUrl || existing.apiSecret !== apiSecret) {
          call.note(`route ${callbackRouteKey} already registered; kept the old URL/secret because forceUpdate is not true`);
        }
        return { success: true, result: { callbackUrl: existing.callbackUrl, apiSecret: existing.apiSecret } };
      }
      const route = { callbackUrl, ...(apiSecret === undefined ? {} : { apiSecret }) };
      call.app.cardRoutes.set(callbackRouteKey, route);
      return { success: true, result: { callbackUrl: route.callbackUrl, apiSecret: route.apiSecret } };
    },
  };

  const createAndDeliver: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/card/instances/createAndDeliver',
    endpoint: 'card/instances/createAndDeliver',
    metered: true,
    run: (call) => createAndDeliverCard(state, call),
  };

  const updateCard: EndpointDefinition = {
    family: 'new',
    method: 'PUT',
    path: '/v1.0/card/instances',
    endpoint: 'card/instances',
    metered: true,
    run: (call) => updateCardInstance(state, call),
  };

  return [accessToken, batchSend, groupSend, registerCallback, createAndDeliver, updateCard, ...sceneGroupEndpoints(state)];
}

/**
 * openSpaceId as documented (create-and-deliver-cards, and the SDK's CreateAndDeliverRequest
 * example `dtv1.card//im_group.cid…;im_robot.manager…;…;`): the `dtv1.card//` prefix ONCE, then
 * `<SPACE_TYPE>.<id>` items joined with ";". The space type is accepted in upper case (the docs'
 * table) or lower case (the SDK example), and a trailing ";" (the SDK example) is ignored. Only
 * IM_GROUP and IM_ROBOT are simulated.
 *
 * Refused on purpose: repeating the prefix per space (`dtv1.card//IM_GROUP.x;dtv1.card//IM_ROBOT.y`).
 * No DingTalk page shows that form, so nothing says DingTalk accepts it; dutybridge once sent it,
 * and refusing it keeps it from coming back.
 */
const OPEN_SPACE_PREFIX = 'dtv1.card//';
const OPEN_SPACE_ITEM = /^(IM_GROUP|IM_ROBOT)\.(.+)$/i;

export function parseOpenSpaceId(openSpaceId: string): CardSpace[] {
  const invalid = (why: string) => newApiRejection(400, 'param.openSpaceIdInvalid', 'openSpaceId不符合规范', why);
  if (!openSpaceId.startsWith(OPEN_SPACE_PREFIX)) throw invalid(`openSpaceId must start with "${OPEN_SPACE_PREFIX}" (given once), e.g. dtv1.card//IM_GROUP.{openConversationId};IM_ROBOT.{userId}`);
  const items = openSpaceId.slice(OPEN_SPACE_PREFIX.length).split(';');
  if (items.length > 1 && items.at(-1) === '') items.pop(); // the SDK example ends with ";"
  return items.map((item): CardSpace => {
    if (item.startsWith(OPEN_SPACE_PREFIX)) throw invalid(`"${item}": the ${OPEN_SPACE_PREFIX} prefix is given once for the whole list, not per space (dtv1.card//IM_GROUP.a;IM_ROBOT.b)`);
    const match = OPEN_SPACE_ITEM.exec(item);
    if (!match) throw invalid(`"${item}" is not IM_GROUP.{openConversationId} or IM_ROBOT.{userId} (the only simulated space types; items are joined with ";")`);
    return (match[1] as string).toUpperCase() === 'IM_GROUP' ? { kind: 'group', openConversationId: match[2] as string } : { kind: 'robot', userId: match[2] as string };
  });
}

function validateParamMap(value: unknown, where: string): CardParamMap {
  const problems = cardParamMapProblems(value, where);
  if (problems.length > 0) {
    // sim code: the docs state the rule but not the code.
    throw newApiRejection(400, 'param.cardParamMapInvalid', 'cardParamMap的值必须是字符串且不超过1KB', problems.join('; '));
  }
  return value as CardParamMap;
}

function privateDataMap(state: DingTalkState, call: ApiCall, value: unknown, userIdType: 1 | 2): Map<string, CardParamMap> {
  const out = new Map<string, CardParamMap>();
  if (value === undefined) return out;
  if (!isRecord(value)) throw newApiRejection(400, 'param.privateDataInvalid', 'privateData不合法', 'privateData must be an object keyed by user id');
  for (const [id, entry] of Object.entries(value)) {
    const userId = userIdFromCardId(state, call, id, userIdType);
    if (!userId) throw newApiRejection(400, 'param.userIdNotExist', '用户不存在', `privateData key ${id} is not a ${userIdType === 1 ? 'userId' : 'unionId'} in the org`);
    if (!isRecord(entry)) throw newApiRejection(400, 'param.privateDataInvalid', 'privateData不合法', `privateData.${id} must be {cardParamMap:{...}}`);
    out.set(userId, validateParamMap(entry.cardParamMap, `privateData.${id}.cardParamMap`));
  }
  return out;
}

function userIdFromCardId(state: DingTalkState, call: ApiCall, id: string, userIdType: 1 | 2): string | undefined {
  const users = state.usersOf(call.app, call.ctx);
  const user = userIdType === 1 ? users.find((candidate) => candidate.userId === id) : users.find((candidate) => candidate.unionId === id);
  return user?.userId;
}

function createAndDeliverCard(state: DingTalkState, call: ApiCall): unknown {
  const body = bodyRecord(call);
  const cardTemplateId = requireString(body, 'cardTemplateId', 'param.cardTemplateIdEmpty');
  const outTrackId = requireString(body, 'outTrackId', 'param.outTrackIdEmpty');
  const userIdType = body.userIdType ?? 1;
  if (userIdType !== 1 && userIdType !== 2) throw newApiRejection(400, 'param.userIdTypeInvalid', 'userIdType只能是1或2', 'userIdType must be 1 (userId) or 2 (unionId)');
  const callbackRouteKey = body.callbackRouteKey;
  if (callbackRouteKey !== undefined) {
    if (typeof callbackRouteKey !== 'string' || callbackRouteKey === '') throw newApiRejection(400, 'param.callbackRouteKeyInvalid', 'callbackRouteKey不合法', 'callbackRouteKey must be a non-empty string');
    if (body.callbackType !== 'HTTP') {
      throw newApiRejection(400, 'param.callbackTypeInvalid', 'callbackType不合法', `callbackType must be "HTTP" (upper case) for HTTP callbacks, got ${JSON.stringify(body.callbackType)}`);
    }
    if (!call.app.cardRoutes.has(callbackRouteKey)) {
      // sim code: the route must be registered first with /v1.0/card/callbacks/register.
      throw newApiRejection(400, 'param.callbackRouteKeyNotExist', '回调路由key未注册', `callbackRouteKey ${callbackRouteKey} is not registered for app ${call.app.config.clientId}`);
    }
  } else if (body.callbackType !== undefined) {
    call.note('callbackType given without callbackRouteKey: clicks on this card reach no one');
  }
  if (!isRecord(body.cardData)) throw newApiRejection(400, 'param.cardDataEmpty', 'cardData不能为空', 'cardData must be {cardParamMap:{...}}');
  const publicData = validateParamMap(body.cardData.cardParamMap, 'cardData.cardParamMap');
  const privateData = privateDataMap(state, call, body.privateData, userIdType);

  const openSpaceId = requireString(body, 'openSpaceId', 'param.openSpaceIdInvalid');
  const spaces = parseOpenSpaceId(openSpaceId);
  const groupModel = isRecord(body.imGroupOpenDeliverModel) ? body.imGroupOpenDeliverModel : undefined;
  const robotModel = isRecord(body.imRobotOpenDeliverModel) ? body.imRobotOpenDeliverModel : undefined;
  if (spaces.some((space) => space.kind === 'group')) {
    if (!groupModel || typeof groupModel.robotCode !== 'string') {
      throw newApiRejection(400, 'param.imGroupOpenDeliverModelInvalid', 'imGroupOpenDeliverModel.robotCode不能为空', 'IM_GROUP delivery needs imGroupOpenDeliverModel.robotCode');
    }
    // The app's robot, or a scene-group template robot of the org (War Room cards in scene groups).
    if (groupModel.robotCode !== call.app.config.robotCode && !isTemplateRobotOf(state, call.app, groupModel.robotCode)) {
      throw newApiRejection(400, 'invalidParameter.robotCode.auth', '此应用appkey和机器人robotCode不匹配', `robotCode ${groupModel.robotCode} is neither the robot of app ${call.app.config.clientId} nor a scene-group template robot of org ${call.app.config.corpId}`);
    }
  }
  if (spaces.some((space) => space.kind === 'robot') && robotModel?.spaceType !== 'IM_ROBOT') {
    throw newApiRejection(400, 'param.imRobotOpenDeliverModelInvalid', 'imRobotOpenDeliverModel.spaceType不能为空', 'IM_ROBOT delivery needs imRobotOpenDeliverModel {"spaceType":"IM_ROBOT"}');
  }
  const atUserIdsRaw = groupModel?.atUserIds;
  if (atUserIdsRaw !== undefined && (!isRecord(atUserIdsRaw) || Object.values(atUserIdsRaw).some((name) => typeof name !== 'string'))) {
    throw newApiRejection(400, 'param.atUserIdsInvalid', 'atUserIds不合法', 'imGroupOpenDeliverModel.atUserIds must map userId → display name');
  }

  const key = cardKey(call.app.config.clientId, outTrackId);
  let card = state.cards.get(key);
  if (card) {
    if (state.switches.existingOutTrackId === 'reject') {
      // The other reading (switches.ts): the error table's param.cardAlreadyExist; nothing is delivered.
      throw newApiRejection(400, 'param.cardAlreadyExist', '卡片已存在', `outTrackId ${outTrackId} already exists for app ${call.app.config.clientId} (switch existingOutTrackId=reject)`);
    }
    // Reusing an outTrackId: "更改不会生效" — template and data stay as first created.
    if (card.cardTemplateId !== cardTemplateId || JSON.stringify(card.publicData) !== JSON.stringify(publicData)) {
      call.note(`outTrackId ${outTrackId} already exists; its template/data are not changed (use PUT /v1.0/card/instances)`);
    }
  } else {
    card = {
      outTrackId,
      clientId: call.app.config.clientId,
      corpId: call.app.config.corpId,
      cardTemplateId,
      callbackRouteKey: callbackRouteKey as string | undefined,
      userIdType,
      publicData,
      privateData,
      spaces: [],
      groupMentions: new Map(),
    };
    state.cards.set(key, card);
  }

  const deliverResults: { spaceType: string; spaceId: string; success: boolean; carrierId?: string; errorMsg?: string }[] = [];
  for (const space of spaces) {
    if (space.kind === 'group') {
      const group = state.groups.get(space.openConversationId);
      const problem = !group || group.corpId !== call.app.config.corpId ? 'group not found' : group.disbanded ? 'group disbanded' : undefined;
      if (problem || !group) {
        call.note(`IM_GROUP.${space.openConversationId}: ${problem}`);
        deliverResults.push({ spaceType: 'IM_GROUP', spaceId: space.openConversationId, success: false, errorMsg: problem });
        continue;
      }
      const members = state.usersOf(call.app, call.ctx).filter((user) => group.members.has(user.userId));
      const atIds = Object.keys(isRecord(atUserIdsRaw) ? atUserIdsRaw : {});
      const nonMembers = atIds.filter((id) => !group.members.has(id));
      nonMembers.forEach((id) => call.note(`@${id} is not a member of ${group.openConversationId}; not highlighted`));
      card.groupMentions.set(group.openConversationId, atIds.filter((id) => members.some((member) => member.userId === id)));
      if (!card.spaces.some((known) => known.kind === 'group' && known.openConversationId === group.openConversationId)) card.spaces.push(space);
      deliverResults.push({ spaceType: 'IM_GROUP', spaceId: space.openConversationId, success: true, carrierId: newHexId() });
    } else {
      const userId = userIdFromCardId(state, call, space.userId, userIdType);
      if (!userId) {
        call.note(`IM_ROBOT.${space.userId}: not a ${userIdType === 1 ? 'userId' : 'unionId'} in the org`);
        deliverResults.push({ spaceType: 'IM_ROBOT', spaceId: space.userId, success: false, errorMsg: 'param.userIdNotExist' });
        continue;
      }
      if (!card.spaces.some((known) => known.kind === 'robot' && known.userId === userId)) card.spaces.push({ kind: 'robot', userId });
      deliverResults.push({ spaceType: 'IM_ROBOT', spaceId: space.userId, success: true, carrierId: newHexId() });
    }
  }
  deliverCard(card, call.ctx);
  return { success: true, result: { outTrackId: card.outTrackId, deliverResults } };
}

function updateCardInstance(state: DingTalkState, call: ApiCall): unknown {
  const body = bodyRecord(call);
  const outTrackId = requireString(body, 'outTrackId', 'param.outTrackIdEmpty');
  const card: CardState | undefined = state.cards.get(cardKey(call.app.config.clientId, outTrackId));
  if (!card) throw newApiRejection(400, 'param.cardNotExist', '卡片不存在', `no card with outTrackId ${outTrackId} for app ${call.app.config.clientId}`);
  const userIdType = body.userIdType ?? card.userIdType;
  if (userIdType !== 1 && userIdType !== 2) throw newApiRejection(400, 'param.userIdTypeInvalid', 'userIdType只能是1或2', 'userIdType must be 1 or 2');
  const cardData = body.cardData;
  if (cardData !== undefined && !isRecord(cardData)) throw newApiRejection(400, 'param.cardDataInvalid', 'cardData不合法', 'cardData must be {cardParamMap:{...}}');
  const publicUpdate = cardData?.cardParamMap === undefined ? undefined : validateParamMap(cardData.cardParamMap, 'cardData.cardParamMap');
  const privateUpdate = privateDataMap(state, call, body.privateData, userIdType);
  if (!publicUpdate && privateUpdate.size === 0) {
    throw newApiRejection(400, 'param.cardDataAndPrivateDataBothEmpty', 'cardData和privateData不能同时为空', 'neither cardData.cardParamMap nor privateData given');
  }
  const options = isRecord(body.cardUpdateOptions) ? body.cardUpdateOptions : {};
  // "不填默认覆盖更新": without update*ByKey=true the maps are replaced, not merged.
  if (publicUpdate) card.publicData = applyParamUpdate(card.publicData, publicUpdate, options.updateCardDataByKey === true);
  for (const [userId, update] of privateUpdate) {
    card.privateData.set(userId, applyParamUpdate(card.privateData.get(userId), update, options.updatePrivateDataByKey === true));
  }
  deliverCard(card, call.ctx);
  return { success: true, result: true };
}
