/**
 * Every decision not to deliver (details from shared/application/drops.ts) is also counted: the
 * `DeliveriesDropped` metric (namespace DutyBridge), one per dropped recipient, target or event.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { isDrop } from '../application/drops';
import { DELIVERIES_DROPPED_METRIC } from './delivery-metrics';
import { metrics } from './observability';

export { DELIVERIES_DROPPED_METRIC };

type RecordSink = (outcome: string, details: Record<string, unknown>) => void;

/** The sink, plus the metric for drops. */
export function countingDrops(record: RecordSink, count: (name: string) => void = (name) => metrics.addMetric(name, MetricUnit.Count, 1)): RecordSink {
  return (outcome, details) => {
    record(outcome, details);
    if (isDrop(details)) count(DELIVERIES_DROPPED_METRIC);
  };
}
