/**
 * Composition root: builds adapters once per process, on first use (configuration is read then),
 * and hands them to the use cases. Handlers import only from here.
 */
import { DynamoAccessTokenStore } from './adapters/aws/access-token-store';
import { SqsActionPublisher } from './adapters/aws/action-publisher';
import { SqsAlertSilenceJobs } from './adapters/aws/alert-queues';
import { AlertAwareActionPublisher } from './application/alert-action-fanout';
import { SqsCardRefreshQueue } from './adapters/aws/card-refresh-queue';
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from './adapters/aws/clients';
import { DynamoDedupeStore } from './adapters/aws/dedupe-store';
import { DynamoGroupChatRegistry } from './adapters/aws/group-registry';
import { DynamoIncidentCardIndex } from './adapters/aws/incident-card-index';
import { DynamoIncidentRepository } from './adapters/aws/incident-repository';
import { CachedIntegrationRepository, DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { DynamoLinkStore } from './adapters/aws/link-store';
import { DynamoMemberDirectory } from './adapters/aws/member-directory';
import { DynamoMobileLookupCache } from './adapters/aws/mobile-lookup-cache';
import { DynamoOperationLog } from './adapters/aws/operation-log';
import { DynamoRateLimitCounters } from './adapters/aws/rate-limit-counters';
import { SqsDeadLetterSink, SqsDelayedRequeue, SqsInboundCallbackQueue, SqsOutgoingCalls, SqsRetryVisibility } from './adapters/aws/queues';
import { DynamoDingTalkCardStore } from './adapters/aws/dingtalk-card-store';
import { SecretsManagerIntegrationSecrets } from './adapters/aws/secrets';
import { DynamoWeComCardStore } from './adapters/aws/wecom-card-store';
import { WeComClientMessengers } from './adapters/wecom/messengers';
import { DingTalkClients } from './adapters/dingtalk/messengers';
import { DEFAULT_CARD_CALLBACK_MAX_SKEW_MS, DingTalkCardCallbackUseCase } from './application/dingtalk-cards';
import { DEFAULT_CLICKS_PER_INCIDENT_PER_MINUTE, DEFAULT_CLICKS_PER_USER_PER_MINUTE, DingTalkCardFlow } from './application/dingtalk-card-flow';
import { DingTalkEventUseCase } from './application/dingtalk-events';
import { IncidentClicks } from './application/incident-clicks';
import { NotifyUseCase, RefreshCardsUseCase } from './application/notify';
import { OperationRecorder } from './application/operation-records';
import { NotificationTemplates, TEMPLATE_RENDER_ERRORS_METRIC } from './application/notification-templates';
import { DynamoTemplateStore } from './adapters/aws/template-store';
import { ProcessInboundUseCase } from './application/process-inbound';
import { systemClock } from './application/ports';
import { TokenProvider } from './application/token-provider';
import { WeComCallbackUseCase } from './application/wecom-callback';
import { weComCallbackXml } from './adapters/wecom/callback-xml';
import { WeComCardsUseCase } from './application/wecom-cards';
import { DynamoSuiteStore } from './adapters/aws/suite-store';
import { SecretsManagerSuiteSecrets } from './adapters/aws/suite-secrets';
import { weComSuiteApiFactory } from './adapters/wecom/suite-client';
import { SuiteTokens } from './application/suite-tokens';
import { readPublicApiUrl, readRuntimeConfig, type RuntimeConfig } from './config/runtime-config';
import { LinkPrompts } from './application/link-prompt';
import { PendingActions } from './application/pending-actions';
import { DynamoTokenClaims } from './adapters/aws/token-claims';
import { alertSilencesQueue, cardRefreshQueue, inboundCallbacksQueue, incidentActionsQueue, incidentEventsQueue, outgoingImQueue, warRoomQueue, type QueueDefinition } from './config/resources';
import { SqsWarRoomJobs } from './adapters/aws/war-room-jobs';
import { DynamoWarRoomStore } from './adapters/aws/war-room-store';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from './runtime/observability';
import { createGroupBotAlerts } from './bot-composition';
import { countingDrops } from './runtime/drop-metric';

export function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

export const config = /* @__PURE__ */ once((): RuntimeConfig => readRuntimeConfig());
const table = () => config().stateTableName;

export const integrations = /* @__PURE__ */ once(() => new CachedIntegrationRepository(new DynamoIntegrationRepository(getDocumentClient(), table())));
export const secrets = /* @__PURE__ */ once(() => new SecretsManagerIntegrationSecrets(getSecretsManagerClient()));
export const dedupe = /* @__PURE__ */ once(() => new DynamoDedupeStore(getDocumentClient(), table()));
export const inbound = /* @__PURE__ */ once(() => new SqsInboundCallbackQueue(getSqsClient(), config().queueUrls[inboundCallbacksQueue.id]));
export const incidents = /* @__PURE__ */ once(() => new DynamoIncidentRepository(getDocumentClient(), table()));
const weComCardStore = /* @__PURE__ */ once(() => new DynamoWeComCardStore(getDocumentClient(), table()));
/** Seconds a refresh waits so that a burst of changes spends one update code (coalescing). */
const refreshDelaySeconds = () => Number(process.env.CARD_REFRESH_DELAY_SECONDS ?? 3);
const refreshQueue = /* @__PURE__ */ once(() => new SqsCardRefreshQueue(getSqsClient(), config().queueUrls[cardRefreshQueue.id], refreshDelaySeconds()));
export const tokens = /* @__PURE__ */ once(() => new TokenProvider({ store: new DynamoAccessTokenStore(getDocumentClient(), table()) }));
/** WeCom suites (issue 16): their state, secrets and the suite / provider / corp tokens. */
export const suiteStore = /* @__PURE__ */ once(() => new DynamoSuiteStore(getDocumentClient(), table()));
export const suiteSecrets = /* @__PURE__ */ once(() => new SecretsManagerSuiteSecrets(getSecretsManagerClient(), config().secretNamePrefix));
export const suiteTokens = /* @__PURE__ */ once(
  () => new SuiteTokens({ suites: suiteStore(), secrets: suiteSecrets(), api: weComSuiteApiFactory, tokens: tokens(), clock: systemClock }),
);

let recorder: OperationRecorder | undefined;
/**
 * The operation log (state table, 30 days): delivery records appended by the use cases, and the
 * drops handed to `record` (shared/application/operation-records.ts). A failed write is logged,
 * never fails a delivery.
 */
export const operationLog = (): OperationRecorder =>
  (recorder ??= new OperationRecorder(
    new DynamoOperationLog(getDocumentClient(), table()),
    (outcome, details) => logger.info(outcome, details),
    () => systemClock.nowMs(),
    (error, records) => logger.warn('operation log write failed', { error, records: records.length }),
  ));
/** Waits for the operation-log writes started by this invocation (handlers call it before returning). */
export async function settleOperationLog(): Promise<void> {
  await recorder?.settle();
}
/** Outcomes to the log and the operation log; drops (shared/application/drops.ts) are also counted (DeliveriesDropped). */
export const record = countingDrops((outcome: string, details: Record<string, unknown>): void => operationLog().record(outcome, details));
/** A positive number from the environment, or the default. */
const positiveEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
};

