/**
 * One logger and one metrics instance per process (Powertools). Log lines carry the integration id
 * (and later the incident id) as keys; payloads and secrets are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dutybridge' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DutyBridge',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dutybridge',
});
