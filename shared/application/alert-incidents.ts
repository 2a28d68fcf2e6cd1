/**
 * The alert-incidents worker (issue 18): whole alert groups from the webhook become incident
 * events on the incident-events queue, where notify turns them into cards like any other.
 *
 * dutybridge owns the version stream of these incidents: the alert state (`ALERTSTATE#<incident>`)
 * keeps the last version and a digest of what was sent, so Alertmanager's resend of an unchanged
 * group (every `repeat_interval`) changes nothing, a changed group is `incident.updated` with the
 * next version, all resolved is `incident.resolved`, firing again `incident.reopened`.
 *
 * The event is published before the state is saved: a crash in between publishes the same version
 * again, which notify ignores (stale or equal versions change nothing), while the reverse order
 * could lose the event. Two workers on the same group at once: compare-and-swap, the loser reads
 * the winner's state and decides again.
 */
import { nextAlertEvent } from '../domain/alert-incidents';
import type { AlertGroup } from '../domain/alert-payloads';
import type { AlertSource } from '../domain/alert-sources';
import type { OperationRecord } from '../domain/operation-log';
import type { AlertIngestJob, AlertSourceRepository, AlertStateStore, IncidentEventPublisher } from './alert-ports';
import { ConcurrentUpdateError, type Clock, type OperationLog } from './ports';

export interface AlertIncidentsDeps {
  readonly sources: AlertSourceRepository;
  readonly states: AlertStateStore;
  readonly events: IncidentEventPublisher;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly clock: Clock;
}

export interface AlertIncidentsOutcome {
  readonly published: number;
  readonly unchanged: number;
  readonly unrouted: number;
  readonly ignored: number;
}

const MAX_CAS_ATTEMPTS = 5;
const GROUP_CONCURRENCY = 8;

export class AlertIncidentsUseCase {
  constructor(private readonly deps: AlertIncidentsDeps) {}

  async process(job: AlertIngestJob): Promise<AlertIncidentsOutcome> {
    const outcome = { published: 0, unchanged: 0, unrouted: 0, ignored: 0 };
    const source = await this.deps.sources.get(job.sourceId);
    // A source removed after its webhook was queued: its alerts have nowhere to go.
    if (!source) return { ...outcome, ignored: job.groups.length };
    const records: OperationRecord[] = [];
    // Groups are independent (one incident each): a few at a time, so a 1,000-alert storm in
    // fingerprint mode is not 1,000 sequential round trips.
    let next = 0;
    const worker = async () => {
      while (next < job.groups.length) {
        const group = job.groups[next++]!;
        const result = await this.processGroup(source, group);
        outcome[result]++;
        if (result === 'unrouted') {
          records.push({
            atMs: this.deps.clock.nowMs(),
            result: 'dropped',
            reasonCode: 'alert_unrouted',
            reason: `alert group of source ${source.id} matched no route (labels ${JSON.stringify(group.commonLabels).slice(0, 300)}): add a route with \`dutybridge sources set-routes\``,
            incidentId: group.incidentId,
            channel: 'alert',
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(GROUP_CONCURRENCY, job.groups.length) }, worker));
    if (records.length) await this.deps.operationLog.append(records).catch(() => undefined);
    return outcome;
  }

  /** One group: the next event if any, published, then the state saved (compare-and-swap, retried). */
  private async processGroup(source: AlertSource, group: AlertGroup): Promise<'published' | 'unchanged' | 'unrouted' | 'ignored'> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.deps.states.get(group.incidentId);
      const next = nextAlertEvent(state, group, source, this.deps.clock.nowMs());
      if ('skip' in next) return next.skip === 'unchanged' ? 'unchanged' : next.skip === 'unrouted' ? 'unrouted' : 'ignored';
      await this.deps.events.publishAll([next.event]);
      try {
        await this.deps.states.save(next.state, state?.version ?? 0);
        return 'published';
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_CAS_ATTEMPTS) throw error;
      }
    }
  }
}
