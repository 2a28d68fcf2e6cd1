import { SimClock } from './contract';

/**
 * A clock that follows real time plus an offset tests can push forward, so time-based rules
 * (token TTL, 72 h response_code validity, 5 min OAuth codes, per-minute windows) can be exercised
 * without waiting.
 */
export function createSimClock(startAtMs?: number): SimClock {
  const baseReal = Date.now();
  let offsetMs = startAtMs === undefined ? 0 : startAtMs - baseReal;
  return {
    now: () => Date.now() + offsetMs,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock can only move forward, got ${ms}`);
      offsetMs += ms;
    },
  };
}
