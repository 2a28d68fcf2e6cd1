/** card-refresh queue consumer: brings every copy of an incident's cards up to date. */
import { retryVisibility, cardRefreshQueue, deadLetterSink, refreshCardsUseCase, settleOperationLog } from '../../shared/composition';
import { cardRefreshMessageSchema } from '../../shared/domain/card-refresh';
import { logger, logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: cardRefreshQueue.id,
  schema: cardRefreshMessageSchema,
  deps: () => ({
    deadLetters: deadLetterSink(cardRefreshQueue),
    retryVisibility: retryVisibility(cardRefreshQueue),
    process: async (message) => {
      logger.appendKeys({ incidentId: message.incidentId });
      try {
        const outcome = await refreshCardsUseCase().process(message);
        logOutcome({ source: 'refresh-card', message: 'card refresh processed', outcome, incidentId: message.incidentId });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
