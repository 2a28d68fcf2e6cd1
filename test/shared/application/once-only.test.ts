import { CallbackInProgressError, onceOnly } from '../../../shared/application/callback-dedupe';
import type { DedupeStore } from '../../../shared/application/ports';

/** Same contract as DynamoDedupeStore, on a controllable clock. */
class MemoryDedupe implements DedupeStore {
  nowSeconds = 1000;
  readonly items = new Map<string, { state: 'pending' | 'done'; expiresAt: number }>();
  async claim(key: string, pendingSeconds: number) {
    const item = this.items.get(key);
    if (item && item.expiresAt >= this.nowSeconds) return item.state;
    this.items.set(key, { state: 'pending', expiresAt: this.nowSeconds + pendingSeconds });
    return 'claimed' as const;
  }
  async complete(key: string, ttlSeconds: number) {
    this.items.set(key, { state: 'done', expiresAt: this.nowSeconds + ttlSeconds });
  }
  async release(key: string) {
    this.items.delete(key);
  }
}

describe('onceOnly (callback de-duplication)', () => {
  it('runs the work once and answers replays as duplicates', async () => {
    const dedupe = new MemoryDedupe();
    let runs = 0;
    const work = async () => ++runs;
    expect(await onceOnly(dedupe, 'k', work)).toEqual({ kind: 'done', value: 1 });
    expect(await onceOnly(dedupe, 'k', work)).toEqual({ kind: 'duplicate' });
    expect(runs).toBe(1);
  });

  it('asks the platform to retry (503) while the first delivery is still working', async () => {
    const dedupe = new MemoryDedupe();
    let finish!: () => void;
    const first = onceOnly(dedupe, 'k', () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setImmediate(r));
    await expect(onceOnly(dedupe, 'k', async () => undefined)).rejects.toBeInstanceOf(CallbackInProgressError);
    finish();
    expect((await first).kind).toBe('done');
  });

  it('a delivery that failed or died does not swallow the retry', async () => {
    const dedupe = new MemoryDedupe();
    await expect(onceOnly(dedupe, 'failed', async () => Promise.reject(new Error('queue down')))).rejects.toThrow('queue down');
    expect((await onceOnly(dedupe, 'failed', async () => 'ok')).kind).toBe('done');

    // A claim left by an invocation that died lapses after the pending window.
    await dedupe.claim('died', 8);
    await expect(onceOnly(dedupe, 'died', async () => 'ok')).rejects.toBeInstanceOf(CallbackInProgressError);
    dedupe.nowSeconds += 9;
    expect(await onceOnly(dedupe, 'died', async () => 'ok')).toEqual({ kind: 'done', value: 'ok' });
  });
});
