/**
 * Imported first by the dispatch bench's worker processes: a process-wide clock offset, so the
 * quota run can put each wave of calls into its own 10-minute digest window and run the scheduled
 * flush-digests "10 minutes later" without waiting. Every worker is given the same offset at the
 * same time; offsets are whole seconds, so the QPS limiter's per-second slots stay aligned with the
 * simulator's real seconds.
 */
const realNow = Date.now.bind(Date);
let offsetMs = 0;
Date.now = () => realNow() + offsetMs;

export function setClockOffset(ms: number): void {
  if (!Number.isInteger(ms / 1000)) throw new RangeError(`clock offsets are whole seconds, got ${ms} ms`);
  offsetMs = ms;
}
