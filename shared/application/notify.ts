/**
 * notify: incident and member events from the incident system. Incident events update the
 * projection (compare-and-swap; stale versions ignored), then every WeCom target gets its card
 * (idempotent: only batches not yet sent are sent) and existing cards are refreshed.
 */
import { applyIncidentEvent, isIncidentStreamEvent, type Incident } from '../domain/incident';
import type { IncidentEvent } from '../domain/incident-events';
import type { DingTalkIntegration, WeComIntegration } from '../domain/integration';
import type { DingTalkCardFlow } from './dingtalk-card-flow';
import type { IncidentClicks } from './incident-clicks';
import { ConcurrentUpdateError, type WarRoomCardRequest, type CardRefreshQueue, type IncidentCardIndex, type Clock, type IncidentRepository, type IntegrationRepository, type MemberDirectory } from './ports';
import type { WeComCardsUseCase } from './wecom-cards';
import { dropDetails } from './drops';
import { isBotPostedEvent } from '../domain/group-bot';
import type { GroupBotAlerts } from './group-bots';
import type { WarRoomJobs, WarRoomStore } from './war-room-ports';

export interface NotifyDeps {
  readonly incidents: IncidentRepository;
  readonly integrations: IntegrationRepository;
  readonly members: MemberDirectory;
  readonly weComCards: WeComCardsUseCase;
  readonly dingTalkCards: DingTalkCardFlow;
  /** Publishes actions left in an incident's outbox by a click whose publish did not complete. */
  readonly clicks: Pick<IncidentClicks, 'flushPending'>;
  readonly refresh: CardRefreshQueue;
  readonly clock: Clock;
  readonly record: (event: string, details: Record<string, unknown>) => void;
  /** Group bots named in targets[].bots (shared/application/group-bots.ts). */
  readonly groupBots?: Pick<GroupBotAlerts, 'deliver'>;
  /**
   * War Rooms (issue 14): requests and dismissals become jobs of the war-room worker; a change to an
   * incident that has rooms asks it to bring them in step (members, status, closing).
   */
  readonly warRooms?: { readonly jobs: WarRoomJobs; readonly rooms: Pick<WarRoomStore, 'listForIncident'> };
}

/** `dropped`: every target names an unknown integration; nothing was stored, so the version is not spent. */
export type NotifyOutcome = 'member_upserted' | 'member_removed' | 'applied' | 'stale' | 'dropped' | 'war_room_requested';

function unknownIntegrationReason(integrationId: string, versionKept: boolean): string {
  return (
    `no integration "${integrationId}" (see dutybridge integrations list): no card was sent for this target. ` +
    (versionKept
      ? 'The event was not applied and its version is not spent: publish it again with a known integration id.'
      : 'Add the integration (dutybridge integrations add) or fix the event\u2019s targets.')
  );
}

export class NotifyUseCase {
  constructor(private readonly deps: NotifyDeps) {}

  async process(event: IncidentEvent): Promise<NotifyOutcome> {
    const nowMs = this.deps.clock.nowMs();
    if (event.type === 'member.upserted') {
      await this.deps.members.upsert({ email: event.email, name: event.name, mobile: event.mobile, updatedAt: nowMs });
      return 'member_upserted';
    }
    if (event.type === 'member.removed') {
      await this.deps.members.remove(event.email);
      return 'member_removed';
    }
    if (event.type === 'incident.war_room_requested' || event.type === 'incident.war_room_dismissed') {
      if (!this.deps.warRooms) {
        this.deps.record('war_room_unavailable', dropDetails('war_room_refused', `${event.type} for ${event.incidentId} was ignored: this deployment has no War Room worker`, { incidentId: event.incidentId }));
        return 'dropped';
      }
      const requestedBy = event.type === 'incident.war_room_requested' ? event.requestedBy : undefined;
      await this.deps.warRooms.jobs.request({ incidentId: event.incidentId, reason: event.type === 'incident.war_room_requested' ? 'requested' : 'dismissed', ...(requestedBy ? { requestedBy } : {}) });
      return 'war_room_requested';
    }
    if (!isIncidentStreamEvent(event)) return 'stale';

    // Targets that name no integration, looked up before the version is spent: an event that could
    // reach nobody because of them (every target unknown) is not stored, so the incident keeps its
    // version and the corrected event (same version, right ids) is applied. Nothing is written on
    // that path, so it cannot race a concurrent write, and a redelivery is dropped again (or applied,
    // once the integration exists).
    const unknownIds = new Set<string>();
    for (const target of event.targets) if (!(await this.deps.integrations.get(target.integrationId))) unknownIds.add(target.integrationId);
    const allUnknown = event.targets.length > 0 && event.targets.every((t) => unknownIds.has(t.integrationId));

    let incident: Incident | undefined;
    let outcome: NotifyOutcome = 'applied';
    let stored = false;
    for (let attempt = 0; ; attempt++) {
      const current = await this.deps.incidents.get(event.incidentId);
      const result = applyIncidentEvent(current, event, nowMs);
      if (result.kind === 'stale') {
        // A repeated version is a redelivery (not a drop); an older one changes nothing and is recorded.
        const older = !current || event.version !== current.version;
        this.deps.record(
          'event_stale',
          older
            ? dropDetails(
                'event_version_stale',
                `${event.type} version ${event.version} was ignored: dutybridge holds version ${current?.version ?? '?'} of ${event.incidentId}, and versions must grow per incident. Publish the change with a version above ${current?.version ?? 0}.`,
                { incidentId: event.incidentId },
              )
            : { incidentId: event.incidentId, reason: result.reason },
        );
        incident = current;
        // The same version again is a redelivery: its first attempt may have died before asking for
        // the refresh, so the follow-up below runs again (refreshes are idempotent).
        outcome = current && event.version === current.version ? 'applied' : 'stale';
        break;
      }
      if (allUnknown) {
        for (const id of unknownIds) {
          this.deps.record('unknown_target_integration', dropDetails('integration_unknown', unknownIntegrationReason(id, true), { incidentId: event.incidentId, integrationId: id }));
        }
        return 'dropped';
      }
      try {
        await this.deps.incidents.save(result.incident, current?.revision ?? 0);
        incident = result.incident;
        stored = true;
        break;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= 9) throw error;
      }
    }
    if (!incident) return outcome;
    await this.deps.clicks.flushPending(incident);

