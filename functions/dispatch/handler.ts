/** outgoing-im queue consumer: one metered DingTalk call per message, paced and metered. */
import { deadLetterSink, delayedRequeue, retryVisibility } from '../../shared/composition';
import { outgoingImQueue } from '../../shared/config/resources';
import { dispatchUseCase } from '../../shared/dispatch-composition';
import type { DispatchUseCase } from '../../shared/application/dispatch';
import { outgoingCallSchema } from '../../shared/domain/outgoing-call';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, logOutcome, metrics } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

/**
 * The handler over a use case (tests pass one on a scaled clock). A saturated QPS limiter or a
 * DingTalk throttle is a wait, not a failure: the message is parked as a delayed copy on
 * outgoing-im without spending a receive (shared/runtime/queue.ts); a duplicate copy after a crash
 * is harmless, the ledger's idempotency key makes it a no-op.
 */
export function dispatchQueueHandler(useCase: () => DispatchUseCase = dispatchUseCase) {
  return queueHandler({
    name: outgoingImQueue.id,
    schema: outgoingCallSchema,
    maxReceiveCount: outgoingImQueue.maxReceiveCount,
    deps: () => ({
      deadLetters: deadLetterSink(outgoingImQueue),
      retryVisibility: retryVisibility(outgoingImQueue),
      requeue: delayedRequeue(outgoingImQueue),
      process: async (call) => {
        logger.appendKeys({ integrationId: call.integrationId, incidentId: call.incidentId });
        const outcome = await useCase().execute(call);
        // Deferred calls (≥ 95 % of the quota) are sent as digests by the scheduled flush-digests.
        logOutcome({ source: 'dispatch', message: 'DingTalk call dispatched', outcome: outcome.kind, incidentId: call.incidentId, integrationId: call.integrationId, kind: call.kind });
        if (outcome.kind === 'unconfirmed') {
          logger.warn('DingTalk never answered a call without idempotency key; not retried (it may have been delivered)', { kind: call.kind, reason: outcome.reason });
          metrics.addMetric('DingTalkUnconfirmed', MetricUnit.Count, 1);
        }
        if (outcome.kind === 'sent' && outcome.possibleDuplicates) {
          logger.warn('DingTalk call sent after unanswered attempts; it may have been delivered more than once', { kind: call.kind, possibleDuplicates: outcome.possibleDuplicates });
          metrics.addMetric('DingTalkPossibleDuplicates', MetricUnit.Count, outcome.possibleDuplicates);
        }
      },
    }),
  });
}

export const handler = dispatchQueueHandler();
