/** Virtual time for tests: sleeps resolve when the test advances the clock past them. */
import type { Clock } from '../../../../shared/application/ports';

export class ManualTime {
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  constructor(public now: number) {}

  readonly clock: Clock = { nowMs: () => this.now };

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.now + Math.max(0, ms), seq: this.seq++, resolve });
    });

  /** Runs until every given promise settles, jumping the clock from timer to timer. */
  async runUntilSettled<T>(promises: Promise<T>[]): Promise<T[]> {
    let settled = false;
    const all = Promise.all(promises).finally(() => {
      settled = true;
    });
    all.catch(() => undefined);
    for (let guard = 0; guard < 1_000_000; guard++) {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      if (settled) return all;
      if (this.timers.length === 0) continue;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
    throw new Error('virtual time ran away');
  }
}
