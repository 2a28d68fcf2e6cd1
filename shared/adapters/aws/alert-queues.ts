/**
 * The alert sources' queues (issue 18): alert groups to the alert-ingest queue, incident events to
 * the incident-events queue (as any publisher would), card actions on alert incidents to
 * alert-silences. Batches of 10 (SQS's limit); a batch entry SQS refuses is an error, so the
 * webhook answers 5xx and Alertmanager sends again (the worker de-duplicates by digest).
 */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AlertIngestJob, AlertIngestJobs, AlertSilenceJobs, IncidentEventPublisher } from '../../application/alert-ports';
import type { IncidentActionMessage } from '../../domain/incident-action';
import type { IncidentEvent } from '../../domain/incident-events';

async function sendAll(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  // A few batches at a time: a 1,000-alert webhook is a handful of calls, not a thousand.
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((body, n) => ({ Id: String(n), MessageBody: body })) }));
        if (out.Failed && out.Failed.length > 0) throw new Error(`SQS refused ${out.Failed.length} message(s): ${out.Failed[0]?.Code ?? 'unknown'}`);
      }),
    );
  }
}

export class SqsAlertIngestJobs implements AlertIngestJobs {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  requestAll(jobs: readonly AlertIngestJob[]): Promise<void> {
    return sendAll(this.client, this.queueUrl, jobs.map((job) => JSON.stringify(job)));
  }
}

export class SqsIncidentEventPublisher implements IncidentEventPublisher {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  publishAll(events: readonly IncidentEvent[]): Promise<void> {
    return sendAll(this.client, this.queueUrl, events.map((event) => JSON.stringify(event)));
  }
}

export class SqsAlertSilenceJobs implements AlertSilenceJobs {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async request(action: IncidentActionMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(action) }));
  }
}
