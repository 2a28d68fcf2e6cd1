/** inbound-callbacks queue consumer: group registry updates and recorded clicks. */
import { retryVisibility, deadLetterSink, inboundCallbacksQueue, processInboundUseCase, settleOperationLog } from '../../shared/composition';
import { inboundCallbackMessageSchema } from '../../shared/domain/inbound';
import { logOutcome } from '../../shared/runtime/observability';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: inboundCallbacksQueue.id,
  schema: inboundCallbackMessageSchema,
  deps: () => ({
    deadLetters: deadLetterSink(inboundCallbacksQueue),
    retryVisibility: retryVisibility(inboundCallbacksQueue),
    process: async (message) => {
      try {
        const outcome = await processInboundUseCase().process(message);
        logOutcome({ source: 'process-inbound', message: 'inbound callback processed', outcome, integrationId: message.integrationId, kind: message.kind });
      } finally {
        await settleOperationLog();
      }
    },
  }),
});
