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

/**
 * A click by a person with no link in the integration: it changed nothing (app_not_linked); `told`
 * says what they were sent instead, and the reason names the `links set` command that links them.
 */
export function unlinkedClickDetails(
  click: { readonly platform: 'wecom' | 'dingtalk'; readonly integrationId: string; readonly incidentId: string; readonly userId: string },
  told: string,
): Record<string, unknown> {
  const { platform, integrationId, incidentId, userId } = click;
  const idName = platform === 'wecom' ? 'userid' : 'userId';
  const reason = `a click by ${platform === 'wecom' ? 'WeCom' : 'DingTalk'} ${idName} ${userId} changed nothing: no member is linked to that ${idName} in ${integrationId} (${told}); link them with \`npx dutybridge links set --integration ${integrationId} --email <their email> --user-id ${userId}\``;
  return { ...dropDetails('app_not_linked', reason, { incidentId, integrationId, platform, recipient: userId }), channel: 'click', userId };
}

/** True for the details of a drop (see dropDetails). */
export function isDrop(details: Record<string, unknown>): boolean {
  return details.result === 'dropped';
}
