/**
 * Composition of the dispatch worker (outgoing-im queue): DingTalk clients per integration, the
 * distributed QPS limiter, the monthly quota meter, the idempotency ledger and the digest buffer,
 * with the limits taken from each integration's settings (edition preset or explicit numbers).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoAccessTokenStore } from './adapters/aws/access-token-store';
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from './adapters/aws/clients';
import { DynamoDigestBuffer, DynamoDispatchLedger } from './adapters/aws/dispatch-ledger';
import { DynamoQpsLimiter, type QpsLimiterOptions } from './adapters/aws/qps-limiter';
import { DynamoQuotaMeter } from './adapters/aws/quota-meter';
import { SqsOutgoingCalls } from './adapters/aws/queues';
import { CachedIntegrationRepository, DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { SecretsManagerIntegrationSecrets } from './adapters/aws/secrets';
import { DingTalkClients } from './adapters/dingtalk/messengers';
import { DispatchUseCase, type DispatchTarget } from './application/dispatch';
import type { Clock } from './application/ports';
import { TokenProvider } from './application/token-provider';
import { dingTalkLimits } from './domain/rate-limit';
import type { DingTalkIntegration } from './domain/integration';
import { PoisonMessageError } from './domain/errors';
import { config, deadLetterSink, operationLog } from './composition';
import { QUOTA_EXHAUSTED_METRIC, quotaThresholdMetric, webhookQuotaThresholdMetric } from './config/alarms';
import { webhookQuotaKey } from './application/dispatch-ports';
import { createRobotWebhookDispatch, flushGroupBotDigests } from './bot-composition';
import { webhookMonthlyQuota } from './domain/group-bot';
import { outgoingImQueue } from './config/resources';
import { logger, metrics } from './runtime/observability';

let useCase: DispatchUseCase | undefined;

export function dispatchUseCase(): DispatchUseCase {
  useCase ??= createDispatchUseCase();
  return useCase;
}

/**
 * A dispatch use case over the deployment's adapters. `clock` and `sleep` drive the QPS limiter's
 * slots and the use case's waits (the system clock unless a test or bench runs on a scaled clock,
 * shared with the simulator's); `limiter` overrides the limiter's horizon and boundary guard.
 */
export function createDispatchUseCase(options: { clock?: Clock; sleep?: (ms: number) => Promise<void>; limiter?: Pick<QpsLimiterOptions, 'maxWaitMs' | 'boundaryGuardMs'> } = {}): DispatchUseCase {
  const client = getDocumentClient();
  const table = config().stateTableName;
  const integrations = new CachedIntegrationRepository(new DynamoIntegrationRepository(client, table));
  const clients = new DingTalkClients(new SecretsManagerIntegrationSecrets(getSecretsManagerClient()), new TokenProvider({ store: new DynamoAccessTokenStore(client, table) }));
  // Limits learned from each integration's settings as its calls come through.
  const qpsOfApp = new Map<string, number>();
  const quotaOfOrg = new Map<string, number>();
  const deadLetters = deadLetterSink(outgoingImQueue);

  const targetFor = async (integrationId: string): Promise<DispatchTarget> => {
    const integration = await integrations.get(integrationId);
    if (integration?.platform !== 'dingtalk') throw new PoisonMessageError(`no DingTalk integration ${integrationId}`);
    const settings = (integration as DingTalkIntegration).settings;
    const limits = dingTalkLimits({
      edition: settings.edition,
      developmentAddOns: settings.developmentAddOns,
      qpsPerAppAndApi: settings.qpsPerAppAndApi,
      monthlyMeteredCalls: settings.monthlyMeteredCalls,
    });
    const orgKey = settings.corpId ?? settings.clientId;
    qpsOfApp.set(settings.clientId, limits.qpsPerAppAndApi);
    quotaOfOrg.set(orgKey, limits.monthlyMeteredCalls);
    // Custom robots (group bots) spend the separate Webhook & Stream quota (dingtalk.md §5.1).
    quotaOfOrg.set(webhookQuotaKey(orgKey), webhookMonthlyQuota(settings));
    return { client: await clients.forIntegration(integration as DingTalkIntegration), appKey: settings.clientId, orgKey };
  };

  return new DispatchUseCase({
    targetFor,
    // Every finished call and every retry, per recipient, in the operation log.
    operationLog: operationLog(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    limiter: new DynamoQpsLimiter(client, table, { limit: (app) => qpsOfApp.get(app) ?? dingTalkLimits().qpsPerAppAndApi, ...options.limiter, ...(options.clock ? { clock: options.clock } : {}), ...(options.sleep ? { sleep: options.sleep } : {}) }),
    quota: new DynamoQuotaMeter(client, table, { quotaOf: (org) => quotaOfOrg.get(org) ?? (org.startsWith(webhookQuotaKey('')) ? webhookMonthlyQuota() : dingTalkLimits().monthlyMeteredCalls) }),
    robots: createRobotWebhookDispatch(options.clock ? { clock: options.clock } : {}),
    ledger: new DynamoDispatchLedger(client, table),
    digests: new DynamoDigestBuffer(client, table),
    // Follow-ups to flow-controlled recipients go back on the queue this worker reads.
    outgoing: new SqsOutgoingCalls(getSqsClient(), config().queueUrls[outgoingImQueue.id]),
    parked: {
      async park(call, reason, cause) {
        logger.error('DingTalk call parked, not retried', { integrationId: call.integrationId, kind: call.kind, cause, reason });
        metrics.addMetric(cause === 'quota' ? QUOTA_EXHAUSTED_METRIC : 'DingTalkCallRejected', MetricUnit.Count, 1);
        await deadLetters.deadLetter(JSON.stringify(call), `${cause}: ${reason}`);
      },
    },
    alerts: {
      thresholdCrossed(orgKey, threshold, usage) {
        // The stateful stack alarms on these metrics (shared/config/alarms.ts) through the alarm topic.
        const webhook = orgKey.startsWith(webhookQuotaKey(''));
        logger.warn(webhook ? 'DingTalk monthly Webhook & Stream quota threshold crossed' : 'DingTalk monthly quota threshold crossed', { orgKey, threshold, ...usage });
        metrics.addMetric(webhook ? webhookQuotaThresholdMetric(threshold) : quotaThresholdMetric(threshold), MetricUnit.Count, 1);
      },
    },
    onThrottled: (call) => {
      metrics.addMetric('DingTalkThrottled', MetricUnit.Count, 1);
      logger.warn('DingTalk throttled the call; waiting before the retry', { kind: call.kind });
    },
  });
}

/** Flushes due digests of every DingTalk integration (the scheduled flush-digests function). */
export async function flushAllDigests(): Promise<{ integrations: number; digestsSent: number; botDigestsSent: number }> {
  const all = await new DynamoIntegrationRepository(getDocumentClient(), config().stateTableName).list();
  let digestsSent = 0;
  let integrationsSeen = 0;
  for (const integration of all) {
    if (integration.platform !== 'dingtalk') continue;
    integrationsSeen += 1;
    const { sent } = await dispatchUseCase().flushDigests(integration.id);
    digestsSent += sent;
  }
  if (digestsSent > 0) metrics.addMetric('DingTalkDigestsSent', MetricUnit.Count, digestsSent);
  // Group bots' held-back alerts (their 20 messages a minute, a throttle, the webhook quota): every platform.
  const bots = await flushGroupBotDigests(all, operationLog());
  if (bots.digests > 0) metrics.addMetric('GroupBotDigestsSent', MetricUnit.Count, bots.digests);
  return { integrations: integrationsSeen, digestsSent, botDigestsSent: bots.digests };
}
