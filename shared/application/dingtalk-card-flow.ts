/**
 * DingTalk cards for incidents: one interactive card per incident per integration, delivered to
 * linked responders' robot 1:1 chats (IM_ROBOT) and to the target groups (IM_GROUP, with the
 * cool app's robot), responders @mentioned on the group card; kept current with PUT /v1.0/card/instances.
 *
 * Group @mentions: the card's imGroupOpenDeliverModel.atUserIds (userId → display name). Linked
 * responders are @-ed by their linked userId; the others are looked up by the mobile in the member
 * directory (oapi getbymobile: free, needs the contacts permission), each answer cached (hits 7
 * days, misses 1 day). Whoever cannot be @-ed is recorded with the reason, on the card record and
 * as a `dingtalk_mention_unresolved` event. No separate group message is sent: robot group messages
 * cannot @ anyone (groupMessages/send has no @ fields), and each would be a metered call.
 * Every metered call goes through the outgoing-im queue, where dispatch paces it to the app's QPS
 * and the org's monthly quota. Clicks are answered synchronously (≤ 2 s) with the clicker's update.
 */
import { createHash } from 'node:crypto';
import { incidentCardParams, type IncidentCardOptions } from '../domain/dingtalk-card';
import type { NotificationTemplates } from './notification-templates';
import { effectiveStatus, parseActionKey, renderVersion, WAR_ROOM_ACTION_KEY, type Actor, type Incident } from '../domain/incident';
import type { DingTalkIntegration, Integration } from '../domain/integration';
import { enabledWarRoom } from '../domain/war-room-settings';
import type { WarRoomJobs } from './war-room-ports';
import type { ConversationTarget } from '../domain/outgoing-call';
import type { CardCallbackAnswer, CardClick, CardClickPort } from './dingtalk-cards';
import type { IncidentClicks } from './incident-clicks';
import { linkPromptNote, type LinkPrompts } from './link-prompt';
import { DingTalkMobileResolver, dingTalkMobile } from './dingtalk-mobile-resolver';

export { MOBILE_LOOKUP_HIT_TTL_SECONDS, MOBILE_LOOKUP_MISS_TTL_SECONDS, dingTalkMobile } from './dingtalk-mobile-resolver';
import { dropDetails, unlinkedClickDetails } from './drops';
import type {
  Clock,
  DingTalkCardStore,
  DingTalkUserLookups,
  GroupChatRegistry,
  IncidentRepository,
  IntegrationRepository,
  Link,
  LinkStore,
  MemberDirectory,
  MobileLookupCache,
  OutgoingCalls,
  RateLimitCounters,
  UnmentionedResponder,
} from './ports';

/** A cardParamMap value is at most 1 KB (instructions-for-filling-in-api-card-data). */
const CARD_VALUE_MAX_BYTES = 1024;
/** createAndDeliver takes several spaces joined with `;`; dutybridge puts at most 20 in one call. */
const SPACES_PER_CALL = 20;

/** Why a responder could not be @mentioned, with the fix. */
const MENTION_REASONS: Readonly<Record<UnmentionedResponder['reason'], string>> = {
  no_mobile: 'no mobile is known for them (publish member.upserted with their mobile, or link them with dutybridge links set)',
  not_found: 'DingTalk has no member with their mobile in this org (link them with dutybridge links set)',
  invalid_mobile: 'DingTalk refused their mobile as invalid (correct it with member.upserted)',
  lookup_refused: 'DingTalk refused the mobile lookup (give the app the contacts permission, 通讯录只读权限)',
  lookup_failed: 'the mobile lookup failed; it is tried again with the next card',
};


