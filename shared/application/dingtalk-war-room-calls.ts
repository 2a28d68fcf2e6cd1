/**
 * The DingTalk calls of a War Room (scene groups, dingtalk.md §4.5), each run through dispatch in
 * process: idempotency ledger → monthly quota → QPS slot → call → classified answer. Scene-group
 * calls are metered API calls (dingtalk.md §5.1 "everything else is metered"), so they share the
 * quota, the 95 % policy and the app × API QPS limit with the cards; they do not go through the
 * outgoing-im queue because the War Room worker needs the answer (the group's openConversationId).
 *
 *  - sent      → done (a duplicate returns what the first call recorded, e.g. the group id);
 *  - parked / rejected / deferred / unconfirmed → WarRoomCallRefusedError with dispatch's reason,
 *    for the use case to record;
 *  - DispatchRetryLaterError (QPS, lease, throttling, 5xx) propagates: the war-room queue redelivers.
 */
import type { DingTalkIntegration } from '../domain/integration';
import type { Severity } from '../domain/incident';
import { groupMarkdownMessage } from '../domain/dingtalk-card';
import type { OutgoingCall } from '../domain/outgoing-call';
import { enabledWarRoom } from '../domain/war-room-settings';
import type { DispatchOutcome } from './dispatch';
import type { CreateSceneGroupInput, DingTalkWarRoomCalls } from './war-room-ports';

/** What this needs of DispatchUseCase. */
export interface DispatchExecutor {
  execute(call: OutgoingCall): Promise<DispatchOutcome>;
}

/** Scene-group name: "title (≤30 chars)" (create-a-scene-group-v2, dingtalk.md §4.5). */
export const SCENE_GROUP_TITLE_MAX_CHARS = 30;

/** Dispatch did not make the call, or DingTalk refused it; `reason` says why in plain words. */
export class WarRoomCallRefusedError extends Error {
  override readonly name = 'WarRoomCallRefusedError';
  constructor(
    /** `duplicate`: an earlier attempt of the same key ended without success. */
    readonly outcome: 'parked' | 'rejected' | 'deferred' | 'unconfirmed' | 'duplicate',
    readonly reason: string,
    readonly code?: string | number,
  ) {
    super(`War Room call not made (${outcome}): ${reason}`);
  }
}

export interface DispatchWarRoomCallsOptions {
  /**
   * Severity the calls are metered with. From 95 % of the monthly quota only Critical calls are
   * made (dingtalk.md §5): a War Room is opened for an incident someone is working on, so it is
   * Critical by default; a deferred call would only become a refusal (no digest for group calls).
   */
  readonly severity?: Severity;
}

export class DispatchWarRoomCalls implements DingTalkWarRoomCalls {
  private readonly severity: Severity;

  constructor(
    private readonly dispatch: DispatchExecutor,
    options: DispatchWarRoomCallsOptions = {},
  ) {
    this.severity = options.severity ?? 'Critical';
  }

  async createSceneGroup(integration: DingTalkIntegration, incidentId: string, input: CreateSceneGroupInput): Promise<{ openConversationId: string }> {
    const title = [...input.title].slice(0, SCENE_GROUP_TITLE_MAX_CHARS).join('');
    const outcome = await this.run({
      kind: 'dingtalk.sceneGroupCreate',
      ...this.envelope(integration, incidentId, `warroom:create:${integration.id}:${incidentId}${input.attempt && input.attempt > 1 ? `#${input.attempt}` : ''}`, `War Room "${title}" created`),
      payload: { title, templateId: input.templateId, ownerUserId: input.ownerUserId, userIds: [...input.userIds], uuid: input.uuid },
    });
    const openConversationId = outcome.kind === 'sent' ? outcome.result?.openConversationId : outcome.kind === 'duplicate' ? outcome.previous.result?.openConversationId : undefined;
    if (!openConversationId) {
      // A ledger record of the same key from before the id was kept: the group exists but its id is lost here.
      throw new WarRoomCallRefusedError('duplicate', `scene group of incident ${incidentId} was created before, but its openConversationId was not recorded`);
    }
    return { openConversationId };
  }

  async addSceneGroupMembers(integration: DingTalkIntegration, incidentId: string, input: { openConversationId: string; userIds: readonly string[]; idempotencyKey: string }): Promise<void> {
    await this.run({
      kind: 'dingtalk.sceneGroupAddMembers',
      ...this.envelope(integration, incidentId, input.idempotencyKey, `${input.userIds.length} responder(s) added to the War Room`),
      payload: { openConversationId: input.openConversationId, userIds: [...input.userIds] },
    });
  }

  async removeSceneGroupMembers(integration: DingTalkIntegration, incidentId: string, input: { openConversationId: string; userIds: readonly string[]; idempotencyKey: string }): Promise<void> {
    await this.run({
      kind: 'dingtalk.sceneGroupRemoveMembers',
      ...this.envelope(integration, incidentId, input.idempotencyKey, `${input.userIds.length} member(s) removed from the War Room`),
      payload: { openConversationId: input.openConversationId, userIds: [...input.userIds] },
    });
  }

  /** sampleMarkdown from the scene-group template's robot: the app robot is not in a scene group. */
  async postMarkdown(integration: DingTalkIntegration, incidentId: string, input: { openConversationId: string; title: string; text: string; idempotencyKey: string }): Promise<void> {
    const warRoom = enabledWarRoom(integration);
    if (warRoom?.platform !== 'dingtalk') throw new WarRoomCallRefusedError('rejected', `integration ${integration.id} has no DingTalk War Room settings (template robot code)`);
    const message = groupMarkdownMessage({ title: input.title, text: input.text });
    await this.run({
      kind: 'dingtalk.groupMessage',
      ...this.envelope(integration, incidentId, input.idempotencyKey, input.title),
      payload: { openConversationId: input.openConversationId, robotCode: warRoom.robotCode, msgKey: message.msgKey, msgParam: message.msgParam },
    });
  }

  private envelope(integration: DingTalkIntegration, incidentId: string, idempotencyKey: string, summary: string) {
    return { integrationId: integration.id, idempotencyKey: idempotencyKey.slice(0, 512), severity: this.severity, incidentId, summary: summary.slice(0, 600) };
  }

  /** Sent or duplicate of a sent call: the outcome; anything else: WarRoomCallRefusedError. */
  private async run(call: OutgoingCall): Promise<Extract<DispatchOutcome, { kind: 'sent' | 'duplicate' }>> {
    const outcome = await this.dispatch.execute(call);
    switch (outcome.kind) {
      case 'sent':
        return outcome;
      case 'duplicate':
        if (outcome.previous.outcome === 'sent') return outcome;
        throw new WarRoomCallRefusedError('duplicate', `an earlier attempt of ${call.idempotencyKey} ended ${outcome.previous.outcome}${outcome.previous.reason ? `: ${outcome.previous.reason}` : ''}`);
      case 'rejected':
        throw new WarRoomCallRefusedError('rejected', outcome.reason, outcome.code);
      case 'parked':
      case 'deferred':
      case 'unconfirmed':
        throw new WarRoomCallRefusedError(outcome.kind, outcome.reason);
    }
  }
}
