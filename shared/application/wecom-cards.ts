/**
 * WeCom cards for incidents: deliver one button_interaction card per incident per integration
 * (one WeCom task per batch of ≤ 1000 recipients), keep every copy current within WeCom's update
 * rule (one update per response code: the send's code and one per click, 72 h), and turn clicks
 * into incident transitions and exactly one incident.action each.
 */
import { renderWeComClosedReplacement, renderWeComIncidentCard, snoozeMinutesFromSelection, weComTaskId, type WeComCardText } from '../domain/wecom-card';
import { effectiveStatus, parseActionKey, renderVersion, WAR_ROOM_ACTION_KEY, type Actor, type Incident, type IncidentAction } from '../domain/incident';
import { enabledWarRoom } from '../domain/war-room-settings';
import type { WarRoomJobs } from './war-room-ports';
import { IncidentClicks } from './incident-clicks';
import { LINK_FIRST_BUTTON_TEXT, type LinkPrompts } from './link-prompt';
import type { WeComCallbackEvent } from '../domain/inbound';
import type { WeComIntegration } from '../domain/integration';
import { batchRecipients, pickCode, type WeComCardBatch, type WeComCardRecord } from '../domain/wecom-card-record';
import { dropDetails, unlinkedClickDetails } from './drops';
import { fieldsDigest, type NotificationTemplates } from './notification-templates';
import { isWeComCallFailure, type Clock, type IncidentRepository, type LinkStore, type OperationLog, type RateLimitCounters, type WeComCardStore, type WeComMessengers } from './ports';
import type { OperationRecord } from '../domain/operation-log';
import { weComAlreadyDeliveredRecords, weComFailureRecords, weComSendRecords, weComUpdateRecord, type OperationContext } from './operation-records';

/**
 * errcode 42014 "卡片消息的task_id不合法" (DOC-90313). Our task ids are checked against the documented
 * alphabet before any send (weComTaskId / renderWeComIncidentCard), so for us it can only mean the
 * task_id was already used ("同一个应用任务id不能重复", DOC-90236): this batch was sent before (a
 * crash between the send and recording it, or a concurrent delivery). WeCom's docs leave open
 * whether a reuse is refused (42014) or answered ok without a second delivery; both end the same
 * way here: the batch is recorded as sent, never as a failure, and never sent again.
 */
const TASK_ID_ALREADY_USED = 42014;
/** errcode 60140: the response code is used or expired; try the next one. */
const INVALID_RESPONSE_CODE = 60140;

/**
 * Calls WeCom, retrying transient failures (-1 busy, 5xx, timeouts, a token that failed its one
 * refresh) a couple of times in-process before letting the queue redeliver; throttles are not
 * retried here (WeCom keeps blocking for the rest of the window).
 */
export async function withWeComRetries<T>(call: () => Promise<T>, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)), attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const transient = isWeComCallFailure(error) && (error.kind === 'retry' || error.kind === 'token');
      if (!transient || attempt >= attempts) throw error;
      await sleep(100 * 2 ** attempt);
    }
  }
}

export interface WeComCardsDeps {
  readonly incidents: IncidentRepository;
  readonly links: LinkStore;
  readonly cards: WeComCardStore;
  readonly messengers: WeComMessengers;
  readonly clicks: IncidentClicks;
  readonly clock: Clock;
  readonly record: (event: string, details: Record<string, unknown>) => void;
  /** Every send (per recipient) and update is recorded here (shared/application/operation-records.ts). */
  readonly operationLog?: Pick<OperationLog, 'append'>;
  /** Shown to people who click before linking their account, when no link prompt can be made. */
  readonly linkHelpText?: (integration: WeComIntegration) => string;
  /** The link prompt of an unlinked click (link-prompt.ts); absent without PUBLIC_API_URL. */
  readonly linkPrompts?: Pick<LinkPrompts, 'issue'>;
  /**
   * Caps the link-prompt texts one unlinked person gets (LINK_PROMPT_TEXTS per 10 minutes): each is
   * an app message, WeCom silently drops a member's messages past 30 a minute and counts them all
   * against the app's daily allowance (P-90454), so a person clicking away must not spend them.
   */
  readonly promptCounters?: RateLimitCounters;
  /** The integration's `wecom.card` template (issue 13); absent: the fixed card text. */
  readonly templates?: Pick<NotificationTemplates, 'fields'>;
  /** The war-room queue (issue 14): an "Open War Room" click asks for the room there. Absent: no button. */
  readonly warRoomJobs?: WarRoomJobs;
}

