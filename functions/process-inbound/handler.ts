/** inbound-callbacks queue consumer: group registry updates and recorded clicks. */
import { retryVisibility, deadLetterSink, inboundCallbacksQueue, processInboundUseCase } from '../../shared/composition';
import { inboundCallbackMessageSchema } from '../../shared/domain/inbound';
import { queueHandler } from '../../shared/runtime/queue';

export const handler = queueHandler({
  name: inboundCallbacksQueue.id,
  schema: inboundCallbackMessageSchema,
  deps: () => ({
    deadLetters: deadLetterSink(inboundCallbacksQueue),
    retryVisibility: retryVisibility(inboundCallbacksQueue),
    process: async (message) => {
      await processInboundUseCase().process(message);
    },
  }),
});