export interface DingTalkCardFlowDeps {
  readonly incidents: IncidentRepository;
  readonly links: LinkStore;
  readonly members: MemberDirectory;
  readonly groups: GroupChatRegistry;
  readonly cards: DingTalkCardStore;
  readonly outgoing: OutgoingCalls;
  readonly clicks: IncidentClicks;
  /** getbymobile, for @mentioning responders who are not linked. */
  readonly userLookups: DingTalkUserLookups;
  readonly mobileLookups: MobileLookupCache;
  readonly clock: Clock;
  readonly record: (event: string, details: Record<string, unknown>) => void;
  /**
   * The link prompt of an unlinked click (link-prompt.ts): the integration to sign it for and the
   * issuer; absent without PUBLIC_API_URL.
   */
  readonly linkPrompts?: { readonly integrations: Pick<IntegrationRepository, 'get'>; readonly prompts: Pick<LinkPrompts, 'issue'> };
  /** Click rate limits per clicker and per incident (none when absent). */
  readonly clickLimits?: { readonly counters: RateLimitCounters; readonly perUserPerMinute: number; readonly perIncidentPerMinute: number };
  /** The integration's `dingtalk.card` template (issue 13); absent: the fixed card text. */
  readonly templates?: Pick<NotificationTemplates, 'fields'>;
  /**
   * "Open War Room" (issue 14): the war-room queue its clicks ask, and the integrations, read by a
   * click to render the button (integration settings). Absent: no button.
   */
  readonly warRoom?: { readonly jobs: WarRoomJobs; readonly integrations: Pick<IntegrationRepository, 'get'> };
}

/** Default click limits: a person clicks a few times a minute; a whole team on one incident, more. */
export const DEFAULT_CLICKS_PER_USER_PER_MINUTE = 10;
export const DEFAULT_CLICKS_PER_INCIDENT_PER_MINUTE = 30;
export const SLOW_DOWN_NOTE = 'Too many clicks: nothing was changed. Wait a minute, then try again.';

/** outTrackId: short, stable, unique per (integration, incident, chunk). */
export function dingTalkOutTrackId(integrationId: string, incidentId: string, chunk: number): string {
  const hash = createHash('sha256').update(`${integrationId}\u0000${incidentId}`).digest('base64url').slice(0, 22);
  return `db-${hash}-${chunk}`;
}

/** The War Room card's outTrackId (issue 14): one per (integration, incident), apart from the chunks. */
export function dingTalkWarRoomOutTrackId(integrationId: string, incidentId: string): string {
  return dingTalkOutTrackId(integrationId, incidentId, 0).replace(/-0$/, '-wr');
}

export function callbackRouteKey(integrationId: string): string {
  return `dutybridge-${integrationId}`;
}

export class DingTalkCardFlow implements CardClickPort {
  private readonly mobiles: DingTalkMobileResolver;

  constructor(private readonly deps: DingTalkCardFlowDeps) {
    this.mobiles = new DingTalkMobileResolver(deps);
  }

  /** The template's title/status/description for this incident's card, or undefined for the fixed text. */
  private async cardText(integrationId: string, incident: Incident, logChannel: string): Promise<IncidentCardOptions['text']> {
    const f = await this.deps.templates?.fields('dingtalk.card', integrationId, incident, { platform: 'dingtalk', logChannel });
    return f ? { title: f.title ?? '', status: f.status ?? '', description: f.description ?? '' } : undefined;
  }

