/**
 * Platform access tokens (WeCom access_token, DingTalk accessToken), shared by every function
 * instance. WeCom asks callers to cache the token and not to call gettoken often ("不能频繁调用
 * gettoken接口，否则会受到频率拦截", DOC-91039); DingTalk has the same rule. So:
 *
 * - each process keeps the token in memory and refreshes it AHEAD of expiry (default 5 min early),
 *   so no request waits on gettoken while the token is still good;
 * - processes share it through an AccessTokenStore (DynamoDB), and when it is missing or due for
 *   refresh only the holder of a short lease calls the platform; the others keep using a token that
 *   is still valid, or poll the store until the new one appears (then fetch themselves as a last
 *   resort, so a crashed lease holder cannot stall everyone);
 * - within one process, concurrent callers share one in-flight refresh.
 *
 * Tokens are secrets: nothing here logs them or puts them into error messages.
 */
import { randomUUID } from 'node:crypto';
import type { AccessTokenStore, CachedAccessToken, Clock } from './ports';
import { systemClock } from './ports';

export interface FetchedAccessToken {
  readonly token: string;
  /** Lifetime the platform announced (WeCom `expires_in`, normally 7200). */
  readonly expiresInSeconds: number;
}

export type FetchAccessToken = () => Promise<FetchedAccessToken>;

export interface TokenProviderOptions {
  readonly store: AccessTokenStore;
  readonly clock?: Clock;
  /** Refresh this long before the platform's expiry (default 5 min). */
  readonly refreshAheadMs?: number;
  /** Never hand out a token with less life left than this (default 30 s): a call takes time. */
  readonly minRemainingMs?: number;
  /** How long one refresher may hold the lease (default 10 s, longer than a gettoken call). */
  readonly leaseMs?: number;
  /** Poll interval while another process refreshes (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** How long to wait for another process's refresh before fetching anyway (default 3 s). */
  readonly maxWaitMs?: number;
  /** Lease holder identity; unique per process by default. */
  readonly holderId?: string;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class TokenFetchError extends Error {
  override readonly name = 'TokenFetchError';
}

interface MemoryEntry {
  readonly token: string;
  readonly expiresAtMs: number;
  /** When this process should start refreshing. */
  readonly refreshAtMs: number;
}

export const DEFAULT_REFRESH_AHEAD_MS = 5 * 60_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TokenProvider {
  private readonly store: AccessTokenStore;
  private readonly clock: Clock;
  private readonly refreshAheadMs: number;
  private readonly minRemainingMs: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;
  private readonly holderId: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly memory = new Map<string, MemoryEntry>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: TokenProviderOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.refreshAheadMs = options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
    this.minRemainingMs = options.minRemainingMs ?? 30_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.maxWaitMs = options.maxWaitMs ?? 3_000;
    this.holderId = options.holderId ?? randomUUID();
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * A token for `key` with at least `minRemainingMs` of life left. `fetchToken` asks the platform
   * for a new one; across all processes sharing the store it is normally called once per refresh.
   */
  async getToken(key: string, fetchToken: FetchAccessToken): Promise<string> {
    const cached = this.memory.get(key);
    const now = this.clock.nowMs();
    if (cached && now < cached.refreshAtMs) return cached.token;
    const running = this.inFlight.get(key);
    if (running) return running;
    const refresh = this.refresh(key, fetchToken).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, refresh);
    return refresh;
  }

  /**
   * Forgets a token the platform rejected (WeCom 40014/42001), here and in the store; the next
   * getToken fetches a new one. A newer token stored meanwhile is kept.
   */
  async invalidate(key: string, token: string): Promise<void> {
    if (this.memory.get(key)?.token === token) this.memory.delete(key);
    await this.store.invalidate(key, token);
  }

  private usable(token: CachedAccessToken | undefined, now: number): token is CachedAccessToken {
    return token !== undefined && now < token.expiresAtMs - this.minRemainingMs;
  }

  private due(token: CachedAccessToken, now: number): boolean {
    return now >= token.expiresAtMs - this.refreshAheadMs;
  }

