/**
 * War Room (issue 14): a group chat per incident on each integration with War Room enabled, with the
 * incident's responders, kept in step with the incident. The war-room worker runs one job at a time
 * per message; every job reconciles what exists with what should, so a retry, a redelivery or two
 * jobs for one incident cannot make a second room:
 *
 * - WeCom appchat (wecom.md §4.5): the chatid is derived from the incident, so a create that lost its
 *   answer is answered 86215 (chatid exists) on retry, and appchat/get confirms the room is ours.
 * - DingTalk scene group (dingtalk.md §4.5): the `uuid` is derived from the incident; every call goes
 *   through dispatch (QPS, monthly quota, idempotency ledger).
 *
 * Each room's record is written with compare-and-swap after every step (created, summary posted,
 * members changed, status posted, closed), so a job that dies mid-way is finished by the next one.
 * Platform refusals that retrying cannot fix (48002 visibility not root, template not published,
 * owner outside visibility, member not found) are recorded in plain words on the room and in the
 * operation log; transient ones are thrown so the queue retries the job.
 */
import type { Incident } from '../domain/incident';
import { warRoomActionKey } from '../domain/incident-action';
import type { DingTalkIntegration, Integration, WeComIntegration } from '../domain/integration';
import type { OperationReasonCode, OperationRecord, OperationResult } from '../domain/operation-log';
import {
  dingTalkWarRoomUuid,
  memberChange,
  warRoomName,
  weComWarRoomChatId,
  WECOM_ROOM_MAX_MEMBERS,
  WECOM_ROOM_MIN_MEMBERS,
  type WarRoom,
} from '../domain/war-room';
import { warRoomClosing, warRoomStatusLine, warRoomSummary, type WarRoomMarkdown } from '../domain/war-room-messages';
import { dingTalkMobile } from './dingtalk-mobile-resolver';
import { WarRoomCallRefusedError } from './dingtalk-war-room-calls';
import { isDingTalkCallFailure } from './dispatch-ports';
import { isWeComCallFailure, type ActionPublisher, type Clock, type IncidentRepository, type IntegrationRepository, type LinkStore, type MemberDirectory, type OperationLog } from './ports';
import type { DingTalkWarRoomCalls, WarRoomJob, WarRoomStore, WeComAppChatsFactory } from './war-room-ports';

/** The War Room settings of an integration (shared/domain/integration.ts `settings.warRoom`). */
interface WarRoomSettings {
  readonly enabled: boolean;
  readonly closeOnResolve?: boolean;
  readonly templateId?: string;
  readonly robotCode?: string;
}

export interface WarRoomDeps {
  readonly incidents: Pick<IncidentRepository, 'get'>;
  readonly integrations: Pick<IntegrationRepository, 'get' | 'list'>;
  readonly links: Pick<LinkStore, 'byEmails'>;
  readonly members: Pick<MemberDirectory, 'get'>;
  /** DingTalk: an unlinked responder found by their directory mobile (getbymobile, cached). */
  readonly dingTalkMobiles?: { userIdByMobile(integration: DingTalkIntegration, mobile: string): Promise<{ userId: string } | { reason: string; detail?: string }> };
  readonly rooms: WarRoomStore;
  readonly weCom: WeComAppChatsFactory;
  readonly dingTalk: DingTalkWarRoomCalls;
  /**
   * DingTalk: the incident card delivered into the room and refreshed with the others. The worker
   * only asks (card-refresh queue): rendering cards stays with the functions that carry templates.
   */
  readonly dingTalkCards?: { deliverToWarRoom(integration: DingTalkIntegration, incident: Incident, openConversationId: string, robotCode: string): Promise<void> };
  readonly actions: Pick<ActionPublisher, 'publish'>;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly clock: Clock;
  /**
   * The first analysis posted once a room is open (issue 15): the incident's summary and recent
   * timeline and, with the integration's model, a first analysis. Absent = none.
   */
  readonly firstAnalysis?: { compose(integration: Integration, incident: Incident): Promise<WarRoomMarkdown> };
}

export type WarRoomOutcome =
  | { readonly kind: 'opened' | 'synced' | 'closed' | 'unchanged'; readonly integrationId: string; readonly chatId?: string }
  | { readonly kind: 'failed'; readonly integrationId: string; readonly code: string; readonly reason: string }
  | { readonly kind: 'not_enabled' | 'unknown_incident' };

