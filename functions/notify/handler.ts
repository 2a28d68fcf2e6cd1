/** incident-events queue consumer: validates the event contract; invalid events go to the DLQ with the reason. */
import { deadLetterSink, incidentEventsQueue } from '../../shared/composition';
import { incidentEventSchema } from '../../shared/domain/incident-events';
import { logger } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: incidentEventsQueue.id,
  schema: incidentEventSchema,
  deps: () => ({
    deadLetters: deadLetterSink(incidentEventsQueue),
    process: async (event) => {
      logger.info('incident event accepted', { type: event.type, incidentId: 'incidentId' in event ? event.incidentId : undefined });
    },
  }),
});
