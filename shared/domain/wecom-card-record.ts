/**
 * WeCom card bookkeeping (pure). One incident in one integration is delivered as one
 * button_interaction card per batch of ≤ 1000 recipients (message/send `touser` limit); every batch
 * is its own WeCom task (task_id must be unique per app, errcode 42014 on reuse), and every task has
 * its own update budget: response codes — one from message/send and one per click — each single use
 * and valid 72 h (DOC-94888, errcode 60140).
 */

/** message/send and update_template_card accept at most 1000 userids per call. */
export const WECOM_MAX_RECIPIENTS_PER_CALL = 1000;
/** "response_code … 72小时内有效，且只能使用一次" (DOC-94888). */
export const RESPONSE_CODE_TTL_MS = 72 * 3600 * 1000;
/** Spend codes a little before WeCom's deadline: a code used at the edge may already be gone. */
export const RESPONSE_CODE_SAFETY_MS = 5 * 60 * 1000;

export interface WeComCardBatch {
  readonly taskId: string;
  readonly userIds: readonly string[];
  readonly status: 'pending' | 'sent';
  readonly sentAt?: number;
  /** Incident revision the recipients of this task currently see. */
  readonly renderedRevision: number;
  /** True when the incident changed and no code was left to update this task. */
  readonly stale: boolean;
  /** Digest of the template text these recipients last got (issue 13): a refresh with the same text does not log its cuts again. */
  readonly textDigest?: string;
}

export interface WeComCardRecord {
  readonly integrationId: string;
  readonly incidentId: string;
  readonly batches: readonly WeComCardBatch[];
  /** Responders we could not map to a WeCom user ("App Not Linked"). */
  readonly notLinked: readonly string[];
  /** Userids WeCom reported invalid on send. */
  readonly invalidUsers: readonly string[];
  readonly createdAt: number;
}

export interface ResponseCodeRecord {
  readonly taskId: string;
  readonly code: string;
  readonly source: 'send' | 'click';
  readonly obtainedAt: number;
  readonly used: boolean;
}

/** Deterministic batching: the same recipients always give the same batches (and task ids). */
export function batchRecipients(userIds: readonly string[], baseTaskId: string): { taskId: string; userIds: string[] }[] {
  const unique = [...new Set(userIds)].sort();
  const batches: { taskId: string; userIds: string[] }[] = [];
  for (let i = 0; i < unique.length; i += WECOM_MAX_RECIPIENTS_PER_CALL) {
    batches.push({ taskId: `${baseTaskId}-${batches.length}`, userIds: unique.slice(i, i + WECOM_MAX_RECIPIENTS_PER_CALL) });
  }
  return batches;
}

export function isCodeUsable(code: ResponseCodeRecord, nowMs: number): boolean {
  return !code.used && nowMs < code.obtainedAt + RESPONSE_CODE_TTL_MS - RESPONSE_CODE_SAFETY_MS;
}

/**
 * Which code to spend: the one closest to expiry first (a click code and a send code are equally
 * good; the older one would be lost soonest).
 */
export function pickCode(codes: readonly ResponseCodeRecord[], nowMs: number): ResponseCodeRecord | undefined {
  return codes.filter((c) => isCodeUsable(c, nowMs)).sort((a, b) => a.obtainedAt - b.obtainedAt)[0];
}
