/** alert-silences queue consumer (issue 18): Snooze / Close on alert incidents → Alertmanager silences. */
import { alertSilencesUseCase } from '../../shared/alert-composition';
import { deadLetterSink, retryVisibility, settleOperationLog } from '../../shared/composition';
import { alertSilencesQueue } from '../../shared/config/resources';
import { incidentActionMessageSchema } from '../../shared/domain/alert-jobs';
import { logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: alertSilencesQueue.id,
  schema: incidentActionMessageSchema,
  maxReceiveCount: alertSilencesQueue.maxReceiveCount,
  deps: () => ({
    deadLetters: deadLetterSink(alertSilencesQueue),
    retryVisibility: retryVisibility(alertSilencesQueue),
    process: async (action) => {
      try {
        const outcome = await alertSilencesUseCase().handle(action);
        logOutcome({ source: 'alert-silences', message: 'silence action handled', outcome: outcome.kind === 'skipped' ? `skipped:${outcome.reason}` : outcome.kind, incidentId: action.incidentId });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
