import { InMemoryAccessTokenStore, TokenFetchError, TokenProvider, type FetchedAccessToken } from '../../../shared/application/token-provider';
import type { AccessTokenStore, Clock } from '../../../shared/application/ports';

class ManualClock implements Clock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
}

/** A fetch that counts calls, answers after a delay, and hands out tok1, tok2, … */
function countingFetch(expiresInSeconds = 7200, delayMs = 20) {
  let calls = 0;
  const fetchToken = async (): Promise<FetchedAccessToken> => {
    calls += 1;
    const n = calls;
    await new Promise((r) => setTimeout(r, delayMs));
    return { token: `tok${n}`, expiresInSeconds };
  };
  return { fetchToken, calls: () => calls };
}

describe('TokenProvider', () => {
  it('10 concurrent callers in one process → one fetch', async () => {
    const store = new InMemoryAccessTokenStore();
    const provider = new TokenProvider({ store });
    const source = countingFetch();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getToken('k', source.fetchToken)));
    expect(source.calls()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['tok1']));
    expect((await store.get('k'))?.token).toBe('tok1');
  });

  it('10 processes sharing one store → one fetch (lease); the others poll the store', async () => {
    const store = new InMemoryAccessTokenStore();
    const source = countingFetch(7200, 150);
    const providers = Array.from({ length: 10 }, (_, i) => new TokenProvider({ store, holderId: `p${i}`, pollIntervalMs: 20 }));
    const tokens = await Promise.all(providers.map((p) => p.getToken('k', source.fetchToken)));
    expect(source.calls()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['tok1']));
  });

  it('serves from memory without touching the store until the refresh-ahead point', async () => {
    const clock = new ManualClock();
    const store = new InMemoryAccessTokenStore(clock);
    const get = jest.spyOn(store, 'get');
    const provider = new TokenProvider({ store, clock });
    const source = countingFetch(7200, 0);
    await provider.getToken('k', source.fetchToken);
    get.mockClear();
    clock.now += (7200 - 301) * 1000; // just before the 5-minute refresh-ahead window
    expect(await provider.getToken('k', source.fetchToken)).toBe('tok1');
    expect(get).not.toHaveBeenCalled();
    clock.now += 2000; // inside the window: refreshed although tok1 is still valid
    expect(await provider.getToken('k', source.fetchToken)).toBe('tok2');
    expect(source.calls()).toBe(2);
    expect((await store.get('k'))?.token).toBe('tok2');
  });

  it('picks up a token another process stored instead of fetching', async () => {
    const clock = new ManualClock();
    const store = new InMemoryAccessTokenStore(clock);
    await store.put('k', { token: 'shared', expiresAtMs: clock.now + 3600_000 });
    const source = countingFetch();
    expect(await new TokenProvider({ store, clock }).getToken('k', source.fetchToken)).toBe('shared');
    expect(source.calls()).toBe(0);
  });

  it('keeps using a still-valid token while another process holds the refresh lease', async () => {
    const clock = new ManualClock();
    const store = new InMemoryAccessTokenStore(clock);
    await store.put('k', { token: 'old', expiresAtMs: clock.now + 60_000 }); // due (inside 5 min), valid
    expect(await store.tryLease('k', 'other', 10_000)).toBe(true);
    const source = countingFetch();
    expect(await new TokenProvider({ store, clock }).getToken('k', source.fetchToken)).toBe('old');
    expect(source.calls()).toBe(0);
  });

  it('fetches itself when the lease holder never delivers', async () => {
    const store = new InMemoryAccessTokenStore();
    expect(await store.tryLease('k', 'crashed', 60_000)).toBe(true);
    const source = countingFetch(7200, 0);
    const provider = new TokenProvider({ store, pollIntervalMs: 10, maxWaitMs: 100 });
    const started = Date.now();
    expect(await provider.getToken('k', source.fetchToken)).toBe('tok1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(source.calls()).toBe(1);
  });

  it('invalidate drops the rejected token here and in the store; the next call fetches', async () => {
    const store = new InMemoryAccessTokenStore();
    const provider = new TokenProvider({ store });
    const source = countingFetch(7200, 0);
    expect(await provider.getToken('k', source.fetchToken)).toBe('tok1');
    await provider.invalidate('k', 'tok1');
    expect(await store.get('k')).toBeUndefined();
    expect(await provider.getToken('k', source.fetchToken)).toBe('tok2');
  });

  it('invalidate keeps a newer token stored meanwhile', async () => {
    const store = new InMemoryAccessTokenStore();
    const provider = new TokenProvider({ store });
    const source = countingFetch(7200, 0);
    await provider.getToken('k', source.fetchToken);
    await store.put('k', { token: 'newer', expiresAtMs: Date.now() + 7_200_000 + 60_000 });
    await provider.invalidate('k', 'tok1');
    expect((await store.get('k'))?.token).toBe('newer');
    expect(await provider.getToken('k', source.fetchToken)).toBe('newer');
  });

  it('releases the lease when the fetch fails, and the error reaches the caller', async () => {
    const store = new InMemoryAccessTokenStore();
    const provider = new TokenProvider({ store, holderId: 'me' });
    await expect(provider.getToken('k', async () => Promise.reject(new Error('gettoken down')))).rejects.toThrow('gettoken down');
    expect(await store.tryLease('k', 'someone-else', 1000)).toBe(true);
  });

  it('refuses empty tokens and non-positive lifetimes', async () => {
    const provider = new TokenProvider({ store: new InMemoryAccessTokenStore() });
    await expect(provider.getToken('a', async () => ({ token: '', expiresInSeconds: 7200 }))).rejects.toThrow(TokenFetchError);
    await expect(provider.getToken('b', async () => ({ token: 't', expiresInSeconds: 0 }))).rejects.toThrow(TokenFetchError);
  });

  it('a lifetime shorter than the refresh-ahead window is reused until half-life', async () => {
    const clock = new ManualClock();
    const provider = new TokenProvider({ store: new InMemoryAccessTokenStore(clock), clock, minRemainingMs: 0 });
    const source = countingFetch(120, 0);
    await provider.getToken('k', source.fetchToken);
    clock.now += 50_000;
    await provider.getToken('k', source.fetchToken);
    expect(source.calls()).toBe(1);
  });

  it('keys are independent', async () => {
    const provider = new TokenProvider({ store: new InMemoryAccessTokenStore() });
    const a = countingFetch(7200, 0);
    const b = countingFetch(7200, 0);
    await provider.getToken('a', a.fetchToken);
    await provider.getToken('b', b.fetchToken);
    expect([a.calls(), b.calls()]).toEqual([1, 1]);
  });
});

describe('InMemoryAccessTokenStore', () => {
  it('leases are exclusive until released or expired; an older token never replaces a newer one', async () => {
    const clock = new ManualClock();
    const store: AccessTokenStore = new InMemoryAccessTokenStore(clock);
    expect(await store.tryLease('k', 'a', 1000)).toBe(true);
    expect(await store.tryLease('k', 'b', 1000)).toBe(false);
    expect(await store.tryLease('k', 'a', 1000)).toBe(true);
    await store.releaseLease('k', 'b');
    expect(await store.tryLease('k', 'b', 1000)).toBe(false);
    clock.now += 1001;
    expect(await store.tryLease('k', 'b', 1000)).toBe(true);
    await store.put('k', { token: 'new', expiresAtMs: 2000 });
    await store.put('k', { token: 'old', expiresAtMs: 1000 });
    expect((await store.get('k'))?.token).toBe('new');
  });
});
