/**
 * Ports of the alert sources (issue 18): the sources and their secrets, the per-incident alert
 * state (the version stream dutybridge owns for these incidents), the queues between the webhook
 * (answers within Alertmanager's timeout) and the workers, and the Alertmanager silences API.
 */
import type { AlertSource } from '../domain/alert-sources';
import type { AlertGroup } from '../domain/alert-payloads';
import type { AlertIncidentState, SilenceMatcher } from '../domain/alert-incidents';
import type { IncidentEvent } from '../domain/incident-events';
import type { IncidentActionMessage } from '../domain/incident-action';

export interface AlertSourceRepository {
  get(id: string): Promise<AlertSource | undefined>;
  list(): Promise<AlertSource[]>;
  put(source: AlertSource): Promise<void>;
  delete(id: string): Promise<boolean>;
}

/** A source's credentials (Secrets Manager `sources/<id>`): the bearer token or the HMAC secret. */
export interface AlertSourceSecrets {
  readonly token?: string;
  readonly hmacSecret?: string;
  /** Bearer token dutybridge sends to the source's Alertmanager API, when it asks for one. */
  readonly alertmanagerToken?: string;
}

export interface AlertSourceSecretsReader {
  read(source: AlertSource): Promise<AlertSourceSecrets>;
}

export interface AlertStateStore {
  get(incidentId: string): Promise<AlertIncidentState | undefined>;
  /** Compare-and-swap on `version`: `expectedVersion` 0 creates; throws ConcurrentUpdateError when another writer won. */
  save(state: AlertIncidentState, expectedVersion: number): Promise<void>;
}

/** One message of the alert-ingest queue: whole alert groups of one webhook, for one source. */
export interface AlertIngestJob {
  readonly kind: 'alert.groups';
  readonly sourceId: string;
  readonly receivedAt: number;
  readonly groups: readonly AlertGroup[];
}

export interface AlertIngestJobs {
  /** Queues every job (batched); resolves once all are on the queue. */
  requestAll(jobs: readonly AlertIngestJob[]): Promise<void>;
}

/** Puts incident events on the incident-events queue, as any incident system would. */
export interface IncidentEventPublisher {
  publishAll(events: readonly IncidentEvent[]): Promise<void>;
}

/** A card action on an alert incident, for the silence worker (the alert-silences queue). */
export interface AlertSilenceJobs {
  request(action: IncidentActionMessage): Promise<void>;
}

export class AlertmanagerCallError extends Error {
  constructor(
    readonly kind: 'retry' | 'permanent',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AlertmanagerCallError';
  }
}

/** Alertmanager API v2, as far as silences go. */
export interface Silences {
  create(input: { readonly matchers: readonly SilenceMatcher[]; readonly startsAt: string; readonly endsAt: string; readonly createdBy: string; readonly comment: string }): Promise<string>;
  expire(id: string): Promise<'expired' | 'gone'>;
}

export interface SilencesFactory {
  forSource(source: AlertSource): Promise<Silences | undefined>;
}
