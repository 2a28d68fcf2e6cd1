/** Every minute: send the DingTalk digests (quota above 95%) whose 10-minute window has ended. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { flushAllDigests } from '../../shared/dispatch-composition';
import { logger, metrics } from '../../shared/runtime/observability';

export const handler = middy(async () => {
  const result = await flushAllDigests();
  logger.info('digests flushed', result);
  return result;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
