/**
 * Queue entry-point plumbing: Powertools BatchProcessor for partial batch failures
 * (`batchItemFailures`), zod validation of every record, and poison messages (schema violations)
 * parked on the DLQ at once with the reason instead of being retried until maxReceiveCount.
 *
 * Waiting is not failing. An error with `waiting: true` and `retryAfterMs` (the dispatch worker's
 * saturated QPS limiter or DingTalk throttle, DispatchRetryLaterError) means the record only has to
 * wait its turn. With a `requeue` port the handler then sends a copy of the message to the same
 * queue with DelaySeconds = the wait (≤ 900 s, with up to 20 % jitter) and reports the original as
 * processed, so it is deleted: waiting spends no receive, a backlog of any length never reaches
 * maxReceiveCount, and nothing is dead-lettered for waiting. The copy carries the message
 * attributes plus `waits` (how often it waited, for metrics), `firstSentTimestamp` (when the first
 * copy was sent) and `failedReceives` (receives that failed before, so real failures still
 * dead-letter after maxReceiveCount in total even when waits interleave).
 *
 * If the process dies between sending the copy and deleting the original, both come back: the
 * consumer must be idempotent per message — the dispatch ledger's idempotency key makes the second
 * one a no-op (`duplicate`). Order: a copy goes behind what is already queued, so on a standard
 * queue a backlog drains roughly, not strictly, in order (outgoing-im does not need FIFO: every
 * call carries its own idempotency key and card updates set whole values). FIFO queues do not
 * take a per-message delay; do not give them a `requeue` port.
 *
 * Real failures keep SQS's path: the visibility is changed to the backoff delay and the receive
 * counts towards maxReceiveCount, after which the redrive policy moves the message to the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod/mini';
import { PoisonMessageError } from '../domain/errors';
import type { DeadLetterSink } from '../application/ports';
import { WAITING_MESSAGE_AGE_METRIC } from '../config/alarms';
import { logger, metrics } from './observability';

export function describeZodError(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export interface QueueHandlerOptions<T> {
  readonly name: string;
  readonly schema: z.ZodMiniType<T>;
  /** Created lazily on the first invocation (reads configuration then). */
  readonly deps: () => {
    deadLetters: DeadLetterSink;
    process: (message: T, record: SQSRecord) => Promise<void>;
    /** Shortens (or lengthens) the wait before a failed record is retried (ChangeMessageVisibility). */
    retryVisibility?: RetryVisibility;
    /** Parks a waiting record as a delayed copy on the same queue (standard queues only); without it a wait is handled like a failure. */
    requeue?: DelayedRequeue;
  };
  /**
   * The queue's maxReceiveCount: a record that waited (a fresh copy, receive count 1 again) is
   * dead-lettered here once its failed receives over all copies reach it.
   */
  readonly maxReceiveCount?: number;
}

export interface RetryVisibility {
  change(receiptHandle: string, seconds: number): Promise<void>;
}

/** Message attributes the wait path maintains on the copies it sends. */
export const WAIT_ATTRIBUTES = { waits: 'waits', firstSentTimestamp: 'firstSentTimestamp', failedReceives: 'failedReceives' } as const;

export interface RequeueCopy {
  readonly body: string;
  /** The record's attributes with the wait attributes updated (Lambda's record shape). */
  readonly messageAttributes: SQSRecord['messageAttributes'];
  readonly delaySeconds: number;
}

/** Sends a copy of a record to its own queue with a delay (SqsDelayedRequeue). */
export interface DelayedRequeue {
  requeue(copy: RequeueCopy): Promise<void>;
}

