/**
 * The contract of the `outgoing-im` queue: one message = one metered DingTalk call, so the
 * dispatcher can rate-limit, meter and de-duplicate per message (dingtalk.md §5).
 * zod/mini keeps the Lambda bundles small.
 */
import * as z from 'zod/mini';

const nonEmpty = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const stringMap = z.record(z.string(), z.string());

/** Where a card or digest goes: a group (openConversationId) or a person's 1:1 robot chat. */
export const conversationTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('group'), openConversationId: nonEmpty(256), coolAppCode: z.optional(nonEmpty(256)) }),
  z.object({ type: z.literal('user'), userId: nonEmpty(128) }),
]);
export type ConversationTarget = z.infer<typeof conversationTargetSchema>;

export const severitySchema = z.enum(['Critical', 'Warning', 'Info']);

const envelope = {
  integrationId: nonEmpty(63),
  /** Stable per logical call (e.g. `card:<incident>:<revision>:<target>`): a redelivery never calls twice. */
  idempotencyKey: nonEmpty(512),
  severity: severitySchema,
  incidentId: z.optional(nonEmpty(256)),
  /** One line for the digest when the call is deferred (≥ 95 % of the monthly quota used). */
  summary: nonEmpty(600),
  /** Conversations the digest line goes to; defaults to the call's own targets. */
  digestTargets: z.optional(z.array(conversationTargetSchema)),
  /** userId → the linked member's email, so the operation log can name each recipient by email. */
  recipientEmails: z.optional(stringMap),
};

export const createAndDeliverCallSchema = z.object({
  kind: z.literal('dingtalk.createAndDeliver'),
  ...envelope,
  payload: z.object({
    outTrackId: nonEmpty(256),
    cardTemplateId: nonEmpty(256),
    callbackRouteKey: z.optional(nonEmpty(128)),
    cardParamMap: stringMap,
    privateData: z.optional(z.record(z.string(), stringMap)),
    /** Several spaces in one call cost one metered call. */
    targets: z.array(conversationTargetSchema).check(z.minLength(1), z.maxLength(20)),
    /** Group delivery: userId → display name to @ with the card (imGroupOpenDeliverModel.atUserIds). */
    atUserIds: z.optional(stringMap),
    /** Group delivery by another robot than the app's (a War Room's scene-group template robot, issue 14). */
    robotCode: z.optional(nonEmpty(128)),
  }),
});

export const updateCardCallSchema = z.object({
  kind: z.literal('dingtalk.updateCard'),
  ...envelope,
  payload: z.object({
    outTrackId: nonEmpty(256),
    cardParamMap: z.optional(stringMap),
    privateData: z.optional(z.record(z.string(), stringMap)),
    /** false overwrites the whole map ("不填默认覆盖更新"). */
    updateByKey: z._default(z.boolean(), true),
    /** The incident render this update shows: an older one that arrives late is not sent over a newer one. */
    renderVersion: z.optional(z.number()),
  }),
});

export const groupMessageCallSchema = z.object({
  kind: z.literal('dingtalk.groupMessage'),
  ...envelope,
  payload: z.object({
    openConversationId: nonEmpty(256),
    coolAppCode: z.optional(nonEmpty(256)),
    /**
     * The robot that posts (OrgGroupSendRequest.robotCode); absent = the app's own robot. A scene
     * group holds its template's robot, not the app robot (dingtalk.md §4.5), so War Room posts
     * name the template robot here.
     */
    robotCode: z.optional(nonEmpty(128)),
    msgKey: nonEmpty(64),
    msgParam: z.string().check(z.minLength(2), z.maxLength(15_000)),
    // No @ fields: groupMessages/send has none (SDK OrgGroupSendRequest). Groups are @-ed by the
    // card (createAndDeliver payload atUserIds). Older messages' at-fields are dropped on parse.
  }),
});

export const oneToOneMessageCallSchema = z.object({
  kind: z.literal('dingtalk.oneToOneMessage'),
  ...envelope,
  payload: z.object({
    /** "每次最多传20个" (chatbots-send-one-on-one-chat-messages-in-batches). */
    userIds: z.array(nonEmpty(128)).check(z.minLength(1), z.maxLength(20)),
    msgKey: nonEmpty(64),
    msgParam: z.string().check(z.minLength(2), z.maxLength(15_000)),
  }),
});

/**
 * A DingTalk custom robot (group bot) message: metered against the org's monthly Webhook & Stream
 * quota, not the API quota (dingtalk.md §5.1). The webhook URL and sign secret are read by name.
 */
export const robotWebhookCallSchema = z.object({
  kind: z.literal('dingtalk.robotWebhook'),
  ...envelope,
  payload: z.object({
    bot: nonEmpty(64),
    /** The robot message body (msgtype, markdown, at, msgUuid), already within 20000 bytes. */
    body: z.record(z.string(), z.unknown()),
    /** A digest of held-back alerts: it may use the quota's last 5 % (like the API digests). */
    digest: z.optional(z.boolean()),
  }),
});

