/**
 * Ports of the War Room use case (issue 14): a group chat per incident with its responders.
 * WeCom: the app's group chats (appchat, wecom.md §4.5); DingTalk: scene groups (dingtalk.md §4.5),
 * whose calls go through dispatch (QPS and monthly quota). Adapters throw the platform's classified
 * failures (WeComCallFailure / DingTalkCallFailure); the use case decides what each means.
 */
import type { DingTalkIntegration, WeComIntegration } from '../domain/integration';
import type { WarRoom } from '../domain/war-room';

// ---- WeCom appchat --------------------------------------------------------------------------

export interface WeComAppChatInfo {
  readonly chatId: string;
  readonly name: string;
  readonly owner: string;
  readonly userIds: readonly string[];
}

/** One integration's appchat API (POST /cgi-bin/appchat/create|update|send, GET appchat/get). */
export interface WeComAppChats {
  /** errcode 86215 (chatid exists) is thrown like any failure: the caller checks with get(). */
  create(input: { chatId: string; name: string; owner: string; userIds: readonly string[] }): Promise<{ chatId: string }>;
  update(input: { chatId: string; addUserIds?: readonly string[]; removeUserIds?: readonly string[]; owner?: string }): Promise<void>;
  /** msgtype markdown: template_card is not accepted in appchat (wecom.md §4.5). */
  sendMarkdown(input: { chatId: string; content: string }): Promise<void>;
  /** undefined when WeCom says the chat does not exist (86003). */
  get(chatId: string): Promise<WeComAppChatInfo | undefined>;
}

export interface WeComAppChatsFactory {
  forIntegration(integration: WeComIntegration): Promise<WeComAppChats>;
}

// ---- DingTalk scene groups (through dispatch) ---------------------------------------------

export interface CreateSceneGroupInput {
  /** Group name (title); the template decides the robot and settings. */
  readonly title: string;
  readonly templateId: string;
  readonly ownerUserId: string;
  readonly userIds: readonly string[];
  /** Idempotency key: the same uuid never creates a second group. */
  readonly uuid: string;
  /**
   * Which request for the room this is (1, 2, …): after a refusal (template not published…) a new
   * request is a new dispatch call, while the uuid still guards against a second group.
   */
  readonly attempt?: number;
}

/**
 * DingTalk calls of a War Room, each made through dispatch (idempotency ledger, monthly quota,
 * QPS slot, answer classified). A call that must wait (QPS, lease, throttling) throws
 * DispatchRetryLaterError; the war-room queue redelivers the job.
 */
export interface DingTalkWarRoomCalls {
  createSceneGroup(integration: DingTalkIntegration, incidentId: string, input: CreateSceneGroupInput): Promise<{ openConversationId: string }>;
  addSceneGroupMembers(integration: DingTalkIntegration, incidentId: string, input: { openConversationId: string; userIds: readonly string[]; idempotencyKey: string }): Promise<void>;
  removeSceneGroupMembers(integration: DingTalkIntegration, incidentId: string, input: { openConversationId: string; userIds: readonly string[]; idempotencyKey: string }): Promise<void>;
  /** A markdown message from the integration's robot into the group (robot/groupMessages/send). */
  postMarkdown(integration: DingTalkIntegration, incidentId: string, input: { openConversationId: string; title: string; text: string; idempotencyKey: string }): Promise<void>;
}

// ---- State ----------------------------------------------------------------------------------

export interface WarRoomStore {
  get(incidentId: string, integrationId: string): Promise<(WarRoom & { readonly revision: number }) | undefined>;
  listForIncident(incidentId: string): Promise<(WarRoom & { readonly revision: number })[]>;
  /** Compare-and-swap on revision (0 = must not exist); ConcurrentUpdateError when it moved. */
  save(room: WarRoom, expectedRevision: number): Promise<number>;
}

/** Asks the war-room worker to reconcile an incident's rooms (the war-room queue). */
export interface WarRoomJobs {
  request(job: WarRoomJob): Promise<void>;
}

export interface WarRoomJob {
  readonly incidentId: string;
  /** requested: open rooms; dismissed: close them; sync: members and status of existing rooms. */
  readonly reason: 'requested' | 'dismissed' | 'sync';
  /** Who asked (card action), for the operation log. */
  readonly requestedBy?: string;
}
