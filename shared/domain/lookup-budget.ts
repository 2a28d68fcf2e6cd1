/**
 * The daily budget of failed user lookups for One-Click Link (issue 11 item 3).
 *
 * WeCom user/getuserid and user/get_userid_by_email: "若出错的次数超出企业人数上限的20%，会导致1天不可调用"
 * (DOC-95402 / DOC-95895, wecom.md §4.6): errors above 20% of the corp's headcount block the
 * lookups for a day. dutybridge stops well before that: at most `ratio` (default 10%) of the
 * headcount failed lookups per integration per day, counted in a shared counter so that two runs
 * on the same day cannot pass it together. With 10%, any 24-hour window WeCom may use spans at most
 * two of our days, so it holds at most 20% (never more than 20%). DingTalk getbymobile documents no
 * such block (dingtalk.md §4.6); the same budget bounds a run there too.
 */

export const DEFAULT_MAX_MISS_RATIO = 0.1;
/** WeCom blocks the lookups above this share of the headcount (wecom.md §4.6). */
export const WECOM_BLOCKING_MISS_RATIO = 0.2;

export class InvalidLookupBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLookupBudgetError';
  }
}

/**
 * Failed lookups allowed per day: floor(headcount × ratio). A call is made only while the misses
 * counted (including calls in flight) are below it, so the count never reaches more than this.
 */
export function missBudget(headcount: number, ratio: number = DEFAULT_MAX_MISS_RATIO): number {
  if (!Number.isInteger(headcount) || headcount < 1) throw new InvalidLookupBudgetError(`headcount must be a whole number ≥ 1 (got ${headcount})`);
  if (!Number.isFinite(ratio) || ratio <= 0 || ratio >= WECOM_BLOCKING_MISS_RATIO) {
    throw new InvalidLookupBudgetError(`the miss ratio must be above 0 and below ${WECOM_BLOCKING_MISS_RATIO} (WeCom blocks the lookups for a day above 20% of the headcount); got ${ratio}`);
  }
  // A tiny epsilon keeps 20 × 0.1 at 2 despite binary floating point.
  return Math.floor(headcount * ratio + 1e-9);
}

/**
 * The day misses are counted in: the calendar day in China Standard Time (UTC+8, no DST), where
 * both platforms run; an operator in China sees the budget renew at local midnight.
 */
export function lookupDay(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10);
}