/** A platform refusal retrying cannot fix: recorded on the room, not retried. */
export class WarRoomRefusedError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'WarRoomRefusedError';
  }
}

type StoredRoom = WarRoom & { readonly revision: number };

interface Resolved {
  /** userid → email, in responder order. */
  readonly userIds: string[];
  readonly emailOf: Record<string, string>;
  readonly unresolved: { email: string; reason: string }[];
}

const warRoomSettings = (integration: Integration): WarRoomSettings | undefined => (integration.settings as { warRoom?: WarRoomSettings }).warRoom;

export class WarRoomUseCase {
  constructor(private readonly deps: WarRoomDeps) {}

  async process(job: WarRoomJob): Promise<WarRoomOutcome[]> {
    const incident = await this.deps.incidents.get(job.incidentId);
    if (!incident) {
      await this.log([this.record({ incidentId: job.incidentId }, 'dropped', 'war_room_refused', `no War Room for ${job.incidentId}: dutybridge has no such incident (publish its incident.triggered first)`)]);
      return [{ kind: 'unknown_incident' }];
    }
    const existing = new Map((await this.deps.rooms.listForIncident(incident.incidentId)).map((r) => [r.integrationId, r]));
    const outcomes: WarRoomOutcome[] = [];
    const handled = new Set<string>();
    if (job.reason === 'requested') {
      const integrations = await this.integrationsFor(incident);
      if (integrations.length === 0) {
        await this.log([
          this.record({ incidentId: incident.incidentId }, 'dropped', 'war_room_refused', 'no War Room was opened: no integration has War Room enabled (npx dutybridge integrations set ID --war-room on)'),
        ]);
        return [{ kind: 'not_enabled' }];
      }
      for (const integration of integrations) {
        handled.add(integration.id);
        const room = existing.get(integration.id);
        if (room && room.state !== 'creating' && room.state !== 'failed') outcomes.push(await this.keepInStep(integration, incident, room, job));
        else outcomes.push(await this.open(integration, incident, room));
      }
    }
    for (const room of existing.values()) {
      if (handled.has(room.integrationId) || room.state === 'closed' || room.state === 'failed') continue;
      const integration = await this.deps.integrations.get(room.integrationId);
      if (!integration) continue;
      outcomes.push(room.state === 'creating' ? await this.open(integration, incident, room) : await this.keepInStep(integration, incident, room, job));
    }
    return outcomes;
  }

  /** The integrations a request opens rooms on: enabled ones among the incident's targets, else every enabled one. */
  private async integrationsFor(incident: Incident): Promise<Integration[]> {
    const enabled = (await this.deps.integrations.list()).filter((i) => warRoomSettings(i)?.enabled === true);
    const targeted = enabled.filter((i) => incident.targets.some((t) => t.integrationId === i.id));
    return targeted.length > 0 ? targeted : enabled;
  }

  // ---- open ---------------------------------------------------------------------------------

