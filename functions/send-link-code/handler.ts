/** link-mail queue consumer: mails a linking session its one-time code; malformed requests go to the DLQ with the reason. */
import { linkCodeMailRequestSchema } from '../../shared/domain/link-code-mail';
import { deadLetterSink, linkMailQueue, retryVisibility, sendLinkCode } from '../../shared/link-mail-composition';
import { logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: linkMailQueue.id,
  schema: linkCodeMailRequestSchema,
  maxReceiveCount: linkMailQueue.maxReceiveCount,
  deps: () => ({
    deadLetters: deadLetterSink(linkMailQueue),
    retryVisibility: retryVisibility(linkMailQueue),
    process: async (request) => {
      const outcome = await sendLinkCode().process(request);
      logOutcome({ source: 'send-link-code', message: 'one-time code mail processed', outcome, integrationId: request.integrationId });
    },
  }),
});
