/**
 * The one definition of dutybridge's stateful resources. The CDK stateful stack and the local
 * stack both build their tables and queues from these objects, so key schemas, indexes and queue
 * settings cannot drift between AWS and the laptop.
 */

export interface TableDefinition {
  /** Logical id, also the suffix of the physical name on the local stack. */
  readonly id: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly globalSecondaryIndexes: readonly { indexName: string; partitionKey: string; sortKey: string }[];
  /** Attribute holding an epoch-seconds expiry; DynamoDB TTL deletes expired items lazily. */
  readonly timeToLiveAttribute: string;
  /** Environment variable through which functions learn the physical table name. */
  readonly envKey: string;
}

export interface QueueDefinition {
  readonly id: string;
  /** What the queue carries and who writes to it; printed in the README and stack outputs. */
  readonly description: string;
  readonly fifo: boolean;
  /**
   * Seconds a received message stays invisible; at least six times the consumer's timeout (AWS's
   * advice for Lambda event sources; the CDK stack refuses less).
   */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  /** Messages per Lambda invocation (event source mapping batch size). */
  readonly batchSize: number;
  /**
   * Age in seconds of the oldest waiting message above which the queue alarms: its consumer is
   * failing, throttled or (for incident-actions.fifo, read by your incident system) not reading.
   */
  readonly maxMessageAgeSeconds: number;
  /** Environment variable holding the queue URL. */
  readonly envKey: string;
  /** Environment variable holding the dead-letter queue URL. */
  readonly dlqEnvKey: string;
}

/** Single-table design: every entity is addressed by pk/sk; gsi1 serves listings. */
export const stateTable: TableDefinition = {
  id: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  timeToLiveAttribute: 'expiresAt',
  envKey: 'STATE_TABLE_NAME',
};

export const tables = [stateTable] as const;

export const incidentEventsQueue: QueueDefinition = {
  id: 'incident-events',
  description: 'Incident and member events published by other services (incident.*, member.*)',
  fifo: false,
  visibilityTimeoutSeconds: 300,
  maxReceiveCount: 10,
  retentionDays: 4,
  batchSize: 10,
  maxMessageAgeSeconds: 300,
  envKey: 'INCIDENT_EVENTS_QUEUE_URL',
  dlqEnvKey: 'INCIDENT_EVENTS_DLQ_URL',
};

export const inboundCallbacksQueue: QueueDefinition = {
  id: 'inbound-callbacks',
  description: 'Verified, decrypted, de-duplicated WeCom/DingTalk callbacks waiting to be processed',
  fifo: false,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 10,
  retentionDays: 4,
  batchSize: 10,
  maxMessageAgeSeconds: 300,
  envKey: 'INBOUND_CALLBACKS_QUEUE_URL',
  dlqEnvKey: 'INBOUND_CALLBACKS_DLQ_URL',
};

export const incidentActionsQueue: QueueDefinition = {
  id: 'incident-actions.fifo',
  description:
    'incident.action messages for the incident system (FIFO: grouped by incident, de-duplicated by idempotency key)',
  fifo: true,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 5,
  retentionDays: 14,
  batchSize: 10,
  maxMessageAgeSeconds: 900,
  envKey: 'INCIDENT_ACTIONS_QUEUE_URL',
  dlqEnvKey: 'INCIDENT_ACTIONS_DLQ_URL',
};

export const outgoingImQueue: QueueDefinition = {
  id: 'outgoing-im',
  description: 'Outgoing WeCom/DingTalk API calls, smoothed to the platforms\u2019 QPS and quota',
  fifo: false,
  visibilityTimeoutSeconds: 270,
  maxReceiveCount: 8,
  retentionDays: 4,
  batchSize: 10,
  maxMessageAgeSeconds: 900,
  envKey: 'OUTGOING_IM_QUEUE_URL',
  dlqEnvKey: 'OUTGOING_IM_DLQ_URL',
};

export const cardRefreshQueue: QueueDefinition = {
  id: 'card-refresh',
  description: 'Requests to bring every copy of an incident\u2019s cards up to date (delayed a little to coalesce bursts)',
  fifo: false,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 10,
  retentionDays: 4,
  batchSize: 10,
  maxMessageAgeSeconds: 300,
  envKey: 'CARD_REFRESH_QUEUE_URL',
  dlqEnvKey: 'CARD_REFRESH_DLQ_URL',
};

/**
 * One-time code mails of account linking (issue 11): the linking pages ask, send-link-code draws the
 * code, stores its hash and mails it. Kept off the pages' function so a slow SMTP server never holds
 * a page, and the mailers stay out of its bundle. A code is valid 10 minutes, so a day of
 * retention is plenty; send-link-code drops (and records) anything older than that anyway.
 */
export const linkMailQueue: QueueDefinition = {
  id: 'link-mail',
  description: 'One-time code mails of account linking, requested by the linking pages (no code inside: the worker draws it)',
  fifo: false,
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
  retentionDays: 1,
  batchSize: 5,
  maxMessageAgeSeconds: 120,
  envKey: 'LINK_MAIL_QUEUE_URL',
  dlqEnvKey: 'LINK_MAIL_DLQ_URL',
};

/**
 * War Room jobs (issue 14): notify asks the war-room worker to open, keep in step or close an
 * incident's rooms. A queue of its own, so a slow appchat or a DingTalk quota wait never holds
 * incident events, and a backlog of rooms never delays cards.
 */