/**
 * Scene groups (War Room, dingtalk.md §4.5): metered API calls like every non-contacts API (§5.1).
 * Legacy oapi scenegroup/member/add: "多个userid之间使用英文逗号分隔，最多传100个" (add-people-to-scene-group);
 * the new api-addscenegroupmember page states no per-call limit, only "群成员人数上限1000" for the
 * group, so the documented 100 is kept per call.
 */
export const SCENE_GROUP_MEMBERS_PER_CALL = 100;
/** A group holds at most 1000 members ("群成员人数上限1000", api-addscenegroupmember). */
export const SCENE_GROUP_MAX_MEMBERS = 1000;
const userIdList = (min: number, max: number) => z.array(nonEmpty(128)).check(z.minLength(min), z.maxLength(max));

/** POST /v1.0/im/sceneGroups (SDK im_1_0.CreateSceneGroupConversationRequest); `uuid` makes it idempotent. */
export const sceneGroupCreateCallSchema = z.object({
  kind: z.literal('dingtalk.sceneGroupCreate'),
  ...envelope,
  payload: z.object({
    /** Group name; ≤ 30 characters (create-a-scene-group-v2). */
    title: z.string().check(z.minLength(1), z.maxLength(30)),
    templateId: nonEmpty(256),
    ownerUserId: nonEmpty(128),
    userIds: userIdList(0, SCENE_GROUP_MAX_MEMBERS - 1),
    /** DingTalk's idempotency key: the same uuid returns the group created first. */
    uuid: nonEmpty(128),
  }),
});

const sceneGroupMembersPayload = z.object({
  openConversationId: nonEmpty(256),
  userIds: userIdList(1, SCENE_GROUP_MEMBERS_PER_CALL),
});

/** POST /v1.0/im/sceneGroup/member/add (api-addscenegroupmember). */
export const sceneGroupAddMembersCallSchema = z.object({ kind: z.literal('dingtalk.sceneGroupAddMembers'), ...envelope, payload: sceneGroupMembersPayload });
/** POST /v1.0/im/sceneGroup/member/delete (api-removescenegroupmember). */
export const sceneGroupRemoveMembersCallSchema = z.object({ kind: z.literal('dingtalk.sceneGroupRemoveMembers'), ...envelope, payload: sceneGroupMembersPayload });

export const outgoingCallSchema = z.discriminatedUnion('kind', [
  createAndDeliverCallSchema,
  updateCardCallSchema,
  groupMessageCallSchema,
  oneToOneMessageCallSchema,
  robotWebhookCallSchema,
  sceneGroupCreateCallSchema,
  sceneGroupAddMembersCallSchema,
  sceneGroupRemoveMembersCallSchema,
]);

export type OutgoingCall = z.infer<typeof outgoingCallSchema>;
/** What producers write (defaults such as updateByKey may be left out). */
export type OutgoingCallInput = z.input<typeof outgoingCallSchema>;
export type OutgoingCallKind = OutgoingCall['kind'];

export class InvalidOutgoingCallError extends Error {
  override readonly name = 'InvalidOutgoingCallError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid outgoing call: ${issues.join('; ')}`);
  }
}

/** Parses a queue message body; throws InvalidOutgoingCallError with plain-words issues. */
export function parseOutgoingCall(input: unknown): OutgoingCall {
  const parsed = outgoingCallSchema.safeParse(typeof input === 'string' ? safeJson(input) : input);
  if (!parsed.success) throw new InvalidOutgoingCallError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`));
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The conversations a deferred call's digest line goes to. */
export function digestTargetsOf(call: OutgoingCall): ConversationTarget[] {
  if (call.digestTargets) return call.digestTargets;
  switch (call.kind) {
    case 'dingtalk.createAndDeliver':
      return call.payload.targets;
    case 'dingtalk.groupMessage':
      // A message from another robot (a scene group's template robot) has no digest: the digest is
      // sent by the app robot, which is not in that group.
      if (call.payload.robotCode) return [];
      return [{ type: 'group', openConversationId: call.payload.openConversationId, ...(call.payload.coolAppCode ? { coolAppCode: call.payload.coolAppCode } : {}) }];
    case 'dingtalk.oneToOneMessage':
      return call.payload.userIds.map((userId) => ({ type: 'user', userId }));
    case 'dingtalk.updateCard':
    case 'dingtalk.robotWebhook': // held back into the bot's own digest (shared/application/group-bots.ts)
    case 'dingtalk.sceneGroupCreate': // group management is not a message: nothing to digest
    case 'dingtalk.sceneGroupAddMembers':
    case 'dingtalk.sceneGroupRemoveMembers':
      return [];
  }
}
