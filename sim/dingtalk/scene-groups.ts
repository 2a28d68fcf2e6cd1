/**
 * Scene groups (War Room, dingtalk.md §4.5): created from a scene-group template, which must be
 * registered for the org and published; the template's robot joins every group and posts with its
 * own robotCode. Two create variants are served, each strict against its request model
 * (sdk-models.ts; the pipeline checks the body before these rules run):
 *  - POST /v1.0/im/sceneGroups: npm SDK im_1_0.CreateSceneGroupConversationRequest (camelCase) → {openConversationId};
 *  - POST /v1.0/im/sceneGroup/create: page create-a-scene-group (snake_case) → {open_conversation_id, chat_id}.
 * Members: POST /v1.0/im/sceneGroup/member/add|delete (api-addscenegroupmember, api-removescenegroupmember).
 *
 * Error codes are the create-a-scene-group page's table: groupTemplate.notFound ("群模板不存在或者已下线"),
 * member.notFound ("不存在的员工"), member.exceed ("群成员数量超出限制"), permession.checkFailed
 * ("群主不在应用可见性内"), groupTemplate.permessionDenied.orgNotConsistent. Creation is metered like
 * every non-contacts API (dingtalk.md §5.1).
 */
import { newApiRejection } from './errors';
import { AppState, GroupState, SceneGroupTemplateState } from './model';
import { ApiCall, EndpointDefinition } from './pipeline';
import { DingTalkState } from './state';
import { isRecord, newHexId } from './util';

/** Scene group title ≤ 30 characters (create-a-scene-group-v2). */
export const SCENE_GROUP_TITLE_MAX_CHARS = 30;
/** "群成员人数上限1000" (api-addscenegroupmember). */
export const SCENE_GROUP_MAX_MEMBERS = 1000;

interface CreateRequest {
  readonly title: string;
  readonly templateId: string;
  readonly ownerUserId: string;
  readonly userIds: readonly string[];
  readonly uuid?: string;
}

function body(call: ApiCall): Record<string, unknown> {
  // The pipeline has checked the body against the request model: an object with the modelled types.
  if (!isRecord(call.body)) throw newApiRejection(400, 'MissingParameter.Body', '请求体必须是JSON对象', 'request body must be a JSON object');
  return call.body;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []);

function notFoundMember(call: ApiCall, userIds: readonly string[], who: string): never {
  throw newApiRejection(400, 'member.notFound', '不存在的员工', `${who} not in org ${call.app.config.corpId}: ${userIds.join(', ')}`);
}

function templateFor(state: DingTalkState, app: AppState, templateId: string): SceneGroupTemplateState {
  const template = state.sceneGroupTemplates.get(templateId);
  if (!template) throw newApiRejection(400, 'groupTemplate.notFound', '群模板不存在或者已下线', `no scene-group template ${templateId}; register it with PUT /_sim/dingtalk/scene-group-templates/${templateId}`);
  if (template.corpId !== app.config.corpId) {
    throw newApiRejection(400, 'groupTemplate.permessionDenied.orgNotConsistent', '企业内部应用模板，不能在其他企业使用', `template ${templateId} belongs to org ${template.corpId}, not ${app.config.corpId}`);
  }
  if (!template.published) throw newApiRejection(400, 'groupTemplate.notFound', '群模板不存在或者已下线', `template ${templateId} is not reviewed and published (or was taken offline)`);
  return template;
}

