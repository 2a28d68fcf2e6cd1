/**
 * Emulates Lambda's SQS event source mapping on the local stack: long-polls each queue, invokes the
 * queue's handler with a batch, deletes what succeeded and leaves `batchItemFailures` (or the whole
 * batch when the handler throws) to reappear after the visibility timeout; the queue's redrive
 * policy moves a message to its DLQ after maxReceiveCount receives, as in AWS.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { functionDefinitions } from '../shared/config/functions';
import { lambdaContext, localHandlers } from './handlers';

export interface QueuePollers {
  stop(): Promise<void>;
  /** Invocations completed so far, per function (tests wait on these). */
  readonly invocations: Record<string, number>;
}

/** An SQS message as Lambda hands it to the handler (exported for the dispatch bench's worker processes). */
export function toRecord(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [k, v] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[k] = { dataType: v.DataType ?? 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] };
  }
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

export function startQueuePollers(options: {
  sqs: SQSClient;
  queueUrls: Record<string, string>;
  /** Long-poll wait; short so Ctrl-C stops promptly. */
  waitTimeSeconds?: number;
  log?: (line: string) => void;
}): QueuePollers {
  let running = true;
  const invocations: Record<string, number> = {};
  const controllers = new Set<AbortController>();
  const loops: Promise<void>[] = [];

  for (const fn of functionDefinitions) {
    if (!fn.queue) continue;
    const queue = fn.queue;
    const queueUrl = options.queueUrls[queue.id];
    if (!queueUrl) throw new Error(`no local URL for queue ${queue.id}`);
    const handler = localHandlers[fn.name];
    const queueArn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
    invocations[fn.name] = 0;

    loops.push(
      (async () => {
        while (running) {
          const controller = new AbortController();
          controllers.add(controller);
          let messages: Message[] = [];
          try {
            const out = await options.sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: Math.min(queue.batchSize, 10),
                WaitTimeSeconds: options.waitTimeSeconds ?? 1,
                MessageSystemAttributeNames: ['All'],
                MessageAttributeNames: ['All'],
              }),
              { abortSignal: controller.signal },
            );
            messages = out.Messages ?? [];
          } catch (error) {
            if (!running) break;
            options.log?.(`poller ${fn.name}: receive failed: ${error instanceof Error ? error.message : String(error)}`);
            await new Promise((r) => setTimeout(r, 500));
            continue;
          } finally {
            controllers.delete(controller);
          }
          if (messages.length === 0) continue;
          const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn)) };
          let failed = new Set<string>(event.Records.map((r) => r.messageId));
          try {
            const result = (await handler(event as never, lambdaContext(fn.name, fn.timeoutSeconds))) as SQSBatchResponse | undefined;
            failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
          } catch (error) {
            options.log?.(`poller ${fn.name}: handler threw, batch will be retried: ${error instanceof Error ? error.message : String(error)}`);
          }
          invocations[fn.name] += 1;
          const done = messages.filter((m) => !failed.has(m.MessageId!));
          if (done.length > 0) {
            await options.sqs
              .send(
                new DeleteMessageBatchCommand({
                  QueueUrl: queueUrl,
                  Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
                }),
              )
              .catch((error) => options.log?.(`poller ${fn.name}: delete failed: ${String(error)}`));
          }
        }
      })(),
    );
  }

  return {
    invocations,
    async stop() {
      running = false;
      for (const c of controllers) c.abort();
      await Promise.allSettled(loops);
    },
  };
}
