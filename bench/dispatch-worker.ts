/**
 * One dispatch "Lambda instance" of the dispatch bench, in its own process: receives batches from
 * the outgoing-im queue (local SQS) and invokes the real dispatch handler with them, deleting what
 * succeeded and leaving the `batchItemFailures` to reappear after the visibility the handler set
 * (DispatchRetryLaterError), as Lambda's SQS event source mapping does (local/pollers.ts). The
 * handler composes the DynamoDB limiter, quota meter, idempotency ledger and digest buffer on the
 * local DynamoDB shared by all workers. Controlled by the parent over IPC.
 */
import { setClockOffset } from './virtual-clock';
import './quiet';
import '../local/env-defaults';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handler as dispatch } from '../functions/dispatch/handler';
import { handler as flushDigests } from '../functions/flush-digests/handler';
import { lambdaContext } from '../local/handlers';
import { toRecord } from '../local/pollers';
import { functionDefinitions } from '../shared/config/functions';
import { outgoingImQueue } from '../shared/config/resources';

export interface WorkerStats {
  readonly batches: number;
  readonly records: number;
  /** Records the handler finished (deleted from the queue). */
  readonly done: number;
  /** Records handed back to the queue (batchItemFailures). */
  readonly retryLater: number;
  readonly handlerErrors: number;
}

export type WorkerCommand = { readonly type: 'go' | 'pause' | 'stats' | 'stop' | 'flush' } | { readonly type: 'clock'; readonly offsetMs: number };
export type WorkerRequest = WorkerCommand & { readonly id: number };

const queueUrl = process.env[outgoingImQueue.envKey] as string;
const fn = functionDefinitions.find((f) => f.name === 'dispatch');
const flushFn = functionDefinitions.find((f) => f.name === 'flush-digests');
if (!queueUrl || !fn || !flushFn) throw new Error('worker: outgoing-im queue URL or function definitions missing');
const queueArn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });

const stats = { batches: 0, records: 0, done: 0, retryLater: 0, handlerErrors: 0 };
let paused = true;
let stopping = false;
let idleWaiters: (() => void)[] = [];

const reply = (id: number, body: unknown) => process.send?.({ id, body });

process.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'go':
      paused = false;
      return reply(request.id, true);
    case 'pause':
      paused = true;
      // Answered once the current receive/batch is over: nothing is in flight after that.
      return idleWaiters.push(() => reply(request.id, true));
    case 'stats':
      return reply(request.id, { ...stats } satisfies WorkerStats);
    case 'clock':
      setClockOffset(request.offsetMs);
      return reply(request.id, true);
    case 'flush':
      // The scheduled flush-digests function, invoked once.
      return void (flushDigests({}, lambdaContext(flushFn.name, flushFn.timeoutSeconds)) as Promise<unknown>).then(
        (result) => reply(request.id, result),
        (error: unknown) => reply(request.id, { error: String(error) }),
      );
    case 'stop':
      // The parent waits for the process to exit.
      stopping = true;
      return;
  }
});

async function loop(): Promise<void> {
  while (!stopping) {
    if (paused) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    let messages: Message[] = [];
    try {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(fn!.queue?.batchSize ?? 10, 10), WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      );
      messages = out.Messages ?? [];
    } catch (error) {
      process.stderr.write(`worker ${process.pid}: receive failed: ${String(error)}\n`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (messages.length === 0) continue;
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn)) };
    let failed = new Set(event.Records.map((r) => r.messageId));
    try {
      const result = (await dispatch(event as never, lambdaContext(fn!.name, fn!.timeoutSeconds))) as SQSBatchResponse | undefined;
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      stats.handlerErrors += 1;
      process.stderr.write(`worker ${process.pid}: handler threw, batch will be retried: ${String(error)}\n`);
    }
    stats.batches += 1;
    stats.records += messages.length;
    stats.retryLater += failed.size;
    stats.done += messages.length - failed.size;
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  }
  sqs.destroy();
}

process.send?.({ id: 0, body: 'ready' });
void loop().then(() => process.exit(0));