/** Link-prompt texts per unlinked person per 10 minutes; their card says "link first" regardless. */
export const LINK_PROMPT_TEXTS = 3;

export type ClickOutcome = 'transition' | 'no_change' | 'already_applied' | 'not_linked' | 'unknown_card' | 'unknown_incident' | 'unknown_action' | 'refresh' | 'war_room_requested';

export class WeComCardsUseCase {
  constructor(private readonly deps: WeComCardsDeps) {}

  /** Sends the card to every linked responder that has not received it yet. Idempotent. */
  async deliver(integration: WeComIntegration, incident: Incident): Promise<WeComCardRecord | undefined> {
    let card = await this.deps.cards.getCard(integration.id, incident.incidentId);
    if (!card) {
      if (incident.status === 'Closed') return undefined; // nothing to tell anyone about
      const target = incident.targets.find((t) => t.integrationId === integration.id);
      const emails = target && target.persons.length > 0 ? target.persons : incident.responders;
      const links = await this.deps.links.byEmails(integration.id, emails);
      const notLinked = emails.filter((e) => !links.has(e.toLowerCase()));
      const where = { incidentId: incident.incidentId, integrationId: integration.id, platform: 'wecom' as const };
      for (const email of notLinked) {
        this.deps.record('app_not_linked', { ...dropDetails('app_not_linked', `App Not Linked: ${email} has no WeCom user linked in ${integration.id}, so no card was sent to them; link them with \`npx dutybridge links set --integration ${integration.id} --email ${email} --user-id <their WeCom userid>\``, { ...where, recipient: email }), email });
      }
      // WeCom cards go 1:1 (message/send to userids); group chats named for a WeCom target get none.
      for (const group of target?.groups ?? []) {
        this.deps.record('group_not_supported', dropDetails('group_unavailable', `WeCom group chat ${group} gets no card: dutybridge sends WeCom cards 1:1 only; name the people in targets[].persons`, { ...where, recipient: group }));
      }
      if (emails.length === 0) {
        this.deps.record('no_recipients', dropDetails('no_target', `the target ${integration.id} names no persons and the incident has no responders, so nobody gets a WeCom card`, where));
      }
      const userIds = [...links.values()].map((l) => l.userId);
      const batches: WeComCardBatch[] = batchRecipients(userIds, weComTaskId(incident.incidentId, integration.id)).map((b) => ({
        taskId: b.taskId,
        userIds: b.userIds,
        status: 'pending',
        renderedRevision: 0,
        stale: false,
      }));
      card = await this.deps.cards.createCard({
        integrationId: integration.id,
        incidentId: incident.incidentId,
        batches,
        notLinked,
        invalidUsers: [],
        createdAt: this.deps.clock.nowMs(),
      });
    }
    const pending = card.batches.filter((b) => b.status === 'pending');
    if (pending.length === 0) return card;
    // A closed incident's card is greyed with replace_text, which only update_template_card has
    // (DOC-94888), not message/send (DOC-90236). Nobody needs a first card for a closed incident:
    // its batches stay pending and go out if it is reopened.
    if (effectiveStatus(incident, this.deps.clock.nowMs()) === 'Closed') return card;
    const messenger = await this.deps.messengers.forIntegration(integration);
    const invalid = new Set(card.invalidUsers);
    const log = this.deps.operationLog;
    const emailOf = log ? await this.recipientEmails(integration, incident) : () => undefined;
    const ctx: OperationContext = {
      incidentId: incident.incidentId,
      integrationId: integration.id,
      platform: 'wecom',
      channel: 'card',
      requestKind: 'message/send',
      // Third-party and 代开发 apps need API access licenses (DOC-95652 FAQ 1).
      ...(integration.settings.suite ? { licensesApply: true } : {}),
    };
    const { text: cardText, digest: textDigest } = await this.cardText(integration, incident);
    const idTranslation = await this.idTranslation(integration, incident);
    for (const batch of pending) {
      const nowMs = this.deps.clock.nowMs();
      try {
        const sent = await withWeComRetries(() =>
          messenger.sendTemplateCard({
            toUsers: [...batch.userIds],
            card: renderWeComIncidentCard(incident, { taskId: batch.taskId, nowMs, text: cardText, warRoom: this.warRoomOn(integration), ...idTranslation }),
            ...idTranslation,
          }),
        );
        if (sent.responseCode) {
          await this.deps.cards.addCode({ taskId: batch.taskId, code: sent.responseCode, source: 'send', obtainedAt: nowMs, used: false });
        }
        for (const u of sent.invalidUsers) invalid.add(u);
        await this.deps.cards.updateBatch(integration.id, incident.incidentId, batch.taskId, { status: 'sent', sentAt: nowMs, renderedRevision: renderVersion(incident, nowMs), ...(textDigest ? { textDigest } : {}) });
        this.deps.record('card_sent', { integrationId: integration.id, incidentId: incident.incidentId, taskId: batch.taskId, recipients: batch.userIds.length });
        await log?.append(weComSendRecords(nowMs, ctx, batch.userIds, sent, emailOf));
      } catch (error) {
        if (isWeComCallFailure(error) && error.errcode === TASK_ID_ALREADY_USED) {
          // Sent before a crash kept us from recording it: no duplicate; its send code is lost.
          this.deps.record('card_already_sent', { integrationId: integration.id, incidentId: incident.incidentId, taskId: batch.taskId, errcode: error.errcode });
          await this.deps.cards.updateBatch(integration.id, incident.incidentId, batch.taskId, { status: 'sent', sentAt: nowMs, renderedRevision: 0 });
          await log?.append(weComAlreadyDeliveredRecords(nowMs, ctx, batch.userIds, emailOf));
          continue;
        }
        if (isWeComCallFailure(error) && error.kind === 'permanent') {
          this.deps.record('card_send_failed', { integrationId: integration.id, incidentId: incident.incidentId, taskId: batch.taskId, errcode: error.errcode, reason: error.reason });
          await this.deps.cards.updateBatch(integration.id, incident.incidentId, batch.taskId, { status: 'sent', sentAt: nowMs, renderedRevision: renderVersion(incident, nowMs) });
          await log?.append(weComFailureRecords(nowMs, ctx, batch.userIds, error, emailOf));
          continue;
        }
        if (isWeComCallFailure(error)) await log?.append(weComFailureRecords(nowMs, ctx, batch.userIds, error, emailOf));
        throw error; // retry, throttled, token: the queue redelivers and we resume at this batch
      }
    }
    if (invalid.size > card.invalidUsers.length) await this.deps.cards.setInvalidUsers(integration.id, incident.incidentId, [...invalid]);
    return this.deps.cards.getCard(integration.id, incident.incidentId);
  }

