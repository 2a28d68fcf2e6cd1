/**
 * Once a day: One-Click Link for the integrations set to `links auto --schedule daily`
 * (shared/application/scheduled-auto-link.ts), within the daily budget of failed lookups.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { scheduledAutoLink } from '../../shared/auto-link-composition';
import { logger, metrics } from '../../shared/runtime/observability';

export const handler = middy(async () => {
  const runs = await scheduledAutoLink().runAll();
  for (const run of runs) {
    if (run.error) logger.warn('auto-link run failed', { integrationId: run.integrationId, error: run.error });
    else logger.info('auto-link run', { ...run });
  }
  return { integrations: runs.length };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