  private async open(integration: Integration, incident: Incident, previous: StoredRoom | undefined): Promise<WarRoomOutcome> {
    const nowMs = this.deps.clock.nowMs();
    const where = { incidentId: incident.incidentId, integrationId: integration.id, platform: integration.platform };
    const people = await this.resolve(integration, incident);
    const base: WarRoom = {
      incidentId: incident.incidentId,
      integrationId: integration.id,
      platform: integration.platform,
      state: 'creating',
      name: warRoomName(incident, integration.platform),
      members: [],
      memberEmails: {},
      unresolved: people.unresolved,
      summaryPosted: false,
      closingPosted: false,
      createdAt: previous?.createdAt ?? nowMs,
      updatedAt: nowMs,
      attempts: previous?.state === 'failed' ? (previous.attempts ?? 1) + 1 : (previous?.attempts ?? 1),
      ...(integration.platform === 'wecom' ? { chatId: weComWarRoomChatId(integration.id, incident.incidentId) } : { uuid: dingTalkWarRoomUuid(integration.id, incident.incidentId) }),
    };
    // A room that failed before starts over (its failure cleared); its chatid or uuid stays the same.
    const { failure: _failure, ...kept } = previous ?? ({} as Partial<StoredRoom>);
    let room = await this.save({ ...kept, ...base, chatId: previous?.chatId ?? base.chatId }, previous?.revision ?? 0);
    try {
      room =
        integration.platform === 'wecom'
          ? await this.openWeCom(integration as WeComIntegration, incident, room, people)
          : await this.openDingTalk(integration as DingTalkIntegration, incident, room, people);
    } catch (error) {
      if (!(error instanceof WarRoomRefusedError)) throw error;
      await this.save({ ...room, state: 'failed', failure: { code: error.code, reason: error.reason }, updatedAt: this.deps.clock.nowMs() }, room.revision);
      await this.log([this.record(where, 'failed', 'war_room_refused', `no War Room on ${integration.id}: ${error.reason}`, { platformCode: error.code })]);
      return { kind: 'failed', integrationId: integration.id, code: error.code, reason: error.reason };
    }
    room = await this.postFirstAnalysis(integration, incident, room);
    const records = [
      this.record(where, 'done', 'war_room_opened', `War Room "${room.name}" open on ${integration.id} (${room.chatId}) with ${room.members.length} member(s)`, { recipient: room.chatId }),
      ...people.unresolved.map((p) => this.record(where, 'dropped', 'war_room_not_invited', `${p.email} was not invited to the War Room: ${p.reason}`, { recipient: p.email })),
    ];
    await this.log(records);
    await this.publish(room, 'open');
    return { kind: 'opened', integrationId: integration.id, chatId: room.chatId };
  }

  private async openWeCom(integration: WeComIntegration, incident: Incident, room: StoredRoom, people: Resolved): Promise<StoredRoom> {
    const chats = await this.deps.weCom.forIntegration(integration);
    const chatId = room.chatId!;
    if (!room.owner) {
      // appchat/create: 2–2000 members, the owner among them (DOC-90245).
      if (people.userIds.length < WECOM_ROOM_MIN_MEMBERS) {
        throw new WarRoomRefusedError('too_few_members', `a WeCom group chat needs at least ${WECOM_ROOM_MIN_MEMBERS} members and only ${people.userIds.length} responder(s) are linked; link the responders (npx dutybridge links …)`);
      }
      const userIds = people.userIds.slice(0, WECOM_ROOM_MAX_MEMBERS);
      const owner = userIds[0]!;
      let members = userIds;
      try {
        await weComCall(() => chats.create({ chatId, name: room.name, owner, userIds }));
      } catch (error) {
        // 86215: the chatid exists. Ours (an earlier attempt whose answer was lost) when appchat/get
        // answers it: adopt it. Not ours: 86008 on get, refused below.
        if (!(error instanceof WarRoomRefusedError && error.code === '86215')) throw error;
        const info = await weComCall(() => chats.get(chatId));
        if (!info) throw error;
        members = [...info.userIds];
      }
      room = await this.save({ ...room, owner, members, memberEmails: pick(people.emailOf, members), updatedAt: this.deps.clock.nowMs() }, room.revision);
    }
    if (!room.summaryPosted) {
      await weComCall(() => chats.sendMarkdown({ chatId, content: summaryOf(incident, room, people).text }));
      room = await this.save({ ...room, summaryPosted: true, postedStatus: incident.status, updatedAt: this.deps.clock.nowMs() }, room.revision);
    }
    return this.save({ ...room, state: 'open', updatedAt: this.deps.clock.nowMs() }, room.revision);
  }

