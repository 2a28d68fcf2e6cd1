/** bot-replies queue consumer (issue 15): answers a smart bot message into its stream. */
import { deadLetterSink, retryVisibility, settleOperationLog } from '../../shared/composition';
import { botRepliesQueue } from '../../shared/config/resources';
import { botReplyJobSchema } from '../../shared/domain/bot-reply-job';
import { logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';
import { smartBotReplies } from '../../shared/smart-bot-composition';

export const handler = queueHandler({
  name: botRepliesQueue.id,
  schema: botReplyJobSchema,
  maxReceiveCount: botRepliesQueue.maxReceiveCount,
  deps: () => ({
    deadLetters: deadLetterSink(botRepliesQueue),
    retryVisibility: retryVisibility(botRepliesQueue),
    process: async (job) => {
      try {
        const outcome = await smartBotReplies().answer(job);
        logOutcome({ source: 'bot-replies', message: 'bot reply written', outcome: outcome.kind === 'answered' ? `answered:${outcome.command}${outcome.model ? `:${outcome.model}` : ''}` : `skipped:${outcome.reason}`, integrationId: job.integrationId });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
