/**
 * Distributed QPS limiter for DingTalk's app × API limit (Standard: 20 calls per second; the
 * official advice is a counter keyed by the current second, dingtalk.md §5.2), shared by every
 * Lambda instance through one DynamoDB item per (app, api, epoch second) with a TTL.
 *
 * What it guarantees:
 *  1. Hard: at most N grants per (app, api) per epoch second, whatever the callers' clocks — the
 *     count only moves through conditional writes (`n < N`).
 *  2. Sliding window: grant `c` (1..N) of second `k` is released at its slot time
 *     `p = k·1000 + ceil((c−1)·spread/N)` ms (spread = 1000 − boundaryGuardMs), never earlier, and
 *     a slot whose time has already passed when a caller asks is never handed out (the counter is
 *     first moved past it). Slot times increase strictly and slot j+N is exactly 1000 ms after
 *     slot j, so a half-open 1000 ms interval — a run of consecutive slots — cannot hold both j
 *     and j+N: at most N starts in ANY sliding second, and a window boundary cannot admit 2N.
 *     The residual error is the time between reading the clock and the write landing (one
 *     DynamoDB round trip) plus timer lateness; both only ever delay a start.
 *  3. The last slot of a second is released `boundaryGuardMs` + one spacing before the next
 *     second begins, so a call delayed by event-loop or network jitter still reaches a platform
 *     that counts per aligned second inside the right second. This costs no throughput. A slot
 *     that is already more than max(boundaryGuardMs/2, 20 ms) in the past when its write returns (slow
 *     DynamoDB, a stalled event loop) is burnt rather than used late.
 *  Assumes the instances' clocks agree to within a few ms (Lambda hosts are NTP-synchronised).
 *
 * A caller that finds the current second full reserves a slot in a later one and sleeps until
 * its slot time, so a backlog drains at the full rate without busy retries. It gives up with
 * QpsLimiterSaturatedError when the next free slot is further away than `maxWaitMs`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QpsLimiterSaturatedError, type QpsGrant, type QpsLimiter } from '../../application/dispatch-ports';
import { systemClock, type Clock } from '../../application/ports';

export { QpsLimiterSaturatedError, type QpsGrant, type QpsLimiter };

/** Storage of the per-second slot counters (DynamoDB in AWS, memory in unit tests). */
export interface QpsSlotStore {
  /** Sets the counter to `slot` when it is absent or below it (skipping past slots); true on success. */
  jumpTo(key: string, second: number, slot: number): Promise<boolean>;
  /** Adds 1 when the counter is ≥ `atLeast` and < `cap`; the new value, or undefined when refused. */
  increment(key: string, second: number, atLeast: number, cap: number): Promise<number | undefined>;
}

