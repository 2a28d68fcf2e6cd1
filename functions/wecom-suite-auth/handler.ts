/** wecom-suite-auth queue consumer (issue 16): permanent code exchanges, authorization changes and cancellations. */
import { suiteAuthorizations } from '../../shared/suite-composition';
import { deadLetterSink, delayedRequeue, retryVisibility, settleOperationLog } from '../../shared/composition';
import { suiteAuthQueue } from '../../shared/config/resources';
import { suiteAuthJobSchema } from '../../shared/domain/wecom-suite';
import { logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: suiteAuthQueue.id,
  schema: suiteAuthJobSchema,
  maxReceiveCount: suiteAuthQueue.maxReceiveCount,
  deps: () => ({
    deadLetters: deadLetterSink(suiteAuthQueue),
    retryVisibility: retryVisibility(suiteAuthQueue),
    // No valid suite_ticket yet: the job waits for WeCom's next push (every 10 minutes) without spending receives.
    requeue: delayedRequeue(suiteAuthQueue),
    process: async (job) => {
      try {
        const outcome = await suiteAuthorizations().run(job);
        logOutcome({ source: 'wecom-suite-auth', message: 'suite authorization job handled', outcome: `${job.kind}:${outcome}` });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
