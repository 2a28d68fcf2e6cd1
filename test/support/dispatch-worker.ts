/**
 * A process of dispatch "Lambda instances" for integration tests that need more than the one core
 * Jest's process has (test/functions/dingtalk-backlog.int.test.ts): `WORKER_POLLERS` concurrent
 * batch loops receive from the outgoing-im queue and invoke the real dispatch handler
 * (functions/dispatch/handler.ts) as Lambda's SQS event source mapping does (local/pollers.ts):
 * what succeeded is deleted, `batchItemFailures` reappear after the visibility the handler set.
 *
 * The handler's use case runs on a clock `WORKER_CLOCK_SCALE` times faster than real time from
 * `WORKER_CLOCK_BASE_MS`, the clock the test gives the simulator, so a backlog of 500 s at 20 QPS
 * runs in 500/scale s. Controlled over IPC: `stats` answers the counters, `stop` ends the loops
 * (after the batches in hand) and exits.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatchQueueHandler } from '../../functions/dispatch/handler';
import { lambdaContext } from '../../local/handlers';
import { toRecord } from '../../local/pollers';
import { outgoingImQueue } from '../../shared/config/resources';
import { createDispatchUseCase } from '../../shared/dispatch-composition';
import { WAIT_ATTRIBUTES } from '../../shared/runtime/queue';

export interface DispatchWorkerStats {
  /** Messages received (every copy counts). */
  received: number;
  /** Received copies that a wait had re-parked (`waits` attribute ≥ 1): the number of waits. */
  waits: number;
  /** Most waits of one message. */
  maxWaits: number;
  /** Highest ApproximateReceiveCount seen. */
  maxReceiveCount: number;
  /** Records the handler reported failed (batchItemFailures). */
  failedRecords: number;
  handlerErrors: number;
}

const scale = Number(process.env.WORKER_CLOCK_SCALE ?? 1);
const baseMs = Number(process.env.WORKER_CLOCK_BASE_MS ?? Date.now());
const pollers = Number(process.env.WORKER_POLLERS ?? 4);
const limiter = JSON.parse(process.env.WORKER_LIMITER ?? '{}') as { maxWaitMs?: number; boundaryGuardMs?: number };
const queueUrl = process.env[outgoingImQueue.envKey] as string;
if (!queueUrl) throw new Error('dispatch worker: no outgoing-im queue URL in the environment');
const queueArn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });

const clock = { nowMs: () => baseMs + (Date.now() - baseMs) * scale };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms / scale)));
const useCase = createDispatchUseCase({ clock, sleep, limiter });
const handler = dispatchQueueHandler(() => useCase);

const stats: DispatchWorkerStats = { received: 0, waits: 0, maxWaits: 0, maxReceiveCount: 0, failedRecords: 0, handlerErrors: 0 };
let stopping = false;

// The test process went away (killed, timed out): stop at once rather than live on as an orphan.
process.on('disconnect', () => process.exit(0));
process.on('message', (request: { id: number; type: 'stats' | 'stop' }) => {
  if (request.type === 'stats') process.send?.({ id: request.id, body: { ...stats } });
  if (request.type === 'stop') stopping = true;
});

async function loop(): Promise<void> {
  while (!stopping) {
    let messages: Message[] = [];
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      );
      messages = out.Messages ?? [];
    } catch (error) {
      process.stderr.write(`dispatch worker ${process.pid}: receive failed: ${String(error)}\n`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (messages.length === 0) continue;
    for (const m of messages) {
      stats.received += 1;
      stats.maxReceiveCount = Math.max(stats.maxReceiveCount, Number(m.Attributes?.ApproximateReceiveCount ?? 1));
      const waits = Number(m.MessageAttributes?.[WAIT_ATTRIBUTES.waits]?.StringValue ?? 0);
      if (waits > 0) stats.waits += 1;
      stats.maxWaits = Math.max(stats.maxWaits, waits);
    }
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn)) };
    let failed = new Set(event.Records.map((r) => r.messageId));
    try {
      const result = (await handler(event as never, lambdaContext('dispatch', 50))) as SQSBatchResponse | undefined;
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      stats.handlerErrors += 1;
      process.stderr.write(`dispatch worker ${process.pid}: handler threw, batch will be retried: ${String(error)}\n`);
    }
    stats.failedRecords += failed.size;
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs
        .send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }))
        .catch((error: unknown) => process.stderr.write(`dispatch worker ${process.pid}: delete failed: ${String(error)}\n`));
    }
  }
}

process.send?.({ id: 0, body: 'ready' });
void Promise.all(Array.from({ length: pollers }, () => loop())).then(() => {
  sqs.destroy();
  process.send?.({ id: -1, body: { ...stats } }, () => process.exit(0));
});
