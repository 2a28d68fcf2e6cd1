/**
 * Request models of the DingTalk endpoints dutybridge calls, and the conformance check the
 * simulator (and the tests) apply to request bodies: no field the model does not define, at any
 * depth; every value of the model's JSON type and nesting; every required field present.
 *
 * The api.dingtalk.com models come from the official SDK `@alicloud/dingtalk` (a devDependency):
 * `npm run sdk-models` writes their field trees to sdk-models.json (scripts/export-sdk-models.ts),
 * because the simulator also runs under `npm start` and must not load the SDK itself. A test
 * compares the snapshot with the installed SDK, so an SDK bump shows the drift.
 *
 * The oapi endpoint topapi/v2/user/getbymobile is not covered by the SDK; its model is written
 * here from the official page (see GET_BY_MOBILE_MODEL).
 *
 * Whether DingTalk itself refuses an unknown field or silently ignores it is not documented. The
 * simulator refuses it (400): a field DingTalk does not know can only mean a request that does
 * not do what its author thinks (e.g. `atUserIds` on groupMessages/send mentions nobody).
 */
import snapshotJson from './sdk-models.json';
import { GET_BY_UNIONID_MODEL, USER_GET_MODEL } from './contacts';
import { DingTalkRejectionError, newApiRejection, oapiRejection } from './errors';

export type SdkPrimitive = 'string' | 'number' | 'boolean';

/** The JSON type of a field, as the SDK's `types()` describes it. */
export type SdkType =
  | { readonly kind: SdkPrimitive }
  | { readonly kind: 'object'; readonly model: string; readonly fields: SdkFields }
  | { readonly kind: 'array'; readonly items: SdkType }
  /** A JSON object with free (string) keys, e.g. cardParamMap. */
  | { readonly kind: 'map'; readonly values: SdkType };

export interface SdkField {
  /** "This parameter is required." in the SDK's declaration. */
  readonly required: boolean;
  readonly type: SdkType;
}

/** Keyed by JSON key (the SDK's `names()` values). */
export type SdkFields = Readonly<Record<string, SdkField>>;

export interface SdkRequestModel {
  /** `<module>.<RequestClass>`, e.g. `card_1_0.CreateAndDeliverRequest`; `oapi.<path>` for oapi. */
  readonly name: string;
  readonly family: 'new' | 'oapi';
  readonly method: string;
  readonly path: string;
  readonly fields: SdkFields;
}

export interface SdkModelSnapshot {
  /** Package and version the snapshot was taken from. */
  readonly sdk: string;
  readonly generatedBy: string;
  readonly requests: readonly SdkRequestModel[];
}

export const sdkModelSnapshot = snapshotJson as unknown as SdkModelSnapshot;

/**
 * POST https://oapi.dingtalk.com/topapi/v2/user/getbymobile, from the official page
 * https://open.dingtalk.com/document/development/query-users-by-phone-number ("根据手机号查询用户"):
 * the request body table has `mobile` (String, 是否必填: 是). `support_exclusive_account_search`
 * is not in that table but the page's own Python sample sets it (Boolean), so it is accepted as
 * optional. `access_token` travels in the query string, not in the body.
 */
export const GET_BY_MOBILE_MODEL: SdkRequestModel = {
  name: 'oapi.topapi/v2/user/getbymobile',
  family: 'oapi',
  method: 'POST',
  path: '/topapi/v2/user/getbymobile',
  fields: {
    mobile: { required: true, type: { kind: 'string' } },
    support_exclusive_account_search: { required: false, type: { kind: 'boolean' } },
  },
};

const str = { kind: 'string' } as const;
const int = { kind: 'number' } as const;
const strings = { kind: 'array', items: str } as const;

/**
 * Scene-group members, POST https://api.dingtalk.com/v1.0/im/sceneGroup/member/add and …/delete,
 * from the official pages "添加场景群成员" https://open.dingtalk.com/document/development/api-addscenegroupmember
 * and "删除场景群成员" https://open.dingtalk.com/document/development/api-removescenegroupmember: body
 * `open_conversation_id` (String, 是), `user_ids` and `union_ids` (Array of String, 否), answer
 * `{"success": true}`. npm @alicloud/dingtalk 2.2.27 has no model for them; the Java/C# SDK's
 * AddSceneGroupMemberRequest / RemoveSceneGroupMemberRequest map the same snake_case keys. The
 * casing of the path is as both pages write it (`sceneGroup`; an index of the delete page writes
 * `scenegroup`): the simulator serves the pages' casing only.
 */