/** A record that only has to wait (see the file comment); anything else is a failure. */
export function isWaitError(error: unknown): error is { waiting: true; retryAfterMs: number } {
  const candidate = error as { waiting?: unknown; retryAfterMs?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && candidate.waiting === true && typeof candidate.retryAfterMs === 'number' && Number.isFinite(candidate.retryAfterMs);
}

/** DelaySeconds of a waiting record's copy: the wait rounded up, plus 0–20 % jitter, 1..900 s (QUEUE_RETRY_MAX_SECONDS caps it too). */
export function waitDelaySeconds(retryAfterMs: number, random: () => number = Math.random): number {
  const seconds = Math.ceil((Math.max(0, retryAfterMs) / 1000) * (1 + 0.2 * random()));
  const cap = Number(process.env.QUEUE_RETRY_MAX_SECONDS ?? 900);
  return Math.max(1, Math.min(cap, 900, seconds));
}

function numberAttribute(record: SQSRecord, name: string): number {
  const value = Number(record.messageAttributes?.[name]?.stringValue ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function stringAttribute(value: string | number): SQSRecord['messageAttributes'][string] {
  return { dataType: 'Number', stringValue: String(value), stringListValues: [], binaryListValues: [] };
}

/**
 * Seconds before a failed record is tried again: exponential from 2 s, with jitter, capped at
 * 60 s; errors may ask for a minimum (a WeCom 45009 throttle blocks for the rest of the minute).
 */
export function retryDelaySeconds(receiveCount: number, error: unknown, random: () => number = Math.random): number {
  const hinted = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  const minimum = typeof hinted === 'number' ? Math.ceil(hinted / 1000) : undefined;
  const exponential = Math.min(60, 2 ** Math.max(1, receiveCount));
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2);
  // QUEUE_RETRY_MAX_SECONDS lets a local stack or test shorten every wait (default: SQS's 900 s cap).
  const cap = Number(process.env.QUEUE_RETRY_MAX_SECONDS ?? 900);
  return Math.min(cap, 900, Math.max(minimum ?? 0, jittered));
}

export function queueHandler<T>(options: QueueHandlerOptions<T>): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  let deps: ReturnType<QueueHandlerOptions<T>['deps']> | undefined;
  const processor = new BatchProcessor(EventType.SQS);

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    // Keys a previous record appended (its incidentId, integrationId) must not label this one.
    logger.resetKeys();
    deps ??= options.deps();
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      return deadLetter(record, 'body is not JSON');
    }
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) return deadLetter(record, `schema violation: ${describeZodError(parsed.error)}`);
    try {
      await deps.process(parsed.data, record);
    } catch (error) {
      if (error instanceof PoisonMessageError) return deadLetter(record, error.reason);
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      // Receives of earlier copies (before a wait) that failed; this copy's earlier receives all failed too.
      const failedBefore = numberAttribute(record, WAIT_ATTRIBUTES.failedReceives);
      if (isWaitError(error) && deps.requeue) {
        const parked = await park(record, error, failedBefore + receiveCount - 1);
        if (parked) return;
      }
      if (failedBefore > 0 && options.maxReceiveCount !== undefined && failedBefore + receiveCount >= options.maxReceiveCount) {
        const message = error instanceof Error ? error.message : String(error);
        return deadLetter(record, `failed ${failedBefore + receiveCount} times (maxReceiveCount ${options.maxReceiveCount}, counted across waits); last: ${message}`);
      }
      const delay = retryDelaySeconds(receiveCount, error);
      logger.warn('record failed; it will be retried', {
        messageId: record.messageId,
        receiveCount,
        retryInSeconds: delay,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      await deps.retryVisibility?.change(record.receiptHandle, delay).catch(() => undefined);
      throw error;
    }
  };

  /**
   * Sends the delayed copy; true when the original may be deleted. Crash between the send and the
   * delete: both copies come back, and the consumer's idempotency (the dispatch ledger's key) makes
   * the second one find the first one's record and call nothing. A failed send falls back to the
   * failure path (visibility change; this receive counts).
   */
  const park = async (record: SQSRecord, error: { retryAfterMs: number }, failedReceives: number): Promise<boolean> => {
    const waits = numberAttribute(record, WAIT_ATTRIBUTES.waits) + 1;
    const delaySeconds = waitDelaySeconds(error.retryAfterMs);
    const messageAttributes: SQSRecord['messageAttributes'] = {
      ...record.messageAttributes,
      [WAIT_ATTRIBUTES.waits]: stringAttribute(waits),
      [WAIT_ATTRIBUTES.firstSentTimestamp]: record.messageAttributes?.[WAIT_ATTRIBUTES.firstSentTimestamp] ?? stringAttribute(record.attributes?.SentTimestamp ?? Date.now()),
    };
    if (failedReceives > 0) messageAttributes[WAIT_ATTRIBUTES.failedReceives] = stringAttribute(failedReceives);
    try {
      await deps!.requeue!.requeue({ body: record.body, messageAttributes, delaySeconds });
    } catch (sendError) {
      logger.warn('could not park a waiting record; it is retried like a failure', { messageId: record.messageId, error: sendError instanceof Error ? sendError.message : String(sendError) });
      return false;
    }
    logger.info('record waits; parked as a delayed copy (no receive spent)', { queue: options.name, messageId: record.messageId, waits, delaySeconds });
    metrics.addMetric('RecordsWaiting', MetricUnit.Count, 1);
    const firstSentMs = Number(messageAttributes[WAIT_ATTRIBUTES.firstSentTimestamp]?.stringValue);
    if (Number.isFinite(firstSentMs)) metrics.addMetric(WAITING_MESSAGE_AGE_METRIC, MetricUnit.Seconds, Math.max(0, Math.round((Date.now() - firstSentMs) / 1000)));
    return true;
  };

  const deadLetter = async (record: SQSRecord, reason: string): Promise<void> => {
    logger.error('message dead-lettered', { queue: options.name, messageId: record.messageId, reason });
    metrics.addMetric('MessageDeadLettered', MetricUnit.Count, 1);
    await deps!.deadLetters.deadLetter(record.body, reason);
  };

  const base = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const result = await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
    metrics.addMetric('RecordsReceived', MetricUnit.Count, event.Records.length);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, result.batchItemFailures.length);
    return result;
  };

  return middy(base)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false })) as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
}