  private async openDingTalk(integration: DingTalkIntegration, incident: Incident, room: StoredRoom, people: Resolved): Promise<StoredRoom> {
    const settings = warRoomSettings(integration);
    if (!settings?.templateId || !settings.robotCode) {
      throw new WarRoomRefusedError('no_template', 'War Room on DingTalk needs the scene-group template id and its robot code (npx dutybridge integrations set ID --war-room on --war-room-template-id … --war-room-robot-code …)');
    }
    if (!room.chatId) {
      if (people.userIds.length === 0) throw new WarRoomRefusedError('too_few_members', 'no responder could be found on DingTalk (linked, or by mobile), so there is nobody to own the scene group');
      const owner = people.userIds[0]!;
      const created = await dingTalkCall(() =>
        this.deps.dingTalk.createSceneGroup(integration, incident.incidentId, { title: room.name, templateId: settings.templateId!, ownerUserId: owner, userIds: people.userIds, uuid: room.uuid!, attempt: room.attempts ?? 1 }),
      );
      room = await this.save({ ...room, chatId: created.openConversationId, owner, members: people.userIds, memberEmails: people.emailOf, updatedAt: this.deps.clock.nowMs() }, room.revision);
    }
    if (!room.summaryPosted) {
      const summary = summaryOf(incident, room, people);
      await dingTalkCall(() =>
        this.deps.dingTalk.postMarkdown(integration, incident.incidentId, { openConversationId: room.chatId!, title: summary.title, text: summary.text, idempotencyKey: `warroom:summary:${integration.id}:${incident.incidentId}` }),
      );
      await this.deps.dingTalkCards?.deliverToWarRoom(integration, incident, room.chatId!, settings.robotCode);
      room = await this.save({ ...room, summaryPosted: true, postedStatus: incident.status, updatedAt: this.deps.clock.nowMs() }, room.revision);
    }
    return this.save({ ...room, state: 'open', updatedAt: this.deps.clock.nowMs() }, room.revision);
  }

  // ---- sync and close -----------------------------------------------------------------------

  private async keepInStep(integration: Integration, incident: Incident, room: StoredRoom, job: WarRoomJob): Promise<WarRoomOutcome> {
    const closeOnResolve = warRoomSettings(integration)?.closeOnResolve !== false;
    const why = job.reason === 'dismissed' ? 'dismissed' : incident.status === 'Closed' && closeOnResolve ? 'closed' : undefined;
    try {
      // A job that died after the room opened but before its first analysis was posted finishes it here.
      if (!why) room = await this.postFirstAnalysis(integration, incident, room);
      if (why) return await this.close(integration, incident, room, why);
      return await this.sync(integration, incident, room);
    } catch (error) {
      if (!(error instanceof WarRoomRefusedError)) throw error;
      await this.log([
        this.record({ incidentId: incident.incidentId, integrationId: integration.id, platform: integration.platform }, 'failed', 'war_room_refused', `War Room ${room.chatId} on ${integration.id}: ${error.reason}`, {
          platformCode: error.code,
        }),
      ]);
      return { kind: 'failed', integrationId: integration.id, code: error.code, reason: error.reason };
    }
  }

  private async sync(integration: Integration, incident: Incident, room: StoredRoom): Promise<WarRoomOutcome> {
    const where = { incidentId: incident.incidentId, integrationId: integration.id, platform: integration.platform };
    const people = await this.resolve(integration, incident);
    const change = memberChange(room.members, people.userIds, room.owner);
    const add = integration.platform === 'wecom' ? change.add.slice(0, Math.max(0, WECOM_ROOM_MAX_MEMBERS - room.members.length + change.remove.length)) : change.add;
    const records: OperationRecord[] = [];
    let changed = false;
    if (add.length > 0 || change.remove.length > 0) {
      if (integration.platform === 'wecom') {
        const chats = await this.deps.weCom.forIntegration(integration as WeComIntegration);
        await weComCall(() => chats.update({ chatId: room.chatId!, ...(add.length ? { addUserIds: add } : {}), ...(change.remove.length ? { removeUserIds: change.remove } : {}) }));
      } else {
        const tag = `${integration.id}:${incident.incidentId}:${incident.revision}`;
        if (add.length) await dingTalkCall(() => this.deps.dingTalk.addSceneGroupMembers(integration as DingTalkIntegration, incident.incidentId, { openConversationId: room.chatId!, userIds: add, idempotencyKey: `warroom:add:${tag}` }));
        if (change.remove.length) {
          await dingTalkCall(() => this.deps.dingTalk.removeSceneGroupMembers(integration as DingTalkIntegration, incident.incidentId, { openConversationId: room.chatId!, userIds: change.remove, idempotencyKey: `warroom:remove:${tag}` }));
        }
      }
      const members = [...room.members.filter((u) => !change.remove.includes(u)), ...add];
      const emails = { ...room.memberEmails, ...people.emailOf };
      for (const u of add) records.push(this.record(where, 'done', 'war_room_invited', `${emails[u] ?? u} was invited to the War Room ${room.chatId}`, { recipient: emails[u] ?? u }));
      for (const u of change.remove) records.push(this.record(where, 'done', 'war_room_removed', `${room.memberEmails[u] ?? u} is no longer a responder and was removed from the War Room ${room.chatId}`, { recipient: room.memberEmails[u] ?? u }));
      room = await this.save({ ...room, members, memberEmails: pick(emails, members), unresolved: people.unresolved, updatedAt: this.deps.clock.nowMs() }, room.revision);
      changed = true;
    }
    if (room.postedStatus !== incident.status) {
      await this.post(integration, room, warRoomStatusLine(incident), `status:${incident.revision}`);
      room = await this.save({ ...room, postedStatus: incident.status, updatedAt: this.deps.clock.nowMs() }, room.revision);
      records.push(this.record(where, 'sent', 'war_room_posted', `status ${incident.status} posted to the War Room ${room.chatId}`, { recipient: room.chatId }));
      changed = true;
    }
    await this.log(records);
    return { kind: changed ? 'synced' : 'unchanged', integrationId: integration.id, chatId: room.chatId };
  }