function sceneGroupMembersModel(verb: 'add' | 'delete'): SdkRequestModel {
  return {
    name: `im_1_0.${verb === 'add' ? 'AddSceneGroupMemberRequest' : 'RemoveSceneGroupMemberRequest'}`,
    family: 'new',
    method: 'POST',
    path: `/v1.0/im/sceneGroup/member/${verb}`,
    fields: {
      open_conversation_id: { required: true, type: str },
      user_ids: { required: false, type: strings },
      union_ids: { required: false, type: strings },
    },
  };
}
export const SCENE_GROUP_MEMBER_ADD_MODEL = sceneGroupMembersModel('add');
export const SCENE_GROUP_MEMBER_DELETE_MODEL = sceneGroupMembersModel('delete');

/**
 * The snake_case create variant, POST https://api.dingtalk.com/v1.0/im/sceneGroup/create, from the
 * official page "创建场景群" https://open.dingtalk.com/document/development/create-a-scene-group
 * (title, template_id, owner_user_id required; the Java SDK's CreateSceneGroupRequest). dutybridge
 * sends the npm SDK's CreateSceneGroupConversationRequest (POST /v1.0/im/sceneGroups) instead; this
 * one is served so both documented variants are checked.
 */
export const SCENE_GROUP_CREATE_SNAKE_MODEL: SdkRequestModel = {
  name: 'im_1_0.CreateSceneGroupRequest',
  family: 'new',
  method: 'POST',
  path: '/v1.0/im/sceneGroup/create',
  fields: {
    title: { required: true, type: str },
    icon: { required: false, type: str },
    template_id: { required: true, type: str },
    owner_user_id: { required: true, type: str },
    user_ids: { required: false, type: strings },
    subadmin_ids: { required: false, type: strings },
    uuid: { required: false, type: str },
    management_options: {
      required: false,
      type: {
        kind: 'object',
        model: 'CreateSceneGroupRequestManagementOptions',
        fields: Object.fromEntries(
          [
            'mention_all_authority',
            'show_history_type',
            'validation_type',
            'searchable',
            'chat_banned_type',
            'management_type',
            'only_admin_can_ding',
            'all_members_can_create_mcs_conf',
            'all_members_can_create_calendar',
            'group_email_disabled',
            'only_admin_can_set_msg_top',
            'add_friend_forbidden',
            'group_live_switch',
            'members_to_admin_chat',
            'not_quit_when_emp_leave',
            'only_admin_can_add_mem',
          ].map((key) => [key, { required: false, type: int }]),
        ),
      },
    },
  },
};

/** Every request model the simulator validates with: the SDK snapshot plus the hand-written ones. */
export function requestModels(): readonly SdkRequestModel[] {
  return [...sdkModelSnapshot.requests, GET_BY_MOBILE_MODEL, USER_GET_MODEL, GET_BY_UNIONID_MODEL, SCENE_GROUP_CREATE_SNAKE_MODEL, SCENE_GROUP_MEMBER_ADD_MODEL, SCENE_GROUP_MEMBER_DELETE_MODEL];
}

export function requestModelFor(family: 'new' | 'oapi', method: string, path: string): SdkRequestModel | undefined {
  return requestModels().find((model) => model.family === family && model.method === method.toUpperCase() && model.path === path);
}

export function requestModelNamed(name: string): SdkRequestModel {
  const model = requestModels().find((candidate) => candidate.name === name);
  if (!model) throw new Error(`no request model ${name}`);
  return model;
}