  async deliver(integration: DingTalkIntegration, incident: Incident): Promise<void> {
    const existing = await this.deps.cards.getCard(integration.id, incident.incidentId);
    if (existing?.queued) return;
    // A card record without `queued` means an earlier attempt died before queueing every call: the
    // calls below are recomputed (deterministically) and queued again; their idempotency keys keep
    // dispatch from calling DingTalk twice.
    if (!existing && incident.status === 'Closed') return;
    const templateId = integration.settings.cardTemplateId;
    if (!templateId) {
      this.deps.record(
        'dingtalk_no_card_template',
        dropDetails('template_error', `no DingTalk card was sent for ${integration.id}: the integration has no cardTemplateId. Set it (integrations add dingtalk --card-template-id …, see shared/adapters/dingtalk/card-template)`, {
          incidentId: incident.incidentId,
          integrationId: integration.id,
          platform: 'dingtalk',
        }),
      );
      return;
    }
    const nowMs = this.deps.clock.nowMs();
    const target = incident.targets.find((t) => t.integrationId === integration.id);
    const emails = target && target.persons.length > 0 ? target.persons : incident.responders;
    const links = await this.deps.links.byEmails(integration.id, emails);
    const notLinked = emails.filter((e) => !links.has(e.toLowerCase()));
    const where = { incidentId: incident.incidentId, integrationId: integration.id, platform: 'dingtalk' as const };
    for (const email of notLinked) {
      this.deps.record('app_not_linked', { ...dropDetails('app_not_linked', `App Not Linked: ${email} has no DingTalk user linked in ${integration.id}, so no 1:1 card was sent to them; link them with \`npx dutybridge links set --integration ${integration.id} --email ${email} --user-id <their DingTalk userId>\``, { ...where, recipient: email }), email });
    }

    const groupTargets: ConversationTarget[] = [];
    for (const cid of target?.groups ?? []) {
      const group = await this.deps.groups.get(integration.id, cid);
      if (!group || group.state !== 'active') {
        this.deps.record('dingtalk_group_unavailable', {
          ...dropDetails('group_unavailable', `DingTalk group ${cid} gets no card: ${group ? `its state is ${group.state} (the cool app was removed or the group disbanded)` : 'no cool app install is known for it (see dutybridge groups list)'}`, { ...where, recipient: cid }),
          openConversationId: cid,
          state: group?.state ?? 'unknown',
        });
        continue;
      }
      groupTargets.push({ type: 'group', openConversationId: cid, ...(group.coolAppCode ? { coolAppCode: group.coolAppCode } : {}) });
    }
    const userTargets: ConversationTarget[] = [...links.values()].map((l) => ({ type: 'user', userId: l.userId }));
    const spaces = [...groupTargets, ...userTargets];
    if (spaces.length === 0) {
      const why = emails.length === 0 && (target?.groups ?? []).length === 0 ? 'names no persons or groups and the incident has no responders' : 'has no linked person and no active group';
      this.deps.record('no_recipients', dropDetails(emails.length === 0 ? 'no_target' : 'app_not_linked', `the target ${integration.id} ${why}, so no DingTalk card was sent`, where));
    }
    const chunks: ConversationTarget[][] = [];
    for (let i = 0; i < spaces.length; i += SPACES_PER_CALL) chunks.push(spaces.slice(i, i + SPACES_PER_CALL));
    const outTrackIds = chunks.map((_, i) => dingTalkOutTrackId(integration.id, incident.incidentId, i));
    const { atUserIds, unmentioned } = groupTargets.length > 0 ? await this.groupMentions(integration, incident.incidentId, emails, links) : { atUserIds: {}, unmentioned: [] };
    const card = await this.deps.cards.createCard({
      integrationId: integration.id,
      incidentId: incident.incidentId,
      outTrackIds,
      notLinked,
      ...(unmentioned.length > 0 ? { unmentioned } : {}),
      renderedVersion: renderVersion(incident, nowMs),
      createdAt: nowMs,
    });

    const cardParamMap = incidentCardParams(incident, nowMs, { text: await this.cardText(integration.id, incident, 'card'), warRoom: this.warRoomOn(integration) });
    const summary = `[${incident.severity}] ${incident.title}`.slice(0, 600);
    // The operation log names each 1:1 recipient by the linked member's email (dispatch records it).
    const emailOfUser = new Map([...links.values()].map((l) => [l.userId, l.email]));
    for (const [i, targets] of chunks.entries()) {
      const withGroup = targets.some((t) => t.type === 'group') && Object.keys(atUserIds).length > 0;
      const recipientEmails = Object.fromEntries(targets.flatMap((t) => (t.type === 'user' && emailOfUser.has(t.userId) ? [[t.userId, emailOfUser.get(t.userId)!]] : [])));
      await this.deps.outgoing.enqueue({
        kind: 'dingtalk.createAndDeliver',
        integrationId: integration.id,
        idempotencyKey: `create:${card.outTrackIds[i]}`,
        severity: incident.severity,
        incidentId: incident.incidentId,
        summary,
        ...(Object.keys(recipientEmails).length > 0 ? { recipientEmails } : {}),
        payload: { outTrackId: card.outTrackIds[i], cardTemplateId: templateId, callbackRouteKey: callbackRouteKey(integration.id), cardParamMap, targets, ...(withGroup ? { atUserIds } : {}) },
      });
    }
    await this.deps.cards.markQueued(integration.id, incident.incidentId);
    this.deps.record('dingtalk_cards_queued', { integrationId: integration.id, incidentId: incident.incidentId, spaces: spaces.length, calls: chunks.length });
  }

