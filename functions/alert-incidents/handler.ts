/** alert-ingest queue consumer (issue 18): alert groups become incident events. */
import { alertIncidentsUseCase } from '../../shared/alert-composition';
import { deadLetterSink, retryVisibility, settleOperationLog } from '../../shared/composition';
import { alertIngestQueue } from '../../shared/config/resources';
import { alertIngestJobSchema } from '../../shared/domain/alert-jobs';
import { logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: alertIngestQueue.id,
  schema: alertIngestJobSchema,
  maxReceiveCount: alertIngestQueue.maxReceiveCount,
  deps: () => ({
    deadLetters: deadLetterSink(alertIngestQueue),
    retryVisibility: retryVisibility(alertIngestQueue),
    process: async (job) => {
      try {
        const outcome = await alertIncidentsUseCase().process(job);
        logOutcome({ source: 'alert-incidents', message: 'alert groups processed', outcome: `published:${outcome.published},unchanged:${outcome.unchanged},unrouted:${outcome.unrouted},ignored:${outcome.ignored}`, sourceId: job.sourceId });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