export interface ConformanceIssue {
  readonly kind: 'unknown' | 'type' | 'missing';
  /** JSON path, e.g. `imGroupOpenDeliverModel.atUserIds.bob` or `userIds[2]`. */
  readonly path: string;
  /** The JSON key concerned (last path segment). */
  readonly key: string;
  readonly message: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeSdkType(type: SdkType): string {
  switch (type.kind) {
    case 'object':
      return `object (${type.model})`;
    case 'array':
      return `array of ${describeSdkType(type.items)}`;
    case 'map':
      return `object of string → ${describeSdkType(type.values)}`;
    default:
      return type.kind;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function checkValue(value: unknown, type: SdkType, path: string, key: string, issues: ConformanceIssue[]): void {
  const wrong = (): void => {
    issues.push({ kind: 'type', path, key, message: `${path} must be ${describeSdkType(type)}, got ${describeValue(value)}` });
  };
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') wrong();
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) wrong();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong();
      return;
    case 'array':
      if (!Array.isArray(value)) return wrong();
      value.forEach((item, index) => checkValue(item, type.items, `${path}[${index}]`, key, issues));
      return;
    case 'map':
      if (!isPlainObject(value)) return wrong();
      for (const [entryKey, entry] of Object.entries(value)) checkValue(entry, type.values, join(path, entryKey), entryKey, issues);
      return;
    case 'object':
      if (!isPlainObject(value)) return wrong();
      checkFields(value, type.fields, type.model, path, issues);
      return;
  }
}

function checkFields(value: Record<string, unknown>, fields: SdkFields, model: string, path: string, issues: ConformanceIssue[]): void {
  for (const [key, entry] of Object.entries(value)) {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field) {
      issues.push({ kind: 'unknown', path: join(path, key), key, message: `${join(path, key)} is not a field of ${model}` });
      continue;
    }
    checkValue(entry, field.type, join(path, key), key, issues);
  }
  for (const [key, field] of Object.entries(fields)) {
    if (field.required && !Object.hasOwn(value, key)) issues.push({ kind: 'missing', path: join(path, key), key, message: `${join(path, key)} is required by ${model}` });
  }
}

/** Every way `body` departs from the model; empty when it conforms. */
export function conformanceIssues(body: unknown, model: Pick<SdkRequestModel, 'name' | 'fields'>): ConformanceIssue[] {
  const issues: ConformanceIssue[] = [];
  if (!isPlainObject(body)) {
    issues.push({ kind: 'type', path: '(body)', key: '(body)', message: `the body must be a JSON object (${model.name}), got ${describeValue(body)}` });
    return issues;
  }
  checkFields(body, model.fields, model.name, '', issues);
  return issues;
}

/**
 * Codes the DingTalk docs give for a missing card parameter (create-and-deliver-cards,
 * interactive-card-update-interface). Other missing fields get the gateway's `Missing<field>`.
 */
const DOCUMENTED_MISSING_CODES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'card_1_0.CreateAndDeliverRequest': { outTrackId: 'param.outTrackIdEmpty', cardTemplateId: 'param.cardTemplateIdEmpty', openSpaceId: 'param.openSpaceIdInvalid' },
  'card_1_0.UpdateCardRequest': { outTrackId: 'param.outTrackIdEmpty' },
};

const MAX_LISTED_ISSUES = 10;

/**
 * The simulator's rejection for a body that does not conform to its request model, or undefined.
 * The code names the first problem (unknown field, then wrong type, then missing field); the
 * reason lists them all. Sim codes (the docs name none): `invalidParameter.unknownField`,
 * `invalidParameter.typeMismatch`; oapi answers 400002 "无效的参数" (the getbymobile page's code
 * for invalid parameters) and 40035 "缺少参数" for a missing one.
 */
export function nonConformingBodyRejection(model: SdkRequestModel, body: unknown): DingTalkRejectionError | undefined {
  const issues = conformanceIssues(body, model);
  if (issues.length === 0) return undefined;
  const order = { unknown: 0, type: 1, missing: 2 } as const;
  const first = [...issues].sort((a, b) => order[a.kind] - order[b.kind])[0] as ConformanceIssue;
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => issue.message);
  if (issues.length > MAX_LISTED_ISSUES) listed.push(`and ${issues.length - MAX_LISTED_ISSUES} more`);
  const reason = `body does not fit the request model ${model.name}: ${listed.join('; ')}`;
  if (model.family === 'oapi') {
    return first.kind === 'missing' ? oapiRejection(40035, `缺少参数 ${first.key}`, reason) : oapiRejection(400002, '无效的参数', reason);
  }
  switch (first.kind) {
    case 'unknown':
      return newApiRejection(400, 'invalidParameter.unknownField', `未知参数: ${first.path}`, reason);
    case 'type':
      return newApiRejection(400, 'invalidParameter.typeMismatch', `参数类型错误: ${first.path}`, reason);
    case 'missing': {
      const code = DOCUMENTED_MISSING_CODES[model.name]?.[first.path] ?? `Missing${first.key}`;
      return newApiRejection(400, code, `${first.key} is mandatory for this action.`, reason);
    }
  }
}
