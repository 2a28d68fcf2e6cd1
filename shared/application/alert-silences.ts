/**
 * Silences out (issue 18): a card's Snooze on an alert incident creates an Alertmanager silence
 * (API v2) for the group's labels for the chosen length; Close expires it. The silence id goes on
 * the incident (a label, so every copy of the card shows it) through an `incident.updated` with
 * the next version. Actions still flow to the actions queue as before: this worker gets a copy.
 *
 * Idempotent: the action's idempotency key is kept with the silence, so the outbox's republishing
 * of the same transition creates nothing new. A refusal Alertmanager will never take (400, 401) is
 * recorded in the operation log and dropped; a passing failure (network, 5xx) is retried by the queue.
 */
import { withSilence } from '../domain/alert-incidents';
import { isAlertIncident } from '../domain/alert-incident-id';
import type { IncidentActionMessage } from '../domain/incident-action';
import type { OperationRecord } from '../domain/operation-log';
import { AlertmanagerCallError, type AlertSourceRepository, type AlertStateStore, type IncidentEventPublisher, type SilencesFactory } from './alert-ports';
import { ConcurrentUpdateError, type Clock, type OperationLog } from './ports';
import type { AlertIncidentState } from '../domain/alert-incidents';

export interface AlertSilencesDeps {
  readonly sources: AlertSourceRepository;
  readonly states: AlertStateStore;
  readonly silences: SilencesFactory;
  readonly events: IncidentEventPublisher;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly clock: Clock;
}

export type AlertSilenceOutcome =
  | { readonly kind: 'silenced'; readonly silenceId: string }
  | { readonly kind: 'expired'; readonly silenceId: string }
  | { readonly kind: 'skipped'; readonly reason: 'not_an_alert' | 'no_alertmanager' | 'already_done' | 'nothing_to_expire' | 'not_a_silence_action' }
  | { readonly kind: 'refused'; readonly reason: string };


export class AlertSilencesUseCase {
  constructor(private readonly deps: AlertSilencesDeps) {}

  async handle(action: IncidentActionMessage): Promise<AlertSilenceOutcome> {
    if (!isAlertIncident(action.incidentId)) return { kind: 'skipped', reason: 'not_an_alert' };
    if (action.action === 'acknowledge') return { kind: 'skipped', reason: 'not_a_silence_action' };
    const state = await this.deps.states.get(action.incidentId);
    if (!state) return { kind: 'skipped', reason: 'not_an_alert' };
    const source = await this.deps.sources.get(state.sourceId);
    const silences = source ? await this.deps.silences.forSource(source) : undefined;
    if (!source || !silences) return { kind: 'skipped', reason: 'no_alertmanager' };
    if (state.silence?.actionKey === action.idempotencyKey) return { kind: 'skipped', reason: 'already_done' };
    const nowMs = this.deps.clock.nowMs();
    try {
      // Snoozing again replaces the old silence; closing ends it.
      if (state.silence) await silences.expire(state.silence.id);
      if (action.action === 'resolve') {
        if (!state.silence) return { kind: 'skipped', reason: 'nothing_to_expire' };
        await this.putSilence(state, undefined);
        await this.log([this.record(action, 'done', 'alert_silence_expired', `Alertmanager silence ${state.silence.id} expired: the incident was closed by ${action.actor.email}`)]);
        return { kind: 'expired', silenceId: state.silence.id };
      }
      const minutes = action.snoozeMinutes ?? 120;
      const endsAt = new Date(nowMs + minutes * 60_000).toISOString();
      const id = await silences.create({
        matchers: state.matchers,
        startsAt: new Date(nowMs).toISOString(),
        endsAt,
        createdBy: action.actor.email,
        comment: `dutybridge: ${action.incidentId} snoozed for ${minutes} min by ${action.actor.email}${action.actor.platform ? ` on ${action.actor.platform}` : ''}`,
      });
      await this.putSilence(state, { id, endsAt, actionKey: action.idempotencyKey });
      await this.log([this.record(action, 'done', 'alert_silenced', `Alertmanager silence ${id} until ${endsAt} for ${state.matchers.map((m) => `${m.name}="${m.value}"`).join(', ')}`)]);
      return { kind: 'silenced', silenceId: id };
    } catch (error) {
      if (!(error instanceof AlertmanagerCallError) || error.kind !== 'permanent') throw error;
      await this.log([this.record(action, 'failed', 'alert_silence_failed', `Alertmanager refused the silence${error.status ? ` (HTTP ${error.status})` : ''}: ${error.message}`)]);
      return { kind: 'refused', reason: error.message };
    }
  }

  /**
   * Records the silence (or its end) on the state and the incident. A concurrent alert update may
   * win the compare-and-swap: read again and put it on the newer state, so the silence made in
   * Alertmanager is never forgotten (a retry of the whole job would create a second one).
   */
  private async putSilence(first: AlertIncidentState, silence: AlertIncidentState['silence']): Promise<void> {
    let state: AlertIncidentState | undefined = first;
    for (let attempt = 1; state; attempt++) {
      const next = withSilence(state, silence, this.deps.clock.nowMs());
      await this.deps.events.publishAll([next.event]);
      try {
        await this.deps.states.save(next.state, state.version);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= 5) throw error;
      }
      state = await this.deps.states.get(first.incidentId);
    }
  }

  private record(action: IncidentActionMessage, result: OperationRecord['result'], reasonCode: OperationRecord['reasonCode'], reason: string): OperationRecord {
    return { atMs: this.deps.clock.nowMs(), result, reasonCode, reason: reason.slice(0, 1000), incidentId: action.incidentId, channel: 'alertmanager', recipient: action.actor.email };
  }

  private async log(records: OperationRecord[]): Promise<void> {
    await this.deps.operationLog.append(records).catch(() => undefined);
  }
}
