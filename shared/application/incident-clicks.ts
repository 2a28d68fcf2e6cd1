/**
 * A person's click, whatever the platform: apply it to the incident with compare-and-swap, publish
 * exactly one incident.action per transition (the transition is stored with the state change, so a
 * redelivered click republishes instead of losing it), and ask for every card to be refreshed.
 */
import { actionIdempotencyKey, actionMessageFor } from '../domain/incident-action';
import { appendTimeline, applyIncidentAction, type Actor, type Incident, type IncidentAction } from '../domain/incident';
import { ConcurrentUpdateError, type ActionPublisher, type CardRefreshQueue, type Clock, type IncidentRepository, type MemberDirectory } from './ports';

export type IncidentClickOutcome =
  | { readonly kind: 'transition'; readonly incident: Incident }
  | { readonly kind: 'already_applied'; readonly incident: Incident }
  | { readonly kind: 'no_change'; readonly incident: Incident; readonly reason: string }
  | { readonly kind: 'unknown_incident' };

export interface IncidentClicksDeps {
  readonly incidents: IncidentRepository;
  readonly actions: ActionPublisher;
  readonly refresh: CardRefreshQueue;
  /** Names from member.upserted, so cards say "Processing by Alice Chen" rather than an address. */
  readonly members?: MemberDirectory;
  readonly clock: Clock;
  readonly record: (event: string, details: Record<string, unknown>) => void;
}

export class IncidentClicks {
  constructor(private readonly deps: IncidentClicksDeps) {}

  async apply(incidentId: string, action: IncidentAction, clicker: Actor, clickKey: string): Promise<IncidentClickOutcome> {
    const nowMs = this.deps.clock.nowMs();
    // The clicker's display name and the incident are read together (one round trip, not two).
    const named = clicker.name ? Promise.resolve(clicker.name) : Promise.resolve(this.deps.members?.get(clicker.email)).then((member) => member?.name);
    let actor: Actor = clicker;
    for (let attempt = 0; attempt < 10; attempt++) {
      const [loaded, name] = await Promise.all([this.deps.incidents.get(incidentId), named]);
      if (name) actor = { ...clicker, name };
      if (!loaded) return { kind: 'unknown_incident' };
      // Publish what an earlier click left in the outbox; once emptied, it is not carried forward.
      const incident: Incident = (await this.flushPending(loaded)) ? { ...loaded, pendingActions: undefined } : loaded;
      if (incident.lastTransition?.clickKey === clickKey) {
        // A redelivered click whose transition is stored: never apply it twice (a second snooze
        // would be a second action). Its action, if unpublished, went out with the outbox above;
        // the refresh it asked for may have been lost, so ask again.
        await this.deps.refresh.request(incident.incidentId);
        return { kind: 'already_applied', incident };
      }
      const outcome = applyIncidentAction(incident, action, actor, nowMs);
      if (outcome.kind === 'noChange') {
        this.deps.record('click_no_change', { incidentId, reason: outcome.reason });
        await this.deps.refresh.request(incident.incidentId, { delaySeconds: 0 });
        return { kind: 'no_change', incident, reason: outcome.reason };
      }
      const idempotencyKey = actionIdempotencyKey(incident.incidentId, outcome.incident.revision);
      const snooze = outcome.action.kind === 'snooze' ? { snoozeMinutes: outcome.action.minutes } : {};
      const transitioned: Incident = {
        ...outcome.incident,
        lastTransition: { clickKey, idempotencyKey, action: outcome.action.kind, ...snooze, actor, at: nowMs },
        timeline: appendTimeline(incident.timeline, { at: nowMs, kind: 'click', what: outcome.action.kind, revision: outcome.incident.revision, ...snooze, actor, idempotencyKey }),
      };
      // The action goes into the outbox in the same compare-and-swap write as the state change.
      const next: Incident = { ...transitioned, pendingActions: [...(incident.pendingActions ?? []), actionMessageFor(transitioned)!] };
      try {
        await this.deps.incidents.save(next, incident.revision);
      } catch (error) {
        if (error instanceof ConcurrentUpdateError) continue; // someone else clicked: re-read and re-decide
        throw error;
      }
      // In parallel: a DingTalk card callback must answer within 2 s.
      await Promise.all([
        this.flushPending(next),
        this.deps.refresh.request(next.incidentId),
        next.status === 'Snoozed' && next.snoozedUntil ? this.deps.refresh.request(next.incidentId, { notBefore: next.snoozedUntil }) : undefined,
      ]);
      this.deps.record('click_transition', { incidentId, action: outcome.action.kind, revision: next.revision, platform: actor.platform });
      return { kind: 'transition', incident: next };
    }
    throw new ConcurrentUpdateError(incidentId);
  }

  /**
   * Publishes the incident's outbox, then empties it. Publishing twice is harmless: the FIFO queue
   * drops a repeated idempotency key within 5 minutes and consumers de-duplicate on it after that.
   */
  async flushPending(incident: Incident): Promise<boolean> {
    const pending = incident.pendingActions ?? [];
    if (pending.length === 0) return false;
    for (const message of pending) await this.deps.actions.publish(message);
    return this.deps.incidents.clearPendingActions(incident.incidentId, incident.revision);
  }
}
