/**
 * Composition root: builds adapters once per process, on first use (configuration is read then),
 * and hands them to the use cases. Handlers import only from here.
 */
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from './adapters/aws/clients';
import { DynamoDedupeStore } from './adapters/aws/dedupe-store';
import { DynamoGroupChatRegistry } from './adapters/aws/group-registry';
import { CachedIntegrationRepository, DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { SqsDeadLetterSink, SqsInboundCallbackQueue } from './adapters/aws/queues';
import { SecretsManagerIntegrationSecrets } from './adapters/aws/secrets';
import { DingTalkCardCallbackUseCase, unchangedCardClickPort } from './application/dingtalk-cards';
import { DingTalkEventUseCase } from './application/dingtalk-events';
import { ProcessInboundUseCase } from './application/process-inbound';
import { systemClock } from './application/ports';
import { WeComCallbackUseCase } from './application/wecom-callback';
import { readRuntimeConfig, type RuntimeConfig } from './config/runtime-config';
import { inboundCallbacksQueue, incidentEventsQueue, type QueueDefinition } from './config/resources';
import { logger } from './runtime/observability';

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

export const config = once((): RuntimeConfig => readRuntimeConfig());

const integrations = once(
  () => new CachedIntegrationRepository(new DynamoIntegrationRepository(getDocumentClient(), config().stateTableName)),
);
const secrets = once(() => new SecretsManagerIntegrationSecrets(getSecretsManagerClient()));
const dedupe = once(() => new DynamoDedupeStore(getDocumentClient(), config().stateTableName));
const inbound = once(() => new SqsInboundCallbackQueue(getSqsClient(), config().queueUrls[inboundCallbacksQueue.id]));

const record = (outcome: string, details: Record<string, unknown>): void => logger.info(outcome, details);

export const weComCallbackUseCase = once(
  () => new WeComCallbackUseCase({ integrations: integrations(), secrets: secrets(), dedupe: dedupe(), inbound: inbound(), clock: systemClock, record }),
);

export const dingTalkEventUseCase = once(
  () => new DingTalkEventUseCase({ integrations: integrations(), secrets: secrets(), dedupe: dedupe(), inbound: inbound(), clock: systemClock }),
);

export const dingTalkCardCallbackUseCase = once(
  () =>
    new DingTalkCardCallbackUseCase({
      integrations: integrations(),
      secrets: secrets(),
      dedupe: dedupe(),
      clicks: unchangedCardClickPort,
      clock: systemClock,
    }),
);

export const processInboundUseCase = once(
  () => new ProcessInboundUseCase({ groups: new DynamoGroupChatRegistry(getDocumentClient(), config().stateTableName), record }),
);

export function deadLetterSink(queue: QueueDefinition): SqsDeadLetterSink {
  return new SqsDeadLetterSink(getSqsClient(), config().deadLetterQueueUrls[queue.id], queue.fifo);
}

export { incidentEventsQueue, inboundCallbacksQueue };