export const warRoomQueue: QueueDefinition = {
  id: 'war-room',
  description: 'War Room jobs (open, keep in step, close an incident\u2019s group chats), from notify and card actions',
  fifo: false,
  visibilityTimeoutSeconds: 360,
  maxReceiveCount: 10,
  retentionDays: 4,
  batchSize: 5,
  maxMessageAgeSeconds: 600,
  envKey: 'WAR_ROOM_QUEUE_URL',
  dlqEnvKey: 'WAR_ROOM_DLQ_URL',
};

/**
 * Smart bot replies (issue 15): the bot callback answers WeCom at once with an open stream and queues
 * the reply here; the worker runs the responders (commands, the model) and writes the stream, which
 * WeCom's refresh callbacks read. A reply older than WeCom's 6-minute window is finished, not redone.
 */
export const botRepliesQueue: QueueDefinition = {
  id: 'bot-replies',
  description: 'Smart bot replies to write (commands, model answers), from the WeCom smart bot callback',
  fifo: false,
  // Six times the worker's 100 s timeout.
  visibilityTimeoutSeconds: 600,
  maxReceiveCount: 5,
  retentionDays: 1,
  batchSize: 1,
  maxMessageAgeSeconds: 120,
  envKey: 'BOT_REPLIES_QUEUE_URL',
  dlqEnvKey: 'BOT_REPLIES_DLQ_URL',
};

/**
 * Alert groups from the alert webhooks (issue 18): the webhook answers Alertmanager at once and the
 * alert-incidents worker turns each message's groups into incident events. A burst of 1,000
 * alerts is a handful of messages (whole groups, ≤ 200 KiB each).
 */
export const alertIngestQueue: QueueDefinition = {
  id: 'alert-ingest',
  description: 'Alert groups from Alertmanager / Grafana webhooks, to become incident events',
  fifo: false,
  // Six times the worker's 30 s timeout.
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
  retentionDays: 4,
  batchSize: 5,
  maxMessageAgeSeconds: 300,
  envKey: 'ALERT_INGEST_QUEUE_URL',
  dlqEnvKey: 'ALERT_INGEST_DLQ_URL',
};

/** Card actions on alert incidents (Snooze, Close), for the silence worker (issue 18). */
export const alertSilencesQueue: QueueDefinition = {
  id: 'alert-silences',
  description: 'Snooze / Close on alert incidents: Alertmanager silences to create or expire',
  fifo: false,
  // Six times the worker's 30 s timeout.
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
  retentionDays: 4,
  batchSize: 5,
  maxMessageAgeSeconds: 300,
  envKey: 'ALERT_SILENCES_QUEUE_URL',
  dlqEnvKey: 'ALERT_SILENCES_DLQ_URL',
};

export const suiteAuthQueue: QueueDefinition = {
  id: 'wecom-suite-auth',
  description: 'WeCom suite authorizations (create_auth, change_auth, cancel_auth, reset_permanent_code) to exchange or apply, queued by the command callback to answer within 1000 ms',
  fifo: false,
  // Six times the worker's 30 s timeout.
  visibilityTimeoutSeconds: 180,
  maxReceiveCount: 5,
  retentionDays: 4,
  batchSize: 5,
  maxMessageAgeSeconds: 300,
  envKey: 'SUITE_AUTH_QUEUE_URL',
  dlqEnvKey: 'SUITE_AUTH_DLQ_URL',
};

export const queues = [incidentEventsQueue, inboundCallbacksQueue, incidentActionsQueue, outgoingImQueue, cardRefreshQueue, linkMailQueue, warRoomQueue, botRepliesQueue, alertIngestQueue, alertSilencesQueue, suiteAuthQueue] as const;

/** Name of a dead-letter queue for a queue id (keeps the .fifo suffix last, as SQS requires). */
export function deadLetterQueueName(queue: QueueDefinition): string {
  return queue.fifo ? `${queue.id.replace(/\.fifo$/, '')}-dlq.fifo` : `${queue.id}-dlq`;
}

/** Prefix of every integration secret's name in Secrets Manager. */
export const SECRET_PREFIX_ENV = 'SECRET_NAME_PREFIX';

/**
 * Where an integration's secret lives below the deployment's secret prefix:
 * `integrations/<platform>/<id>`, so IAM can grant each function the secrets of the platform it
 * serves by name. Without a platform, the path of every integration secret, including those
 * named `integrations/<id>` before the platform segment existed.
 */
export function integrationSecretsPath(platform?: 'wecom' | 'dingtalk'): string {
  return platform === undefined ? 'integrations/' : `integrations/${platform}/`;
}

/** Where alert sources' secrets live below the deployment's prefix (issue 18): `sources/<id>`. */
export function alertSourceSecretsPath(): string {
  return 'sources/';
}

/** Where WeCom suites' secrets live below the deployment's prefix (issue 16); see shared/domain/wecom-suite.ts. */
export { suiteSecretsPath } from '../domain/wecom-suite';

/** Secrets Manager name of an integration's secret. */
export function integrationSecretName(prefix: string, platform: 'wecom' | 'dingtalk', integrationId: string): string {
  return `${prefix}${integrationSecretsPath(platform)}${integrationId}`;
}
