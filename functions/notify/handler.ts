/** incident-events queue consumer: incident projection, cards for every target; invalid events go to the DLQ with the reason. */
import { retryVisibility, deadLetterSink, incidentEventsQueue, notifyUseCase } from '../../shared/composition';
import { incidentEventSchema } from '../../shared/domain/incident-events';
import { logger } from '../../shared/runtime/observability';
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
      const outcome = await notifyUseCase().process(event);
      logger.info('incident event processed', { type: event.type, outcome });
    },
  }),
});