export const incidentClicks = /* @__PURE__ */ once(
  () =>
    new IncidentClicks({
      incidents: incidents(),
      // Snooze / Close on alert incidents also reach the silence worker (issue 18).
      actions: new AlertAwareActionPublisher(
        new SqsActionPublisher(getSqsClient(), config().queueUrls[incidentActionsQueue.id]),
        new SqsAlertSilenceJobs(getSqsClient(), config().queueUrls[alertSilencesQueue.id]),
      ),
      refresh: refreshQueue(),
      members: members(),
      clock: systemClock,
      record,
    }),
);

export const links = /* @__PURE__ */ once(() => new DynamoLinkStore(getDocumentClient(), table()));
/** The link prompt of an unlinked click; none without PUBLIC_API_URL (then the old help text). */
export const linkPrompts = (): LinkPrompts | undefined => {
  const publicApiUrl = readPublicApiUrl();
  return publicApiUrl === undefined ? undefined : new LinkPrompts({ secrets: secrets(), publicApiUrl, clock: systemClock });
};
/** Applies the pending action of a click once its clicker has linked (the linking pages call it). */
export const pendingActions = /* @__PURE__ */ once(
  () => new PendingActions({ secrets: secrets(), claims: new DynamoTokenClaims(getDocumentClient(), table()), clicks: incidentClicks(), incidents: incidents(), clock: systemClock, record }),
);
export const members = /* @__PURE__ */ once(() => new DynamoMemberDirectory(getDocumentClient(), table()));
const groups = /* @__PURE__ */ once(() => new DynamoGroupChatRegistry(getDocumentClient(), table()));

export const dingTalkCards = /* @__PURE__ */ once(
  () =>
    new DingTalkCardFlow({
      incidents: incidents(),
      links: links(),
      members: members(),
      groups: groups(),
      cards: new DynamoDingTalkCardStore(getDocumentClient(), table()),
      outgoing: new SqsOutgoingCalls(getSqsClient(), config().queueUrls[outgoingImQueue.id]),
      clicks: incidentClicks(),
      linkPrompts: ((prompts) => prompts && { integrations: integrations(), prompts })(linkPrompts()),
      // getbymobile (free) for @mentioning unlinked responders on group cards, answers cached.
      userLookups: new DingTalkClients(secrets(), tokens()),
      mobileLookups: new DynamoMobileLookupCache(getDocumentClient(), table()),
      clock: systemClock,
      record,
      templates: notificationTemplates(),
      // "Open War Room" clicks (dingtalk-cards) queue their request; the other paths only render the button.
      warRoom: { jobs: warRoomJobs(), integrations: integrations() },
      clickLimits: {
        counters: new DynamoRateLimitCounters(getDocumentClient(), table()),
        perUserPerMinute: positiveEnv('CARD_CLICKS_PER_USER_PER_MINUTE', DEFAULT_CLICKS_PER_USER_PER_MINUTE),
        perIncidentPerMinute: positiveEnv('CARD_CLICKS_PER_INCIDENT_PER_MINUTE', DEFAULT_CLICKS_PER_INCIDENT_PER_MINUTE),
      },
    }),
);