  private async close(integration: Integration, incident: Incident, room: StoredRoom, why: 'dismissed' | 'closed'): Promise<WarRoomOutcome> {
    if (!room.closingPosted) {
      await this.post(integration, room, warRoomClosing(incident, why), 'closing');
      room = await this.save({ ...room, closingPosted: true, postedStatus: incident.status, updatedAt: this.deps.clock.nowMs() }, room.revision);
    }
    room = await this.save({ ...room, state: 'closed', updatedAt: this.deps.clock.nowMs() }, room.revision);
    await this.log([
      this.record(
        { incidentId: incident.incidentId, integrationId: integration.id, platform: integration.platform },
        'done',
        'war_room_closed',
        `War Room ${room.chatId} closed (${why === 'dismissed' ? 'dismissed' : 'the incident closed'}): closing message posted; the chat itself is kept, not disbanded`,
        { recipient: room.chatId },
      ),
    ]);
    await this.publish(room, 'closed');
    return { kind: 'closed', integrationId: integration.id, chatId: room.chatId };
  }

  /** Posts the first analysis once per room (recorded on the room, so a retry does not post it twice). */
  private async postFirstAnalysis(integration: Integration, incident: Incident, room: StoredRoom): Promise<StoredRoom> {
    if (!this.deps.firstAnalysis || room.analysisPosted || room.state !== 'open') return room;
    const message = await this.deps.firstAnalysis.compose(integration, incident);
    await this.post(integration, room, message, 'analysis');
    await this.log([
      this.record({ incidentId: incident.incidentId, integrationId: integration.id, platform: integration.platform }, 'sent', 'war_room_posted', `first analysis posted to the War Room ${room.chatId}`, {
        recipient: room.chatId,
      }),
    ]);
    return this.save({ ...room, analysisPosted: true, updatedAt: this.deps.clock.nowMs() }, room.revision);
  }

  private async post(integration: Integration, room: StoredRoom, message: WarRoomMarkdown, key: string): Promise<void> {
    if (integration.platform === 'wecom') {
      const chats = await this.deps.weCom.forIntegration(integration as WeComIntegration);
      await weComCall(() => chats.sendMarkdown({ chatId: room.chatId!, content: message.text }));
      return;
    }
    await dingTalkCall(() =>
      this.deps.dingTalk.postMarkdown(integration as DingTalkIntegration, room.incidentId, {
        openConversationId: room.chatId!,
        title: message.title,
        text: message.text,
        idempotencyKey: `warroom:${key}:${integration.id}:${room.incidentId}`,
      }),
    );
  }

  // ---- people -------------------------------------------------------------------------------

