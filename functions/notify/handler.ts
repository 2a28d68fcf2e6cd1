/** incident-events queue consumer: incident projection, cards for every target; invalid events go to the DLQ with the reason. */
import { retryVisibility, deadLetterSink, incidentEventsQueue, notifyUseCase, settleOperationLog } from '../../shared/composition';
import { incidentEventSchema } from '../../shared/domain/incident-events';
import { logger, logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: incidentEventsQueue.id,
  schema: incidentEventSchema,
  deps: () => ({
    deadLetters: deadLetterSink(incidentEventsQueue),
    retryVisibility: retryVisibility(incidentEventsQueue),
    process: async (event) => {
      const incidentId = 'incidentId' in event ? event.incidentId : undefined;
      logger.appendKeys({ incidentId });
      try {
        const outcome = await notifyUseCase().process(event);
        logOutcome({ source: 'notify', message: 'incident event processed', outcome, incidentId, integrationId: 'targets' in event ? event.targets.map((t) => t.integrationId) : undefined, type: event.type });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