/** Integration templates (issue 13), each cached 30 s per instance; a send-time failure counts TemplateRenderErrors. */
const notificationTemplates = /* @__PURE__ */ once(
  () =>
    new NotificationTemplates({
      store: new DynamoTemplateStore(getDocumentClient(), table()),
      clock: systemClock,
      operationLog: operationLog(),
      countError: () => metrics.addMetric(TEMPLATE_RENDER_ERRORS_METRIC, MetricUnit.Count, 1),
      // TEMPLATE_CACHE_MS=0 in tests reads every send's template afresh.
      ...(process.env.TEMPLATE_CACHE_MS !== undefined ? { cacheMs: Number(process.env.TEMPLATE_CACHE_MS) } : {}),
    }),
);

const weComCards = /* @__PURE__ */ once(
  () =>
    new WeComCardsUseCase({
      incidents: incidents(),
      links: links(),
      cards: weComCardStore(),
      messengers: new WeComClientMessengers(secrets(), tokens(), suiteTokens()),
      clicks: incidentClicks(),
      clock: systemClock,
      record,
      operationLog: operationLog(),
      linkPrompts: linkPrompts(),
      // Only clicks (process-inbound) count link prompts; the other paths never call it.
      promptCounters: new DynamoRateLimitCounters(getDocumentClient(), table()),
      templates: notificationTemplates(),
      // "Open War Room" clicks (process-inbound) queue their request; the other paths only render the button.
      warRoomJobs: warRoomJobs(),
    }),
);

export const weComCallbackUseCase = /* @__PURE__ */ once(
  () => new WeComCallbackUseCase({ integrations: integrations(), secrets: secrets(), dedupe: dedupe(), inbound: inbound(), xml: weComCallbackXml, clock: systemClock, record }),
);

export const dingTalkEventUseCase = /* @__PURE__ */ once(
  () => new DingTalkEventUseCase({ integrations: integrations(), secrets: secrets(), dedupe: dedupe(), inbound: inbound(), clock: systemClock }),
);

export const dingTalkCardCallbackUseCase = /* @__PURE__ */ once(
  () =>
    new DingTalkCardCallbackUseCase({
      integrations: integrations(),
      secrets: secrets(),
      dedupe: dedupe(),
      clicks: dingTalkCards(),
      clock: systemClock,
      maxSkewMs: positiveEnv('DINGTALK_CARD_CALLBACK_WINDOW_SECONDS', DEFAULT_CARD_CALLBACK_MAX_SKEW_MS / 1000) * 1000,
    }),
);

export const processInboundUseCase = /* @__PURE__ */ once(
  () =>
    new ProcessInboundUseCase({
      groups: groups(),
      integrations: integrations(),
      weComCards: weComCards(),
      record,
    }),
);

export const notifyUseCase = /* @__PURE__ */ once(
  () =>
    new NotifyUseCase({
      incidents: incidents(),
      integrations: integrations(),
      members: members(),
      weComCards: weComCards(),
      dingTalkCards: dingTalkCards(),
      clicks: incidentClicks(),
      refresh: refreshQueue(),
      clock: systemClock,
      record,
      groupBots: createGroupBotAlerts(operationLog()),
      warRooms: { jobs: warRoomJobs(), rooms: warRoomStore() },
    }),
);

/** The war-room queue (issue 14): notify and the card clicks ask the war-room worker for rooms. */
const warRoomJobs = /* @__PURE__ */ once(() => new SqsWarRoomJobs(getSqsClient(), config().queueUrls[warRoomQueue.id]));

/** War Room records (issue 14): notify reads them to know whether an incident has rooms to keep in step. */
export const warRoomStore = /* @__PURE__ */ once(() => new DynamoWarRoomStore(getDocumentClient(), table()));

export const refreshCardsUseCase = /* @__PURE__ */ once(
  () =>
    new RefreshCardsUseCase({
      incidents: incidents(),
      integrations: integrations(),
      weComCards: weComCards(),
      dingTalkCards: dingTalkCards(),
      clicks: incidentClicks(),
      cards: new DynamoIncidentCardIndex(getDocumentClient(), table()),
      refresh: refreshQueue(),
      clock: systemClock,
    }),
);

export function deadLetterSink(queue: QueueDefinition): SqsDeadLetterSink {
  return new SqsDeadLetterSink(getSqsClient(), config().deadLetterQueueUrls[queue.id], queue.fifo);
}

export function retryVisibility(queue: QueueDefinition): SqsRetryVisibility {
  return new SqsRetryVisibility(getSqsClient(), config().queueUrls[queue.id]);
}

/** Parks waiting records of a standard queue as delayed copies on it (shared/runtime/queue.ts). */
export function delayedRequeue(queue: QueueDefinition): SqsDelayedRequeue {
  return new SqsDelayedRequeue(getSqsClient(), config().queueUrls[queue.id]);
}

export { cardRefreshQueue, incidentEventsQueue, inboundCallbacksQueue, warRoomQueue };
