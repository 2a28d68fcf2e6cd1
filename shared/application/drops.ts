/**
 * Decisions not to deliver, as the use cases hand them to their `record(outcome, details)` sink:
 * `result: 'dropped'`, the operation log's reason code (shared/domain/operation-log.ts), a reason
 * in plain words, and the incident, integration, platform and recipient (email, or the group id).
 * The sink logs them (and the operation log stores them); `isDrop` lets it count them in a metric.
 */
import type { OperationReasonCode } from '../domain/operation-log';

export interface DropWhere {
  readonly incidentId: string;
  readonly integrationId?: string;
  readonly platform?: 'wecom' | 'dingtalk';
  readonly recipient?: string;
}

export function dropDetails(reasonCode: OperationReasonCode, reason: string, where: DropWhere): Record<string, unknown> {
  return { result: 'dropped', reasonCode, reason, ...where };
}

/** True for the details of a drop (see dropDetails). */
export function isDrop(details: Record<string, unknown>): boolean {
  return details.result === 'dropped';
}
