/**
 * Composition of the alert sources (issue 18): the ingest webhook, the alert-incidents worker and
 * the alert-silences worker. Nothing else wires them.
 */
import { AlertmanagerSilencesFactory } from './adapters/alertmanager/silences';
import { SqsAlertIngestJobs, SqsIncidentEventPublisher } from './adapters/aws/alert-queues';
import { CachedAlertSourceRepository, DynamoAlertSourceRepository } from './adapters/aws/alert-source-repository';
import { SecretsManagerAlertSourceSecrets } from './adapters/aws/alert-source-secrets';
import { DynamoAlertStateStore } from './adapters/aws/alert-state-store';
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from './adapters/aws/clients';
import { AlertIncidentsUseCase } from './application/alert-incidents';
import { AlertIngestUseCase } from './application/alert-ingest';
import type { AlertSourceRepository } from './application/alert-ports';
import { AlertSilencesUseCase } from './application/alert-silences';
import { systemClock } from './application/ports';
import { config, once, operationLog } from './composition';
import { alertIngestQueue, incidentEventsQueue } from './config/resources';

const sources = /* @__PURE__ */ once((): AlertSourceRepository => {
  const dynamo = new DynamoAlertSourceRepository(getDocumentClient(), config().stateTableName);
  const cached = new CachedAlertSourceRepository(dynamo);
  return { get: (id) => cached.get(id), list: () => dynamo.list(), put: (s) => dynamo.put(s), delete: (id) => dynamo.delete(id) };
});
const sourceSecrets = /* @__PURE__ */ once(() => new SecretsManagerAlertSourceSecrets(getSecretsManagerClient()));
const events = /* @__PURE__ */ once(() => new SqsIncidentEventPublisher(getSqsClient(), config().queueUrls[incidentEventsQueue.id]));
const states = /* @__PURE__ */ once(() => new DynamoAlertStateStore(getDocumentClient(), config().stateTableName));

export const alertIngestUseCase = /* @__PURE__ */ once(
  () =>
    new AlertIngestUseCase({
      sources: sources(),
      secrets: sourceSecrets(),
      jobs: new SqsAlertIngestJobs(getSqsClient(), config().queueUrls[alertIngestQueue.id]),
      events: events(),
      clock: systemClock,
    }),
);

export const alertIncidentsUseCase = /* @__PURE__ */ once(
  () => new AlertIncidentsUseCase({ sources: sources(), states: states(), events: events(), operationLog: operationLog(), clock: systemClock }),
);

export const alertSilencesUseCase = /* @__PURE__ */ once(
  () =>
    new AlertSilencesUseCase({
      sources: sources(),
      states: states(),
      silences: new AlertmanagerSilencesFactory(sourceSecrets()),
      events: events(),
      operationLog: operationLog(),
      clock: systemClock,
    }),
);
