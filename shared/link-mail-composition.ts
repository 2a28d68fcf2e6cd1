/**
 * Composition of the one-time code mails (issue 11): send-link-code's use case (integration, its
 * secret, the code hashes, the mailers, the operation log) and the queue port the linking pages
 * ask through. Kept apart from shared/composition.ts and shared/link-composition.ts: the mailers
 * (nodemailer's SMTPConnection, ~45 KB) belong in send-link-code's bundle only; `linkCodeMailer()` brings none.
 */
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from './adapters/aws/clients';
import { CachedIntegrationRepository, DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { SqsLinkCodeMailer } from './adapters/aws/link-mail-queue';
import { DynamoOneTimeCodes } from './adapters/aws/one-time-codes';
import { DynamoOperationLog } from './adapters/aws/operation-log';
import { SqsDeadLetterSink, SqsRetryVisibility } from './adapters/aws/queues';
import { SecretsManagerIntegrationSecrets } from './adapters/aws/secrets';
import { createMailer } from './adapters/mail';
import { SendLinkCode, type LinkCodeMailer } from './application/send-link-code';
import type { QueueDefinition } from './config/resources';
import { linkMailQueue } from './config/resources';
import { readRuntimeConfig, type RuntimeConfig } from './config/runtime-config';
import { oneTimeCodesKey } from './crypto/one-time-code-key';
import { logger } from './runtime/observability';

export { linkMailQueue };

let runtimeConfig: RuntimeConfig | undefined;
const config = () => (runtimeConfig ??= readRuntimeConfig());

let useCase: SendLinkCode | undefined;
let mailer: LinkCodeMailer | undefined;

export function sendLinkCode(): SendLinkCode {
  return (useCase ??= (() => {
    const client = getDocumentClient();
    const table = config().stateTableName;
    return new SendLinkCode({
      integrations: new CachedIntegrationRepository(new DynamoIntegrationRepository(client, table)),
      secrets: new SecretsManagerIntegrationSecrets(getSecretsManagerClient()),
      codesFor: (integration, appSecret) => new DynamoOneTimeCodes(client, table, oneTimeCodesKey(appSecret, integration.id)),
      mailerFor: (_integration, { from, smtpUrl, ses }) => (ses || !smtpUrl ? createMailer({ kind: 'ses', from }) : createMailer({ kind: 'smtp', url: smtpUrl, from })),
      operationLog: new DynamoOperationLog(client, table),
      nowMs: Date.now,
      log: (message, details) => logger.warn(message, details),
    });
  })());
}

/** The linking pages' way to ask for a code mail (the link-mail queue). */
export function linkCodeMailer(): LinkCodeMailer {
  return (mailer ??= new SqsLinkCodeMailer(getSqsClient(), config().queueUrls[linkMailQueue.id]));
}

export function deadLetterSink(queue: QueueDefinition): SqsDeadLetterSink {
  return new SqsDeadLetterSink(getSqsClient(), config().deadLetterQueueUrls[queue.id], queue.fifo);
}

export function retryVisibility(queue: QueueDefinition): SqsRetryVisibility {
  return new SqsRetryVisibility(getSqsClient(), config().queueUrls[queue.id]);
}