  /**
   * The template's text for this incident's card (undefined: the fixed text) and its digest.
   * `sameTextAs`: the digest the recipients already have; the same text's cuts are not logged again.
   */
  private async cardText(integration: WeComIntegration, incident: Incident, sameTextAs?: string): Promise<{ text?: WeComCardText; digest?: string }> {
    const fields = await this.deps.templates?.fields('wecom.card', integration.id, incident, { platform: 'wecom', logChannel: 'card', ...(sameTextAs ? { sameTextAs } : {}) });
    if (!fields) return {};
    return { text: { title: fields.title ?? '', description: fields.description ?? '', customArea: fields.customArea ?? '', quote: fields.quote ?? '' }, digest: fieldsDigest(fields) };
  }

  /**
   * `{ idTranslation: true }` when this integration's card names unnamed WeCom clickers as
   * `$userName=<userid>$` and goes out with `enable_id_trans: 1`; `{}` otherwise. Only a third-party
   * suite app needs it: it cannot read names (name = userid, DOC-90639/DOC-91122), a self-built or
   * 代开发 app reads them as usual. And only while each such clicker's userid is theirs in this
   * corp: one who clicked in another integration's corp has a userid WeCom cannot translate here,
   * which would stay on the card as raw text, so the card shows the email instead.
   */
  private async idTranslation(integration: WeComIntegration, incident: Incident): Promise<{ idTranslation?: true }> {
    if (integration.settings.suite?.kind !== 'third-party') return {};
    for (const actor of [incident.acknowledgedBy, incident.closedBy]) {
      if (!actor || actor.name?.trim() || actor.platform !== 'wecom' || !actor.userId) continue;
      const link = await this.deps.links.byUserId(integration.id, actor.userId);
      if (link?.email.toLowerCase() !== actor.email.toLowerCase()) return {};
    }
    return { idTranslation: true };
  }