/** The create rules shared by both variants; returns the group (the first one again for a known uuid). */
function createGroup(state: DingTalkState, call: ApiCall, request: CreateRequest): GroupState {
  if ([...request.title].length > SCENE_GROUP_TITLE_MAX_CHARS) {
    throw newApiRejection(400, 'parameter.invalid', '输入参数错误', `title has ${[...request.title].length} characters (limit ${SCENE_GROUP_TITLE_MAX_CHARS})`);
  }
  if (request.uuid) {
    // "建群去重的业务ID": the same uuid returns the group created first, whatever else changed.
    const existing = state.groups.get(call.app.sceneGroupsByUuid.get(request.uuid) ?? '');
    if (existing) {
      call.note(`uuid ${request.uuid} seen before; returned group ${existing.openConversationId} created then (no second group)`);
      return existing;
    }
  }
  const template = templateFor(state, call.app, request.templateId);
  if (!state.findUser(call.app, call.ctx, request.ownerUserId)) notFoundMember(call, [request.ownerUserId], 'owner');
  const visible = call.app.config.visibleUserIds;
  if (visible && !visible.includes(request.ownerUserId)) {
    throw newApiRejection(400, 'permession.checkFailed', '群主不在应用可见性内', `owner ${request.ownerUserId} is outside the visible range of app ${call.app.config.clientId}`);
  }
  const unknown = request.userIds.filter((userId) => !state.findUser(call.app, call.ctx, userId));
  if (unknown.length > 0) notFoundMember(call, unknown, 'members');
  const members = new Set([request.ownerUserId, ...request.userIds]);
  if (members.size > SCENE_GROUP_MAX_MEMBERS) throw newApiRejection(400, 'member.exceed', '群成员数量超出限制', `${members.size} members (limit ${SCENE_GROUP_MAX_MEMBERS})`);
  const group: GroupState = {
    openConversationId: `cid${Buffer.from(newHexId(), 'hex').toString('base64')}`,
    chatId: `chat${newHexId()}`,
    corpId: call.app.config.corpId,
    title: request.title,
    ownerUserId: request.ownerUserId,
    members,
    // The template's robot is in every group made from it; the app robot is not.
    robotCodes: new Set([template.robotCode]),
    createdByApi: true,
    templateId: template.templateId,
    disbanded: false,
  };
  state.groups.set(group.openConversationId, group);
  if (request.uuid) call.app.sceneGroupsByUuid.set(request.uuid, group.openConversationId);
  // Shown in the view and sim.conversations(): the group exists before anyone posts in it.
  call.ctx.deliver({ platform: 'dingtalk', conversation: `group:${group.openConversationId}`, kind: 'text', text: `${request.ownerUserId} created the group "${group.title}" (template ${template.templateId}); members: ${[...members].join(', ')}`, orgId: group.corpId, sender: 'DingTalk' });
  return group;
}

function sceneGroupOf(state: DingTalkState, call: ApiCall, openConversationId: string): GroupState {
  const group = state.groups.get(openConversationId);
  if (!group || group.corpId !== call.app.config.corpId || group.templateId === undefined) {
    // sim code: the docs name no code for an unknown or non-scene group.
    throw newApiRejection(400, 'parameter.invalid', '输入参数错误', `no scene group ${openConversationId} in org ${call.app.config.corpId}`);
  }
  if (group.disbanded) throw newApiRejection(400, 'parameter.invalid', '输入参数错误', `group ${openConversationId} was disbanded`);
  return group;
}

/** user_ids plus the userIds behind union_ids; every one must be in the org. */
function memberIds(state: DingTalkState, call: ApiCall, raw: Record<string, unknown>): string[] {
  const users = state.usersOf(call.app, call.ctx);
  const unionIds = list(raw.union_ids);
  const fromUnion = unionIds.map((unionId) => users.find((user) => user.unionId === unionId)?.userId);
  const ids = [...list(raw.user_ids), ...fromUnion.filter((id): id is string => id !== undefined)];
  const unknownUnion = unionIds.filter((_, index) => fromUnion[index] === undefined);
  const unknown = [...list(raw.user_ids).filter((userId) => !state.findUser(call.app, call.ctx, userId)), ...unknownUnion.map((id) => `unionId ${id}`)];
  if (unknown.length > 0) notFoundMember(call, unknown, 'members');
  if (ids.length === 0) throw newApiRejection(400, 'parameter.invalid', '输入参数错误', 'neither user_ids nor union_ids names anyone');
  return [...new Set(ids)];
}

