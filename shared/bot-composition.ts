/**
 * Composition of the group bots (shared/application/group-bots.ts): the bot registry, secrets,
 * per-robot counters and digests, the mention sources and the robot clients. Used by notify (posts),
 * flush-digests (held-back alerts) and dispatch (DingTalk custom-robot sends).
 */
import { CachedBotRegistry, DynamoBotRegistry } from './adapters/aws/bot-registry';
import { DynamoBotDigestBuffer } from './adapters/aws/bot-digests';
import { SecretsManagerBotSecrets } from './adapters/aws/bot-secrets';
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from './adapters/aws/clients';
import { DynamoDispatchLedger } from './adapters/aws/dispatch-ledger';
import { DynamoLinkStore } from './adapters/aws/link-store';
import { DynamoMappingTables } from './adapters/aws/mapping-tables';
import { DynamoMemberDirectory } from './adapters/aws/member-directory';
import { SqsOutgoingCalls } from './adapters/aws/queues';
import { DynamoRateLimitCounters } from './adapters/aws/rate-limit-counters';
import { DingTalkApiError } from './adapters/dingtalk/errors';
import { postDingTalkRobot } from './adapters/dingtalk/robot';
import { WeComRobotClient } from './adapters/wecom/robot';
import type { RobotWebhookDispatch } from './application/dispatch-ports';
import { GroupBotAlerts, robotWebhookDispatch } from './application/group-bots';
import { systemClock, type Clock, type OperationLog } from './application/ports';
import type { Integration } from './domain/integration';
import { readRuntimeConfig } from './config/runtime-config';
import { outgoingImQueue } from './config/resources';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoTemplateStore } from './adapters/aws/template-store';
import { NotificationTemplates, TEMPLATE_RENDER_ERRORS_METRIC } from './application/notification-templates';
import { metrics } from './runtime/observability';

let table: string | undefined;
const stateTable = () => (table ??= readRuntimeConfig().stateTableName);
let registry: CachedBotRegistry | undefined;
const bots = () => (registry ??= new CachedBotRegistry(new DynamoBotRegistry(getDocumentClient(), stateTable())));
let secretsReader: SecretsManagerBotSecrets | undefined;
const botSecrets = () => (secretsReader ??= new SecretsManagerBotSecrets(getSecretsManagerClient()));

/** The group-bot use case over the deployment's adapters (`clock`: the system clock unless a test shares the simulator's). */
export function createGroupBotAlerts(operationLog: Pick<OperationLog, 'append'>, options: { clock?: Clock } = {}): GroupBotAlerts {
  const client = getDocumentClient();
  const clock = options.clock ?? systemClock;
  return new GroupBotAlerts({
    bots: bots(),
    secrets: botSecrets(),
    weCom: new WeComRobotClient(),
    outgoing: new SqsOutgoingCalls(getSqsClient(), readRuntimeConfig().queueUrls[outgoingImQueue.id]),
    counters: new DynamoRateLimitCounters(client, stateTable(), () => clock.nowMs()),
    ledger: new DynamoDispatchLedger(client, stateTable()),
    digests: new DynamoBotDigestBuffer(client, stateTable()),
    members: new DynamoMemberDirectory(client, stateTable()),
    mappings: new DynamoMappingTables(client, stateTable()),
    links: new DynamoLinkStore(client, stateTable()),
    operationLog,
    clock,
    // The integration's bot templates (issue 13), cached 30 s; a send-time failure counts TemplateRenderErrors.
    templates: new NotificationTemplates({
      store: new DynamoTemplateStore(client, stateTable()),
      clock,
      operationLog,
      countError: () => metrics.addMetric(TEMPLATE_RENDER_ERRORS_METRIC, MetricUnit.Count, 1),
      ...(process.env.TEMPLATE_CACHE_MS !== undefined ? { cacheMs: Number(process.env.TEMPLATE_CACHE_MS) } : {}),
    }),
  });
}

/** DingTalk custom-robot sends for the dispatch worker (signed per request, on `clock`). */
export function createRobotWebhookDispatch(options: { clock?: Clock } = {}): RobotWebhookDispatch {
  const clock = options.clock ?? systemClock;
  return robotWebhookDispatch({
    bots: bots(),
    secrets: botSecrets(),
    digests: new DynamoBotDigestBuffer(getDocumentClient(), stateTable()),
    post: (secrets, body) => postDingTalkRobot(secrets, body, { nowMs: () => clock.nowMs() }),
    missing: (integrationId, bot) =>
      new DingTalkApiError('permanent', `no group bot ${bot} in ${integrationId} any more (removed with \`dutybridge bots remove\`); not sent`, { endpoint: 'oapi:/robot/send', answered: true }),
  });
}

/** Sends every bot's due digest, for each integration (the flush-digests timer, every minute). */
export async function flushGroupBotDigests(integrations: readonly Integration[], operationLog: Pick<OperationLog, 'append'>, options: { clock?: Clock } = {}): Promise<{ digests: number; lines: number }> {
  const useCase = createGroupBotAlerts(operationLog, options);
  let digests = 0;
  let lines = 0;
  for (const integration of integrations) {
    const flushed = await useCase.flush(integration);
    digests += flushed.digests;
    lines += flushed.lines;
  }
  return { digests, lines };
}