  private remember(key: string, token: CachedAccessToken, refreshAtMs = token.expiresAtMs - this.refreshAheadMs): string {
    this.memory.set(key, { token: token.token, expiresAtMs: token.expiresAtMs, refreshAtMs });
    return token.token;
  }

  private async refresh(key: string, fetchToken: FetchAccessToken): Promise<string> {
    const stored = await this.store.get(key);
    if (this.usable(stored, this.clock.nowMs()) && !this.due(stored, this.clock.nowMs())) return this.remember(key, stored);

    if (await this.store.tryLease(key, this.holderId, this.leaseMs)) {
      try {
        // Another process may have stored a fresh token between our read and the lease.
        const again = await this.store.get(key);
        if (this.usable(again, this.clock.nowMs()) && !this.due(again, this.clock.nowMs())) return this.remember(key, again);
        return await this.fetchAndStore(key, fetchToken);
      } finally {
        await this.store.releaseLease(key, this.holderId);
      }
    }

    // Someone else is refreshing. A token that is merely due for refresh is still good: use it
    // without caching, so the next call picks up the refreshed one.
    if (this.usable(stored, this.clock.nowMs())) return stored.token;

    const deadline = this.clock.nowMs() + this.maxWaitMs;
    while (this.clock.nowMs() < deadline) {
      await this.sleep(this.pollIntervalMs);
      const polled = await this.store.get(key);
      if (this.usable(polled, this.clock.nowMs())) {
        return this.due(polled, this.clock.nowMs()) ? polled.token : this.remember(key, polled);
      }
    }
    // The lease holder is slow or gone; fetching ourselves costs one extra gettoken, not an outage.
    return this.fetchAndStore(key, fetchToken);
  }

  private async fetchAndStore(key: string, fetchToken: FetchAccessToken): Promise<string> {
    const fetchedAt = this.clock.nowMs();
    const fetched = await fetchToken();
    if (typeof fetched.token !== 'string' || fetched.token.length === 0) throw new TokenFetchError(`token source for ${key} returned an empty token`);
    if (!Number.isFinite(fetched.expiresInSeconds) || fetched.expiresInSeconds <= 0) {
      throw new TokenFetchError(`token source for ${key} returned a lifetime of ${fetched.expiresInSeconds} s`);
    }
    const lifetimeMs = fetched.expiresInSeconds * 1000;
    const token: CachedAccessToken = { token: fetched.token, expiresAtMs: fetchedAt + lifetimeMs };
    await this.store.put(key, token);
    // A lifetime shorter than the refresh-ahead window would refresh on every call; refresh at
    // half-life at the earliest.
    return this.remember(key, token, fetchedAt + Math.max(lifetimeMs - this.refreshAheadMs, lifetimeMs / 2));
  }
}

/** AccessTokenStore in process memory: tests, the local CLI, and single-process use. */
export class InMemoryAccessTokenStore implements AccessTokenStore {
  private readonly tokens = new Map<string, CachedAccessToken>();
  private readonly leases = new Map<string, { holder: string; untilMs: number }>();

  constructor(private readonly clock: Clock = systemClock) {}

  async get(key: string): Promise<CachedAccessToken | undefined> {
    return this.tokens.get(key);
  }

  async put(key: string, token: CachedAccessToken): Promise<void> {
    const current = this.tokens.get(key);
    // Same rule as the DynamoDB store: an older token never replaces a newer one.
    if (current && current.expiresAtMs > token.expiresAtMs) return;
    this.tokens.set(key, { token: token.token, expiresAtMs: token.expiresAtMs });
  }

  async tryLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.nowMs();
    const lease = this.leases.get(key);
    if (lease && lease.untilMs > now && lease.holder !== holder) return false;
    this.leases.set(key, { holder, untilMs: now + ttlMs });
    return true;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    if (this.leases.get(key)?.holder === holder) this.leases.delete(key);
  }

  async invalidate(key: string, token: string): Promise<void> {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }
}
