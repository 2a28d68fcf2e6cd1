/** war-room queue consumer (issue 14): opens, keeps in step and closes an incident's War Rooms. */
import { deadLetterSink, delayedRequeue, retryVisibility, settleOperationLog, warRoomQueue } from '../../shared/composition';
import { warRoomJobSchema } from '../../shared/domain/war-room-job';
import { logger, logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';
import { warRoomUseCase } from '../../shared/war-room-composition';

export const handler = queueHandler({
  name: warRoomQueue.id,
  schema: warRoomJobSchema,
  deps: () => ({
    deadLetters: deadLetterSink(warRoomQueue),
    retryVisibility: retryVisibility(warRoomQueue),
    // A DingTalk call waiting for a QPS slot or a lease parks the job as a delayed copy (no receive spent).
    requeue: delayedRequeue(warRoomQueue),
    process: async (job) => {
      logger.appendKeys({ incidentId: job.incidentId });
      try {
        const outcomes = await warRoomUseCase().process(job);
        logOutcome({ source: 'war-room', message: 'war room job processed', outcome: outcomes.map((o) => o.kind).join(',') || 'none', incidentId: job.incidentId, reason: job.reason });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
