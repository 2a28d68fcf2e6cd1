import fc from 'fast-check';
import { maxInSlidingWindow } from './rate-windows';
import {
  InMemoryQpsSlotStore,
  QpsLimiterSaturatedError,
  SlottedQpsLimiter,
  firstUsableSlot,
  slotReleaseMs,
  type QpsGrant,
} from '../../../../shared/adapters/aws/qps-limiter';
import { ManualTime } from './manual-time';

const T0 = 1_700_000_000_000;

/** Starts `arrivals.length` acquirers, the i-th at T0 + arrivals[i] ms of virtual time. */
async function runAcquirers(cap: number, arrivals: number[], options: { maxWaitMs?: number; app?: (i: number) => string; boundaryGuardMs?: number } = {}) {
  const time = new ManualTime(T0);
  const limiter = new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: cap, clock: time.clock, sleep: time.sleep, maxWaitMs: options.maxWaitMs ?? 60_000, boundaryGuardMs: options.boundaryGuardMs ?? 0 });
  const results = await time.runUntilSettled(
    arrivals.map(async (offset, i) => {
      await time.sleep(offset);
      const askedAt = time.now;
      const grant = await limiter.acquire(options.app?.(i) ?? 'app', 'card/instances');
      return { askedAt, startedAt: time.now, grant };
    }),
  );
  return results;
}

describe('slot arithmetic', () => {
  it('never hands out a slot whose time has passed', () => {
    expect(firstUsableSlot(0, 20)).toBe(1);
    expect(firstUsableSlot(1, 20)).toBe(2);
    expect(firstUsableSlot(50, 20)).toBe(2); // slot 2 starts exactly at 50 ms
    expect(firstUsableSlot(51, 20)).toBe(3);
    expect(firstUsableSlot(999, 20)).toBe(21); // the second is over
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 500 }), (cap, offset, guard) => {
        const spread = 1000 - guard;
        const slot = firstUsableSlot(offset, cap, spread);
        if (slot <= cap) expect(slotReleaseMs(0, slot, cap, spread)).toBeGreaterThanOrEqual(offset);
        if (slot > 1 && slot <= cap + 1) expect(((slot - 2) * spread) / cap).toBeLessThan(offset);
      }),
    );
  });
});

describe('SlottedQpsLimiter (in-memory store, virtual clock)', () => {
  it('drains a burst of 100 at exactly 20 per second, evenly spaced', async () => {
    const results = await runAcquirers(20, Array.from({ length: 100 }, () => 0));
    const starts = results.map((r) => r.startedAt).sort((a, b) => a - b);
    expect(starts[0]).toBe(T0);
    expect(starts[99]).toBe(T0 + 4950); // 100 calls = 5 s of slots, the last at 4.95 s
    expect(maxInSlidingWindow(starts, 1000)).toBe(20);
    expect(new Set(results.map((r) => `${r.grant.second}:${r.grant.slot}`)).size).toBe(100);
  });

  it('a burst at the end of a second cannot be followed by a full second (no 2N at the boundary)', async () => {
    // 20 arrive at .990 s, 20 more at 1.000 s: naive per-second counting would start 40 within 10 ms.
    const results = await runAcquirers(20, [...Array.from({ length: 20 }, () => 990), ...Array.from({ length: 20 }, () => 1000)]);
    const starts = results.map((r) => r.startedAt);
    expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(20);
    for (const r of results) expect(r.startedAt).toBeGreaterThanOrEqual(r.askedAt);
  });

  it('property: any arrivals, any guard → ≤ N starts in every sliding second, ≤ N per epoch second, never before asking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 150 }), fc.integer({ min: 0, max: 400 }), async (cap, arrivals, boundaryGuardMs) => {
        const results = await runAcquirers(cap, arrivals, { boundaryGuardMs });
        const starts = results.map((r) => r.startedAt);
        expect(maxInSlidingWindow(starts, 1000)).toBeLessThanOrEqual(cap);
        const perSecond = new Map<number, number>();
        for (const { grant } of results) perSecond.set(grant.second, (perSecond.get(grant.second) ?? 0) + 1);
        for (const count of perSecond.values()) expect(count).toBeLessThanOrEqual(cap);
        for (const r of results) {
          expect(r.startedAt).toBeGreaterThanOrEqual(r.askedAt);
          expect(r.startedAt).toBe(r.grant.releaseAtMs);
          expect(r.grant.releaseAtMs - r.grant.second * 1000).toBeLessThan(1000 - boundaryGuardMs);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the guard keeps the last slot of a second clear of the boundary without losing throughput', async () => {
    const results = await runAcquirers(20, Array.from({ length: 60 }, () => 0), { boundaryGuardMs: 150 });
    const offsets = results.map((r) => r.grant.releaseAtMs - r.grant.second * 1000);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(850 - 850 / 20 + 1);
    expect(Math.max(...results.map((r) => r.startedAt))).toBeLessThan(T0 + 3000); // still 20 per second
    expect(maxInSlidingWindow(results.map((r) => r.startedAt), 1000)).toBe(20);
  });

  it('keeps apps apart', async () => {
    const results = await runAcquirers(10, Array.from({ length: 20 }, () => 0), { app: (i) => (i % 2 === 0 ? 'a' : 'b') });
    // 10 per app fit in the first second.
    expect(Math.max(...results.map((r) => r.startedAt))).toBeLessThan(T0 + 1000);
  });

  it('gives up when the next free slot is further than maxWaitMs', async () => {
    const time = new ManualTime(T0);
    const limiter = new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: 2, clock: time.clock, sleep: time.sleep, maxWaitMs: 1500 });
    const attempts = Array.from({ length: 8 }, () => limiter.acquire('app', 'x').then((g: QpsGrant) => g, (e: unknown) => e));
    const outcomes = await time.runUntilSettled(attempts);
    const refused = outcomes.filter((o) => o instanceof QpsLimiterSaturatedError);
    expect(refused.length).toBeGreaterThan(0);
    expect(outcomes.length - refused.length).toBeLessThanOrEqual(6); // seconds 0, 1 and 1.5 s ahead at most
  });

  it('rejects a nonsense limit', async () => {
    const limiter = new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: 0 });
    await expect(limiter.acquire('a', 'b')).rejects.toThrow(RangeError);
  });
});