    if (stored && incident.targets.length === 0 && (event.type === 'incident.triggered' || event.type === 'incident.reopened')) {
      this.deps.record(
        'no_target',
        dropDetails('no_target', `the ${event.type} event names no targets, so no card was sent to anyone; add targets[].integrationId (with persons or groups)`, {
          incidentId: incident.incidentId,
        }),
      );
    }

    // Even for a stale (repeated) event, finish deliveries a failed attempt left pending.
    for (const target of incident.targets) {
      const integration = await this.deps.integrations.get(target.integrationId);
      if (!integration) {
        this.deps.record(
          'unknown_target_integration',
          dropDetails('integration_unknown', unknownIntegrationReason(target.integrationId, false), { incidentId: incident.incidentId, integrationId: target.integrationId }),
        );
        continue;
      }
      if (integration.disabled) {
        // A suite authorization the customer cancelled (issue 16): say so instead of failing on WeCom.
        this.deps.record(
          'integration_disabled',
          dropDetails('integration_disabled', `integration ${integration.id} is disabled: ${integration.disabled.reason}`, { incidentId: incident.incidentId, integrationId: integration.id }),
        );
        continue;
      }
      if (integration.platform === 'wecom') await this.deps.weComCards.deliver(integration as WeComIntegration, incident);
      else await this.deps.dingTalkCards.deliver(integration as DingTalkIntegration, incident);
      // Bots post this version once (a redelivery of it finishes what a failed attempt left).
      if (this.deps.groupBots && target.bots?.length && isBotPostedEvent(event.type) && incident.version === event.version) {
        await this.deps.groupBots.deliver(integration, incident, event.type, target.bots);
      }
    }
    if (outcome === 'applied' && this.deps.warRooms) {
      // Responders or status may have changed: rooms still open are brought in step by the worker.
      const rooms = await this.deps.warRooms.rooms.listForIncident(incident.incidentId);
      if (rooms.some((r) => r.state === 'open' || r.state === 'creating')) await this.deps.warRooms.jobs.request({ incidentId: incident.incidentId, reason: 'sync' });
    }
    if (outcome === 'applied') {
      await this.deps.refresh.request(incident.incidentId);
      if (incident.status === 'Snoozed' && incident.snoozedUntil) await this.deps.refresh.request(incident.incidentId, { notBefore: incident.snoozedUntil });
    }
    return outcome;
  }
}

export interface RefreshDeps {
  readonly incidents: IncidentRepository;
  readonly integrations: IntegrationRepository;
  readonly weComCards: WeComCardsUseCase;
  readonly dingTalkCards: DingTalkCardFlow;
  readonly clicks: Pick<IncidentClicks, 'flushPending'>;
  readonly cards: IncidentCardIndex;
  readonly refresh: CardRefreshQueue;
  readonly clock: Clock;
}

/** refresh-card: every card of the incident, in every integration, to its current state. */
export class RefreshCardsUseCase {
  constructor(private readonly deps: RefreshDeps) {}

  async process(message: { incidentId: string; notBefore?: number; warRoomCard?: WarRoomCardRequest }): Promise<'deferred' | 'refreshed' | 'unknown_incident'> {
    const nowMs = this.deps.clock.nowMs();
    if (message.notBefore && nowMs < message.notBefore) {
      // SQS delays are at most 15 minutes: wait in hops until the snooze ends.
      await this.deps.refresh.request(message.incidentId, { delaySeconds: (message.notBefore - nowMs) / 1000, notBefore: message.notBefore });
      return 'deferred';
    }
    const incident = await this.deps.incidents.get(message.incidentId);
    if (!incident) return 'unknown_incident';
    await this.deps.clicks.flushPending(incident);
    if (message.warRoomCard) {
      // A War Room's scene group (issue 14): the card goes in, then is refreshed with the others.
      const { integrationId, openConversationId, robotCode } = message.warRoomCard;
      const integration = await this.deps.integrations.get(integrationId);
      if (integration?.platform === 'dingtalk') await this.deps.dingTalkCards.deliverToWarRoom(integration as DingTalkIntegration, incident, openConversationId, robotCode);
    }
    for (const { integrationId } of await this.deps.cards.cardsOfIncident(incident.incidentId)) {
      const integration = await this.deps.integrations.get(integrationId);
      if (integration?.platform === 'wecom') await this.deps.weComCards.refresh(integration as WeComIntegration, incident);
      else if (integration?.platform === 'dingtalk') await this.deps.dingTalkCards.refresh(integration as DingTalkIntegration, incident);
    }
    // The card records follow the incident's retention (expiring once closed, not after a reopen).
    await this.deps.cards.applyRetention?.(incident.incidentId);
    return 'refreshed';
  }
}