export function sceneGroupEndpoints(state: DingTalkState): EndpointDefinition[] {
  const createConversation: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/im/sceneGroups',
    endpoint: 'im/sceneGroups',
    metered: true,
    run: (call) => {
      const raw = body(call);
      const group = createGroup(state, call, {
        title: text(raw.groupName) ?? '',
        templateId: text(raw.templateId) ?? '',
        ownerUserId: text(raw.groupOwnerId) ?? '',
        userIds: list(raw.userIdList),
        ...(text(raw.uuid) ? { uuid: text(raw.uuid) } : {}),
      });
      return { openConversationId: group.openConversationId };
    },
  };

  const createSnake: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/im/sceneGroup/create',
    endpoint: 'im/sceneGroup/create',
    metered: true,
    run: (call) => {
      const raw = body(call);
      const group = createGroup(state, call, {
        title: text(raw.title) ?? '',
        templateId: text(raw.template_id) ?? '',
        ownerUserId: text(raw.owner_user_id) ?? '',
        userIds: list(raw.user_ids),
        ...(text(raw.uuid) ? { uuid: text(raw.uuid) } : {}),
      });
      return { open_conversation_id: group.openConversationId, chat_id: group.chatId };
    },
  };

  const addMembers: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/im/sceneGroup/member/add',
    endpoint: 'im/sceneGroup/member/add',
    metered: true,
    run: (call) => {
      const raw = body(call);
      const group = sceneGroupOf(state, call, text(raw.open_conversation_id) ?? '');
      const ids = memberIds(state, call, raw);
      const added = ids.filter((id) => !group.members.has(id));
      if (group.members.size + added.length > SCENE_GROUP_MAX_MEMBERS) {
        throw newApiRejection(400, 'member.exceed', '群成员数量超出限制', `${group.members.size + added.length} members (limit ${SCENE_GROUP_MAX_MEMBERS})`);
      }
      for (const id of added) group.members.add(id);
      if (added.length < ids.length) call.note(`already members (no change): ${ids.filter((id) => !added.includes(id)).join(', ')}`);
      if (added.length > 0) call.ctx.deliver({ platform: 'dingtalk', conversation: `group:${group.openConversationId}`, kind: 'text', text: `added to the group: ${added.join(', ')}`, orgId: group.corpId, sender: 'DingTalk' });
      return { success: true };
    },
  };

  const removeMembers: EndpointDefinition = {
    family: 'new',
    method: 'POST',
    path: '/v1.0/im/sceneGroup/member/delete',
    endpoint: 'im/sceneGroup/member/delete',
    metered: true,
    run: (call) => {
      const raw = body(call);
      const group = sceneGroupOf(state, call, text(raw.open_conversation_id) ?? '');
      const ids = memberIds(state, call, raw);
      if (group.ownerUserId && ids.includes(group.ownerUserId)) {
        // sim code: the docs do not say; a group cannot lose its owner without a new one.
        throw newApiRejection(400, 'parameter.invalid', '输入参数错误', `${group.ownerUserId} is the group owner and cannot be removed`);
      }
      const removed = ids.filter((id) => group.members.delete(id));
      // Whether DingTalk refuses removing a non-member is not documented; the simulator ignores it.
      if (removed.length < ids.length) call.note(`not members (no change): ${ids.filter((id) => !removed.includes(id)).join(', ')}`);
      if (removed.length > 0) call.ctx.deliver({ platform: 'dingtalk', conversation: `group:${group.openConversationId}`, kind: 'text', text: `removed from the group: ${removed.join(', ')}`, orgId: group.corpId, sender: 'DingTalk' });
      return { success: true };
    },
  };

  return [createConversation, createSnake, addMembers, removeMembers];
}

/** True when `robotCode` is the robot of a template of the app's org (it may post into groups made from it). */
export function isTemplateRobotOf(state: DingTalkState, app: AppState, robotCode: string): boolean {
  return [...state.sceneGroupTemplates.values()].some((template) => template.corpId === app.config.corpId && template.robotCode === robotCode);
}