  /**
   * Who the group card @mentions: userId → display name (member directory name, else email).
   * Linked responders by their link; the others by their directory mobile through getbymobile.
   */
  private async groupMentions(
    integration: DingTalkIntegration,
    incidentId: string,
    emails: readonly string[],
    links: ReadonlyMap<string, Link>,
  ): Promise<{ atUserIds: Record<string, string>; unmentioned: UnmentionedResponder[] }> {
    const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
    const members = await Promise.all(unique.map((email) => this.deps.members.get(email)));
    const atUserIds: Record<string, string> = {};
    const unmentioned: UnmentionedResponder[] = [];
    // Lookups one after another: getbymobile has the app's QPS limit too.
    for (const [i, email] of unique.entries()) {
      const member = members[i];
      const name = member?.name || email;
      const link = links.get(email);
      if (link) {
        atUserIds[link.userId] = name;
        continue;
      }
      if (!member?.mobile) {
        unmentioned.push({ email, reason: 'no_mobile' });
        continue;
      }
      const found = await this.userIdByMobile(integration, dingTalkMobile(member.mobile));
      if ('userId' in found) atUserIds[found.userId] = name;
      else unmentioned.push({ email, ...found });
    }
    for (const person of unmentioned) {
      this.deps.record('dingtalk_mention_unresolved', {
        ...dropDetails('mention_unresolved', `${person.email} is not @mentioned on the DingTalk group card: ${MENTION_REASONS[person.reason]}${person.detail ? ` (${person.detail})` : ''}`, {
          incidentId,
          integrationId: integration.id,
          platform: 'dingtalk',
          recipient: person.email,
        }),
        email: person.email,
        mentionReason: person.reason,
        ...(person.detail ? { detail: person.detail } : {}),
      });
    }
    return { atUserIds, unmentioned };
  }

  /**
   * The incident card in a War Room (issue 14): the same card, delivered into the scene group by the
   * group template's robot, its outTrackId added to the incident's card record so every refresh and
   * click covers it like the others. The person and group cards are queued first (idempotent), so
   * the record exists.
   */
  async deliverToWarRoom(integration: DingTalkIntegration, incident: Incident, openConversationId: string, robotCode: string): Promise<void> {
    const templateId = integration.settings.cardTemplateId;
    if (!templateId) return; // deliver() records dingtalk_no_card_template
    await this.deliver(integration, incident);
    const outTrackId = dingTalkWarRoomOutTrackId(integration.id, incident.incidentId);
    const nowMs = this.deps.clock.nowMs();
    await this.deps.cards.addOutTrack(integration.id, incident.incidentId, outTrackId, nowMs);
    await this.deps.outgoing.enqueue({
      kind: 'dingtalk.createAndDeliver',
      integrationId: integration.id,
      idempotencyKey: `create:${outTrackId}`,
      severity: incident.severity,
      incidentId: incident.incidentId,
      summary: `[${incident.severity}] ${incident.title}`.slice(0, 600),
      payload: {
        outTrackId,
        cardTemplateId: templateId,
        callbackRouteKey: callbackRouteKey(integration.id),
        cardParamMap: incidentCardParams(incident, nowMs, { text: await this.cardText(integration.id, incident, 'group_card'), warRoom: this.warRoomOn(integration) }),
        targets: [{ type: 'group', openConversationId }],
        robotCode,
      },
    });
  }

  /** getbymobile through the cache (dingtalk-mobile-resolver.ts). */
  async userIdByMobile(integration: DingTalkIntegration, mobile: string): Promise<{ userId: string } | Omit<UnmentionedResponder, 'email'>> {
    return this.mobiles.userIdByMobile(integration, mobile);
  }

