/**
 * Once a day: the API access license trial of every WeCom suite integration (issue 16). Trials
 * ending within LICENSE_TRIAL_WARN_DAYS (default 7: WeCom asks providers to warn a week ahead,
 * DOC-90569) go to the operation log and the WeComLicenseTrialsEnding metric, which alarms.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { licenseTrials } from '../../shared/suite-composition';
import { settleOperationLog } from '../../shared/composition';
import { LICENSE_CHECKS_FAILED_METRIC, LICENSE_TRIALS_ENDING_METRIC } from '../../shared/config/alarms';
import { logger, metrics } from '../../shared/runtime/observability';

const warnDays = (): number => {
  const value = Number(process.env.LICENSE_TRIAL_WARN_DAYS ?? 7);
  return Number.isInteger(value) && value > 0 ? value : 7;
};

export const handler = middy(async () => {
  try {
    const result = await licenseTrials().check({ warnDays: warnDays() });
    for (const failure of result.failed) logger.warn('license check failed', { ...failure });
    metrics.addMetric(LICENSE_TRIALS_ENDING_METRIC, MetricUnit.Count, result.endingSoon.length);
    // A check that cannot run must not look like "no trial is ending".
    metrics.addMetric(LICENSE_CHECKS_FAILED_METRIC, MetricUnit.Count, result.failed.length);
    logger.info('license trials checked', { checked: result.checked, endingSoon: result.endingSoon.length, failed: result.failed.length });
    return { checked: result.checked, endingSoon: result.endingSoon.length };
  } finally {
    await settleOperationLog();
  }
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
