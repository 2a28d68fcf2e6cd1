/** outgoing-im queue consumer: one metered DingTalk call per message, paced and metered. */
import { deadLetterSink, retryVisibility } from '../../shared/composition';
import { outgoingImQueue } from '../../shared/config/resources';
import { dispatchUseCase } from '../../shared/dispatch-composition';
import { outgoingCallSchema } from '../../shared/domain/outgoing-call';
import { logger } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: outgoingImQueue.id,
  schema: outgoingCallSchema,
  deps: () => ({
    deadLetters: deadLetterSink(outgoingImQueue),
    retryVisibility: retryVisibility(outgoingImQueue),
    process: async (call) => {
      logger.appendKeys({ integrationId: call.integrationId, incidentId: call.incidentId });
      const outcome = await dispatchUseCase().execute(call);
      // Deferred calls (≥ 95 % of the quota) are sent as digests by the scheduled flush-digests.
      logger.info('DingTalk call dispatched', { kind: call.kind, outcome: outcome.kind });
    },
  }),
});