export interface QpsLimiterOptions {
  /** Calls per second per (app, api); a number or a lookup. */
  readonly limit: number | ((app: string, api: string) => number);
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Longest wait for a slot before giving up (default 10 000 ms). */
  readonly maxWaitMs?: number;
  /** Slots of a second are spread over its first 1000 − boundaryGuardMs ms (default 150). */
  readonly boundaryGuardMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const DEFAULT_BOUNDARY_GUARD_MS = 150;

/** First slot (1-based) whose release time is not before `offsetMs` into the second. */
export function firstUsableSlot(offsetMs: number, cap: number, spreadMs = 1000): number {
  if (offsetMs <= 0) return 1;
  // Slot c is released at ceil((c−1)·spread/cap); asking for (c−1)·spread/cap ≥ offset is the
  // safe side of the ceiling, and the tolerance absorbs float error on exact grid points.
  return Math.ceil((offsetMs * cap) / spreadMs - 1e-9) + 1;
}

export function slotReleaseMs(second: number, slot: number, cap: number, spreadMs = 1000): number {
  return second * 1000 + Math.ceil(((slot - 1) * spreadMs) / cap);
}

export class SlottedQpsLimiter implements QpsLimiter {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  private readonly spreadMs: number;
  private readonly staleAfterMs: number;
  /** Last counter value seen per key+second: lets a caller skip a write that is sure to fail. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly store: QpsSlotStore,
    private readonly options: QpsLimiterOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? defaultSleep;
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
    const guard = options.boundaryGuardMs ?? DEFAULT_BOUNDARY_GUARD_MS;
    if (!(guard >= 0 && guard < 1000)) throw new RangeError(`boundaryGuardMs must be in [0, 1000), got ${guard}`);
    this.spreadMs = 1000 - guard;
    this.staleAfterMs = Math.max(guard / 2, 20);
  }

  async acquire(app: string, api: string): Promise<QpsGrant> {
    const cap = typeof this.options.limit === 'number' ? this.options.limit : this.options.limit(app, api);
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`QPS limit must be a whole number ≥ 1, got ${cap}`);
    const key = `${app}#${api}`;
    const startedMs = this.clock.nowMs();
    let second = Math.floor(startedMs / 1000);
    for (;;) {
      const nowMs = this.clock.nowMs();
      second = Math.max(second, Math.floor(nowMs / 1000));
      if (second * 1000 - nowMs > this.maxWaitMs) throw new QpsLimiterSaturatedError(app, api, this.maxWaitMs);
      const minSlot = firstUsableSlot(nowMs - second * 1000, cap, this.spreadMs);
      const slot = minSlot > cap ? undefined : await this.claim(key, second, minSlot, cap);
      if (slot === undefined) {
        second += 1;
        continue;
      }
      const releaseAtMs = slotReleaseMs(second, slot, cap, this.spreadMs);
      const waitMs = releaseAtMs - this.clock.nowMs();
      // The write took so long that the slot is well in the past: starting now could spill into
      // the next second. Burn it (the counter cannot go back) and claim a fresh one.
      if (-waitMs > this.staleAfterMs) continue;
      if (waitMs > 0) await this.sleep(waitMs);
      this.forgetOld(second);
      return { second, slot, releaseAtMs, waitedMs: this.clock.nowMs() - startedMs };
    }
  }

  /** Claims a slot ≥ minSlot in `second`, or undefined when the second is full. */
  private async claim(key: string, second: number, minSlot: number, cap: number): Promise<number | undefined> {
    const seenKey = `${key}@${second}`;
    const seen = this.seen.get(seenKey);
    if (seen !== undefined && seen >= cap) return undefined;
    // When the counter is known to be at or past minSlot − 1, incrementing is the likely winner.
    const order: ('jump' | 'increment')[] = seen !== undefined && seen >= minSlot - 1 ? ['increment', 'jump', 'increment'] : ['jump', 'increment'];
    for (const step of order) {
      if (step === 'jump') {
        if (await this.store.jumpTo(key, second, minSlot)) {
          this.seen.set(seenKey, minSlot);
          return minSlot;
        }
      } else {
        const slot = await this.store.increment(key, second, minSlot - 1, cap);
        if (slot !== undefined) {
          this.seen.set(seenKey, slot);
          return slot;
        }
      }
    }
    this.seen.set(seenKey, cap);
    return undefined;
  }

  private forgetOld(currentSecond: number): void {
    if (this.seen.size < 256) return;
    for (const key of this.seen.keys()) {
      const second = Number(key.slice(key.lastIndexOf('@') + 1));
      if (second < currentSecond - 1) this.seen.delete(key);
    }
  }
}

/** Counters kept in memory: for unit tests and single-process tools. */
export class InMemoryQpsSlotStore implements QpsSlotStore {
  private readonly counters = new Map<string, number>();

  async jumpTo(key: string, second: number, slot: number): Promise<boolean> {
    await Promise.resolve();
    const id = `${key}@${second}`;
    const current = this.counters.get(id);
    if (current !== undefined && current >= slot) return false;
    this.counters.set(id, slot);
    return true;
  }

  async increment(key: string, second: number, atLeast: number, cap: number): Promise<number | undefined> {
    await Promise.resolve();
    const id = `${key}@${second}`;
    const current = this.counters.get(id);
    if (current === undefined || current < atLeast || current >= cap) return undefined;
    this.counters.set(id, current + 1);
    return current + 1;
  }
}

/** Seconds a counter item outlives its second (DynamoDB TTL deletes lazily; nothing reads old items). */
const COUNTER_TTL_SECONDS = 120;

/** Item `pk = QPS#<app>#<api>`, `sk = <epoch second>`, attribute `n`. */
export class DynamoQpsSlotStore implements QpsSlotStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async jumpTo(key: string, second: number, slot: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `QPS#${key}`, sk: String(second) },
          UpdateExpression: 'SET n = :slot, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(n) OR n < :slot',
          ExpressionAttributeValues: { ':slot': slot, ':expires': second + COUNTER_TTL_SECONDS },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async increment(key: string, second: number, atLeast: number, cap: number): Promise<number | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `QPS#${key}`, sk: String(second) },
          UpdateExpression: 'ADD n :one',
          ConditionExpression: 'n >= :atLeast AND n < :cap',
          ExpressionAttributeValues: { ':one': 1, ':atLeast': atLeast, ':cap': cap },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const value = out.Attributes?.n;
      return typeof value === 'number' ? value : Number(value);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

/** The limiter over DynamoDB: usually one or two conditional writes per grant, three at most per second tried. */
export class DynamoQpsLimiter extends SlottedQpsLimiter {
  constructor(client: DynamoDBDocumentClient, tableName: string, options: QpsLimiterOptions) {
    super(new DynamoQpsSlotStore(client, tableName), options);
  }
}