  /** One PUT per outTrackId per visible change; a burst of changes renders once (version check). */
  async refresh(integration: DingTalkIntegration, incident: Incident): Promise<number> {
    const card = await this.deps.cards.getCard(integration.id, incident.incidentId);
    if (!card) return 0;
    const nowMs = this.deps.clock.nowMs();
    const version = renderVersion(incident, nowMs);
    if (card.renderedVersion >= version) return 0;
    const cardParamMap = incidentCardParams(incident, nowMs, { text: await this.cardText(integration.id, incident, 'card_update'), warRoom: this.warRoomOn(integration) });
    // Queue first, then record: a crash in between re-queues on redelivery (same idempotency keys),
    // where recording first would lose the update.
    for (const outTrackId of card.outTrackIds) {
      await this.deps.outgoing.enqueue({
        kind: 'dingtalk.updateCard',
        integrationId: integration.id,
        idempotencyKey: `update:${outTrackId}:${version}`,
        severity: incident.severity,
        incidentId: incident.incidentId,
        summary: `[${incident.severity}] ${incident.title} — ${effectiveStatus(incident, nowMs)}`.slice(0, 600),
        payload: { outTrackId, cardParamMap, updateByKey: true, renderVersion: version },
      });
    }
    await this.deps.cards.markRendered(integration.id, incident.incidentId, version);
    return card.outTrackIds.length;
  }

  /**
   * The link prompt, shown on the clicker's own card: the callback's answer may update that user's
   * private data (`userPrivateData`, dingtalk.md §3.3), so no robot message (a metered call) is
   * needed. `note` says what happened, `linkUrl` is the linking page with the pending action
   * (shared/adapters/dingtalk/card-template: a link shown only when set). Undefined when there is
   * no prompt to make (no PUBLIC_API_URL, an unknown button, the integration gone).
   */
  private async linkPrompt(click: CardClick, incidentId: string): Promise<{ note: string; linkUrl: string } | undefined> {
    const action = parseActionKey((typeof click.params.action === 'string' ? click.params.action : click.actionIds[0]) ?? '');
    if (!action || !this.deps.linkPrompts) return undefined;
    const integration = await this.deps.linkPrompts.integrations.get(click.integrationId);
    if (integration?.platform !== 'dingtalk') return undefined;
    const prompt = await this.deps.linkPrompts.prompts.issue(integration, { userId: click.userId, incidentId, action, clickKey: click.clickKey });
    if (Buffer.byteLength(prompt.url) > CARD_VALUE_MAX_BYTES) {
      // Every card value is at most 1 KB (instructions-for-filling-in-api-card-data): a link this
      // long (very long ids) cannot be shown; the card says to ask for a link instead.
      this.deps.record('link_prompt_too_long', { integrationId: click.integrationId, incidentId, userId: click.userId, bytes: Buffer.byteLength(prompt.url) });
      return undefined;
    }
    this.deps.record('link_prompt_sent', { integrationId: click.integrationId, incidentId, userId: click.userId, platform: 'dingtalk', action: action.kind, jti: prompt.jti });
    return { note: linkPromptNote(action), linkUrl: prompt.url };
  }