  /** userid → the linked member's email, for the operation log (the links of the incident's recipients). */
  private async recipientEmails(integration: WeComIntegration, incident: Incident): Promise<(userId: string) => string | undefined> {
    const target = incident.targets.find((t) => t.integrationId === integration.id);
    const emails = target && target.persons.length > 0 ? target.persons : incident.responders;
    const links = emails.length > 0 ? await this.deps.links.byEmails(integration.id, emails) : new Map();
    const byUser = new Map([...links.values()].map((l) => [l.userId.toLowerCase(), l.email]));
    return (userId) => byUser.get(userId.toLowerCase());
  }

  /**
   * Brings every task of the card up to the incident's current state, one response code per task.
   * A task with no usable code is marked stale: its next Refresh Status click brings it up to date.
   */
  async refresh(integration: WeComIntegration, incident: Incident): Promise<{ updated: number; stale: number }> {
    const card = await this.deps.cards.getCard(integration.id, incident.incidentId);
    if (!card) return { updated: 0, stale: 0 };
    let updated = 0;
    let stale = 0;
    const nowMs = this.deps.clock.nowMs();
    const target = renderVersion(incident, nowMs);
    let messenger: Awaited<ReturnType<WeComMessengers['forIntegration']>> | undefined;
    // Rendered once per refresh (one template_truncated per changed text, not one per task).
    let rendered: RenderedText | undefined;
    for (const batch of card.batches) {
      if (batch.status !== 'sent' || batch.renderedRevision >= target) continue;
      messenger ??= await this.deps.messengers.forIntegration(integration);
      rendered ??= { ...(await this.cardText(integration, incident, batch.textDigest)), ...(await this.idTranslation(integration, incident)) };
      const result = await this.updateTask(messenger, integration, incident, batch, target, nowMs, rendered);
      if (result === 'updated') updated += 1;
      else if (result === 'stale') {
        stale += 1;
        if (!batch.stale) await this.deps.cards.updateBatch(integration.id, incident.incidentId, batch.taskId, { stale: true });
        this.deps.record('card_stale', { integrationId: integration.id, incidentId: incident.incidentId, taskId: batch.taskId });
      }
      if (result === 'updated' || result === 'stale') {
        await this.deps.operationLog?.append([weComUpdateRecord(nowMs, { incidentId: incident.incidentId, integrationId: integration.id, platform: 'wecom', channel: 'card_update', requestKind: 'message/update_template_card' }, batch.taskId, batch.userIds.length, result)]);
      }
    }
    return { updated, stale };
  }