  /** The responders as platform userids: linked ones; on DingTalk the others by mobile. */
  private async resolve(integration: Integration, incident: Incident): Promise<Resolved> {
    const target = incident.targets.find((t) => t.integrationId === integration.id);
    const emails = [...new Set((incident.responders.length > 0 ? incident.responders : (target?.persons ?? [])).map((e) => e.toLowerCase()))];
    const links = await this.deps.links.byEmails(integration.id, emails);
    const userIds: string[] = [];
    const emailOf: Record<string, string> = {};
    const unresolved: { email: string; reason: string }[] = [];
    for (const email of emails) {
      const link = links.get(email);
      let userId = link?.userId;
      if (!userId && integration.platform === 'dingtalk' && this.deps.dingTalkMobiles) {
        const member = await this.deps.members.get(email);
        if (member?.mobile) {
          const found = await this.deps.dingTalkMobiles.userIdByMobile(integration as DingTalkIntegration, dingTalkMobile(member.mobile));
          if ('userId' in found) userId = found.userId;
          else {
            unresolved.push({ email, reason: `not linked, and not found on DingTalk by mobile (${found.reason})` });
            continue;
          }
        }
      }
      if (!userId) {
        unresolved.push({ email, reason: integration.platform === 'dingtalk' ? 'not linked and no mobile in the member directory' : 'not linked to a WeCom user' });
        continue;
      }
      if (!emailOf[userId]) userIds.push(userId);
      emailOf[userId] = email;
    }
    return { userIds, emailOf, unresolved };
  }

  // ---- records ------------------------------------------------------------------------------

  /**
   * Compare-and-swap: when another job moved the room meanwhile, ConcurrentUpdateError ends this job
   * and the queue redelivers it; the next run starts from the stored room.
   */
  private async save(room: WarRoom & { revision?: number }, expectedRevision: number): Promise<StoredRoom> {
    const { revision: _previous, ...plain } = room;
    const revision = await this.deps.rooms.save(plain, expectedRevision);
    return { ...plain, revision };
  }

  private async publish(room: StoredRoom, state: 'open' | 'closed'): Promise<void> {
    await this.deps.actions.publish({
      type: 'incident.war_room',
      incidentId: room.incidentId,
      integrationId: room.integrationId,
      platform: room.platform,
      state,
      chatId: room.chatId!,
      name: room.name,
      ...(room.joinUrl ? { joinUrl: room.joinUrl } : {}),
      at: new Date(this.deps.clock.nowMs()).toISOString(),
      idempotencyKey: warRoomActionKey(room.incidentId, room.integrationId, state),
    });
  }

  private record(
    where: { incidentId: string; integrationId?: string; platform?: 'wecom' | 'dingtalk' },
    result: OperationResult,
    reasonCode: OperationReasonCode,
    reason: string,
    extra: { recipient?: string; platformCode?: string | number } = {},
  ): OperationRecord {
    return { atMs: this.deps.clock.nowMs(), result, reasonCode, reason, channel: 'war_room', ...where, ...extra };
  }

  private async log(records: OperationRecord[]): Promise<void> {
    if (records.length > 0) await this.deps.operationLog.append(records);
  }
}

function summaryOf(incident: Incident, room: WarRoom, people: Resolved): WarRoomMarkdown {
  return warRoomSummary(incident, { invited: room.members.map((u) => people.emailOf[u] ?? room.memberEmails[u] ?? u), notInvited: people.unresolved });
}

function pick(map: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => map[k] !== undefined).map((k) => [k, map[k]!]));
}

/** A WeCom failure retrying cannot fix becomes WarRoomRefusedError (its errcode and reason); the rest is thrown as is. */
async function weComCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isWeComCallFailure(error) && error.kind === 'permanent') throw new WarRoomRefusedError(String(error.errcode ?? 'permanent'), error.reason);
    // 45009 on appchat: the corp's 1,000 new chats a day or 1,000 changes an hour (DOC-90245) are
    // used up. Waiting in the queue for a day would only dead-letter the job: recorded instead; the
    // next request (or change) tries again.
    if (isWeComCallFailure(error) && error.errcode === 45009) throw new WarRoomRefusedError('45009', `${error.reason}; ask again later (incident.war_room_requested) or wait for the next change`);
    throw error;
  }
}

/** Same for DingTalk: permanent and quota refusals are recorded; waits and transient failures retried. */
async function dingTalkCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isDingTalkCallFailure(error) && (error.kind === 'permanent' || error.kind === 'quota')) throw new WarRoomRefusedError(String(error.code ?? error.kind), error.message);
    if (error instanceof WarRoomCallRefusedError) throw new WarRoomRefusedError(String(error.code ?? error.outcome), error.reason);
    throw error;
  }
}