  /** The card callback port: apply the click, answer with the clicker's card (dingtalk.md §3.3). */
  async onClick(click: CardClick): Promise<CardCallbackAnswer> {
    const nowMs = this.deps.clock.nowMs();
    // The reads depend only on the request: made together, they are one round trip of DingTalk's 2 s.
    const [card, link, integration] = await Promise.all([
      this.deps.cards.findOutTrack(click.integrationId, click.outTrackId),
      this.deps.links.byUserId(click.integrationId, click.userId),
      // The answer re-renders the card: whether it offers Open War Room is the integration's setting.
      this.deps.warRoom?.integrations.get(click.integrationId),
    ]);
    if (!card) {
      this.deps.record('click_unknown_card', { integrationId: click.integrationId, outTrackId: click.outTrackId });
      return { kind: 'update', userPrivateParamMap: { note: 'Incident not found' } };
    }
    const limits = this.deps.clickLimits;
    if (limits) {
      const allowed = await limits.counters.hit(
        [
          { key: `click:user:${click.integrationId}:${click.userId}`, limit: limits.perUserPerMinute },
          { key: `click:incident:${card.incidentId}`, limit: limits.perIncidentPerMinute },
        ],
        60,
      );
      if (!allowed) {
        this.deps.record('click_rate_limited', { integrationId: click.integrationId, userId: click.userId, incidentId: card.incidentId });
        return { kind: 'update', userPrivateParamMap: { note: SLOW_DOWN_NOTE } };
      }
    }
    if (!link) {
      const prompt = await this.linkPrompt(click, card.incidentId);
      this.deps.record(
        'app_not_linked',
        unlinkedClickDetails(
          { platform: 'dingtalk', integrationId: click.integrationId, incidentId: card.incidentId, userId: click.userId },
          prompt ? 'sent a link prompt on their card: a link to link their account, which then applies the click (valid 10 minutes)' : 'the card told them to ask for a link',
        ),
      );
      if (prompt) return { kind: 'update', userPrivateParamMap: prompt };
      return { kind: 'update', userPrivateParamMap: { note: 'Your DingTalk account is not linked to the incident system yet; ask an administrator to link it.' } };
    }
    const key = typeof click.params.action === 'string' ? click.params.action : click.actionIds[0];
    const actor: Actor = { email: link.email, platform: 'dingtalk', userId: click.userId };
    const warRoom = integration?.platform === 'dingtalk' && this.warRoomOn(integration);
    // Open War Room is no incident action: applied as Refresh (nothing changes, no incident.action,
    // the card answered like any no-change click), then the room is asked of the war-room worker.
    const action = key === WAR_ROOM_ACTION_KEY ? ({ kind: 'refresh' } as const) : parseActionKey(key ?? '');
    if (!action) return { kind: 'noChange' };
    const outcome = await this.deps.clicks.apply(card.incidentId, action, actor, click.clickKey);
    if (outcome.kind === 'unknown_incident') return { kind: 'update', userPrivateParamMap: { note: 'Incident not found' } };
    if (key === WAR_ROOM_ACTION_KEY) await this.requestWarRoom(click.integrationId, outcome.incident, actor.email, warRoom, nowMs);
    // A click by a linked person clears what an earlier answer left on their card only (a link
    // prompt from before they linked, a slow-down note): empty values hide the template's note and link.
    return { kind: 'update', cardParamMap: incidentCardParams(outcome.incident, nowMs, { text: await this.cardText(click.integrationId, outcome.incident, 'card_update'), warRoom }), userPrivateParamMap: { note: '', linkUrl: '' } };
  }

  /** Open War Room is on the card: the integration has War Room on and this deployment can queue the request. */
  private warRoomOn(integration: Integration): boolean {
    return this.deps.warRoom !== undefined && enabledWarRoom(integration) !== undefined;
  }

  /**
   * Queues the War Room request of a linked clicker (a repeated click queues another job: the worker
   * reconciles and never makes a second room). A stale card's click (incident closed, War Room since
   * turned off) queues nothing and says why in the operation log.
   */
  private async requestWarRoom(integrationId: string, incident: Incident, email: string, warRoomOn: boolean, nowMs: number): Promise<void> {
    const where = { incidentId: incident.incidentId, integrationId, platform: 'dingtalk' as const, channel: 'war_room', requestKind: 'card_action', recipient: email };
    const closed = effectiveStatus(incident, nowMs) === 'Closed';
    if (closed || !warRoomOn || !this.deps.warRoom) {
      const why = closed ? 'the incident is closed' : `War Room is off on ${integrationId}`;
      this.deps.record('war_room_not_requested', dropDetails('war_room_refused', `${email} pressed Open War Room on an old card, but ${why}: no War Room was requested`, where));
      return;
    }
    await this.deps.warRoom.jobs.request({ incidentId: incident.incidentId, reason: 'requested', requestedBy: email });
    this.deps.record('war_room_requested', {
      result: 'done',
      reasonCode: 'war_room_requested',
      reason: `${email} pressed Open War Room on the DingTalk card: the War Room was requested (an open room is kept, never made twice)`,
      ...where,
    });
  }
}