  private async updateTask(
    messenger: Awaited<ReturnType<WeComMessengers['forIntegration']>>,
    integration: WeComIntegration,
    incident: Incident,
    batch: WeComCardBatch,
    target: number,
    nowMs: number,
    rendered: RenderedText,
  ): Promise<'updated' | 'stale' | 'skipped'> {
    // One worker per task and target: a concurrent refresh must not spend a second code.
    const previous = await this.deps.cards.claimRender(integration.id, incident.incidentId, batch.taskId, target);
    if (previous === undefined) return 'skipped';
    const release = () => this.deps.cards.releaseRender(integration.id, incident.incidentId, batch.taskId, target, previous);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const code = pickCode(await this.deps.cards.codes(batch.taskId), nowMs);
        if (!code) break;
        if (!(await this.deps.cards.consumeCode(batch.taskId, code.code))) continue; // spent meanwhile
        try {
          const closed = effectiveStatus(incident, nowMs) === 'Closed';
          const text = rendered.text;
          const idTranslation = rendered.idTranslation ? { idTranslation: true } : {};
          await withWeComRetries(() =>
            messenger.updateTemplateCard({
              userIds: [...batch.userIds],
              responseCode: code.code,
              card: renderWeComIncidentCard(incident, { taskId: batch.taskId, nowMs, text, warRoom: this.warRoomOn(integration), ...idTranslation }),
              ...(closed ? { replaceName: renderWeComClosedReplacement(incident) } : {}),
              ...idTranslation,
            }),
          );
        } catch (error) {
          if (isWeComCallFailure(error) && error.errcode === INVALID_RESPONSE_CODE) continue; // expired early: next code
          throw error;
        }
        await this.deps.cards.updateBatch(integration.id, incident.incidentId, batch.taskId, { stale: false, ...(rendered.digest ? { textDigest: rendered.digest } : {}) });
        this.deps.record('card_updated', { integrationId: integration.id, incidentId: incident.incidentId, taskId: batch.taskId, source: code.source });
        return 'updated';
      }
    } catch (error) {
      await release();
      throw error;
    }
    await release();
    return 'stale';
  }

  /** A click (template_card_event or template_card_menu_event) from the inbound queue. */
  async click(integration: WeComIntegration, event: WeComCallbackEvent, clickKey: string): Promise<ClickOutcome> {
    const nowMs = this.deps.clock.nowMs();
    const taskId = event.taskId ?? '';
    // Keep the click's code first: whatever happens next, it can update this task once.
    if (event.responseCode && taskId) {
      await this.deps.cards.addCode({ taskId, code: event.responseCode, source: 'click', obtainedAt: nowMs, used: false });
    }
    const messenger = await this.deps.messengers.forIntegration(integration);
    const task = taskId ? await this.deps.cards.findTask(integration.id, taskId) : undefined;
    const tellClicker = async (text: string): Promise<void> => {
      if (!event.responseCode || !taskId || !(await this.deps.cards.consumeCode(taskId, event.responseCode))) return;
      await messenger.updateTemplateCard({ userIds: [event.fromUserName], responseCode: event.responseCode, replaceName: text });
    };
    if (!task) {
      this.deps.record('click_unknown_card', { integrationId: integration.id, taskId });
      await tellClicker('Incident not found');
      return 'unknown_card';
    }
    const link = await this.deps.links.byUserId(integration.id, event.fromUserName);
    if (!link) {
      const pendingAction = this.actionOf(event);
      const prompted = pendingAction && this.deps.linkPrompts !== undefined;
      this.deps.record(
        'app_not_linked',
        unlinkedClickDetails(
          { platform: 'wecom', integrationId: integration.id, incidentId: task.incidentId, userId: event.fromUserName },
          prompted ? 'sent a link prompt: a text with a link to link their account, which then applies the click (valid 10 minutes)' : 'they were sent how to link',
        ),
      );
      if (pendingAction && this.deps.linkPrompts) {
        await this.promptToLink(integration, event, task.incidentId, pendingAction, clickKey, tellClicker, messenger);
        return 'not_linked';
      }
      const help =
        this.deps.linkHelpText?.(integration) ??
        'Your WeCom account is not linked to the incident system yet, so dutybridge cannot act for you. Ask an administrator to link it (npx dutybridge links set).';
      await messenger.sendText({ toUsers: [event.fromUserName], content: help });
      return 'not_linked';
    }
    if (event.eventKey === WAR_ROOM_ACTION_KEY) return this.requestWarRoom(integration, task.incidentId, { email: link.email, platform: 'wecom', userId: event.fromUserName }, clickKey, tellClicker);
    const action = this.actionOf(event);
    if (!action) {
      this.deps.record('click_unknown_action', { integrationId: integration.id, eventKey: event.eventKey });
      return 'unknown_action';
    }
    const actor: Actor = { email: link.email, platform: 'wecom', userId: event.fromUserName };
    const outcome = await this.deps.clicks.apply(task.incidentId, action, actor, clickKey);
    switch (outcome.kind) {
      case 'unknown_incident':
        await tellClicker('Incident not found');
        return 'unknown_incident';
      case 'no_change':
        return action.kind === 'refresh' ? 'refresh' : 'no_change';
      default:
        return outcome.kind;
    }
  }

  /** Open War Room is on the card: the integration has War Room on and this deployment can queue the request. */
  private warRoomOn(integration: WeComIntegration): boolean {
    return this.deps.warRoomJobs !== undefined && enabledWarRoom(integration) !== undefined;
  }

  /**
   * "Open War Room" by a linked person: not a transition. It is applied as Refresh Status (nothing
   * changes on the incident, no incident.action; the card catches up like any no-change click) and
   * a war-room job is queued. A repeated click queues another job: the worker reconciles and never
   * makes a second room. A stale card's click (incident closed, War Room since turned off) queues
   * nothing and says why in the operation log.
   */
  private async requestWarRoom(integration: WeComIntegration, incidentId: string, actor: Actor, clickKey: string, tellClicker: (text: string) => Promise<void>): Promise<ClickOutcome> {
    const outcome = await this.deps.clicks.apply(incidentId, { kind: 'refresh' }, actor, clickKey);
    if (outcome.kind === 'unknown_incident') {
      await tellClicker('Incident not found');
      return 'unknown_incident';
    }
    const nowMs = this.deps.clock.nowMs();
    const ctx: OperationContext = { incidentId, integrationId: integration.id, platform: 'wecom', channel: 'war_room', requestKind: 'card_action' };
    const closed = effectiveStatus(outcome.incident, nowMs) === 'Closed';
    if (closed || !this.warRoomOn(integration)) {
      const why = closed ? 'the incident is closed' : `War Room is off on ${integration.id}`;
      await this.deps.operationLog?.append([weComWarRoomRequestRecord(nowMs, ctx, actor.email, 'dropped', 'war_room_refused', `${actor.email} pressed Open War Room on an old card, but ${why}: no War Room was requested`)]);
      return 'no_change';
    }
    await this.deps.warRoomJobs!.request({ incidentId, reason: 'requested', requestedBy: actor.email });
    this.deps.record('war_room_requested', { integrationId: integration.id, incidentId, requestedBy: actor.email, platform: 'wecom' });
    await this.deps.operationLog?.append([
      weComWarRoomRequestRecord(nowMs, ctx, actor.email, 'done', 'war_room_requested', `${actor.email} pressed Open War Room on the WeCom card: the War Room was requested (an open room is kept, never made twice)`),
    ]);
    return 'war_room_requested';
  }

  /**
   * The clicker's card (that userid only, with the click's response code) says to link first —
   * `button.replace_name` is all an update may say without a whole card (DOC 94888) — and a text
   * message (DOC 90236, ≤ 2,048 bytes) carries the link with the pending action. The card update
   * goes first: a redelivered click finds its code spent and only sends the text again.
   */
  private async promptToLink(
    integration: WeComIntegration,
    event: WeComCallbackEvent,
    incidentId: string,
    action: IncidentAction,
    clickKey: string,
    tellClicker: (text: string) => Promise<void>,
    messenger: Awaited<ReturnType<WeComMessengers['forIntegration']>>,
  ): Promise<void> {
    const prompt = await this.deps.linkPrompts!.issue(integration, { userId: event.fromUserName, incidentId, action, clickKey });
    try {
      await tellClicker(LINK_FIRST_BUTTON_TEXT);
    } catch (error) {
      // The text below is what matters: a card that could not be marked is only logged (its code
      // is spent either way, so a retry could not mark it).
      if (!isWeComCallFailure(error)) throw error;
      this.deps.record('link_prompt_card_not_updated', { integrationId: integration.id, incidentId, userId: event.fromUserName, errcode: error.errcode });
    }
    const allowed = !this.deps.promptCounters || (await this.deps.promptCounters.hit([{ key: `click:prompt:${integration.id}:${event.fromUserName}`, limit: LINK_PROMPT_TEXTS }], 600));
    if (!allowed) {
      // Their earlier prompts' links still work (10 minutes): no further text now.
      this.deps.record('link_prompt_suppressed', { integrationId: integration.id, incidentId, userId: event.fromUserName, platform: 'wecom', action: action.kind, limit: LINK_PROMPT_TEXTS });
      return;
    }
    await withWeComRetries(() => messenger.sendText({ toUsers: [event.fromUserName], content: prompt.text }));
    this.deps.record('link_prompt_sent', { integrationId: integration.id, incidentId, userId: event.fromUserName, platform: 'wecom', action: action.kind, jti: prompt.jti });
  }

  private actionOf(event: WeComCallbackEvent): IncidentAction | undefined {
    const action = parseActionKey(event.eventKey ?? '');
    if (action?.kind === 'snooze' && event.event === 'template_card_event') {
      // The Snooze button applies the length picked in the card's dropdown, when there is one.
      const picked = snoozeMinutesFromSelection(event.selectedItems);
      return picked ? { kind: 'snooze', minutes: picked } : action;
    }
    return action;
  }
}

/** A refresh's text for every task: the template's (if any), its digest, and whether names are translated. */
interface RenderedText {
  readonly text?: WeComCardText;
  readonly digest?: string;
  readonly idTranslation?: true;
}

function weComWarRoomRequestRecord(atMs: number, ctx: OperationContext, email: string, result: 'done' | 'dropped', reasonCode: 'war_room_requested' | 'war_room_refused', reason: string): OperationRecord {
  return { atMs, result, reasonCode, reason, incidentId: ctx.incidentId, integrationId: ctx.integrationId, platform: ctx.platform, channel: ctx.channel, requestKind: ctx.requestKind, recipient: email };
}
