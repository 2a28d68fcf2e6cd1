/**
 * Queue entry-point plumbing: Powertools BatchProcessor for partial batch failures
 * (`batchItemFailures`), zod validation of every record, and poison messages (schema violations)
 * parked on the DLQ at once with the reason instead of being retried until maxReceiveCount.
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
  };
}

export interface RetryVisibility {
  change(receiptHandle: string, seconds: number): Promise<void>;
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
