/**
 * The DingTalk card callback on in-memory ports: authentication before work (header shape and
 * freshness before any lookup, one uniform 401), the replay window, each signature accepted once
 * (a changed body under used headers is refused with 409 and changes nothing), exact replays
 * answered without acting twice, and a failed click that leaves its signature usable for the retry.
 */
import { DingTalkCardCallbackUseCase, DEFAULT_CARD_CALLBACK_MAX_SKEW_MS, type CardClick } from '../../../shared/application/dingtalk-cards';
import type { DedupeStore, IntegrationRepository } from '../../../shared/application/ports';
import { RequestRejectedError } from '../../../shared/domain/errors';
import { dingTalkCardSignature } from '../../../shared/crypto';
import type { Integration } from '../../../shared/domain/integration';

const NOW = Date.UTC(2026, 10, 30, 2, 0, 0);
const SECRET = 'unit-card-api-secret';
const ding = { id: 'acme-ding', platform: 'dingtalk', settings: { clientId: 'dingclient' } } as unknown as Integration;
const wecom = { id: 'acme-wecom', platform: 'wecom', settings: { corpId: 'ww1' } } as unknown as Integration;

class MemoryDedupe implements DedupeStore {
  readonly items = new Map<string, { state: 'pending' | 'done'; expiresAt: number }>();
  constructor(private readonly nowSeconds: () => number) {}
  async claim(key: string, pendingSeconds: number) {
    const item = this.items.get(key);
    if (item && item.expiresAt >= this.nowSeconds()) return item.state;
    this.items.set(key, { state: 'pending', expiresAt: this.nowSeconds() + pendingSeconds });
    return 'claimed' as const;
  }
  async complete(key: string, ttlSeconds: number) {
    this.items.set(key, { state: 'done', expiresAt: this.nowSeconds() + ttlSeconds });
  }
  async release(key: string) {
    this.items.delete(key);
  }
}

function setup(options: { maxSkewMs?: number; failClicks?: number } = {}) {
  let now = NOW;
  const lookups: string[] = [];
  const repo: IntegrationRepository = {
    get: async (id) => {
      lookups.push(id);
      return [ding, wecom].find((i) => i.id === id);
    },
    put: async () => undefined,
    list: async () => [],
    delete: async () => false,
  };
  const clicks: CardClick[] = [];
  let failures = options.failClicks ?? 0;
  const dedupe = new MemoryDedupe(() => Math.floor(now / 1000));
  const useCase = new DingTalkCardCallbackUseCase({
    integrations: repo,
    secrets: { dingTalk: async () => ({ clientSecret: 's', token: 't', aesKey: 'a', cardApiSecret: SECRET }), weCom: async () => ({}) as never },
    dedupe,
    clicks: {
      onClick: async (click) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('DynamoDB is down');
        }
        clicks.push(click);
        return { kind: 'update', cardParamMap: { status: 'Snoozed' } };
      },
    },
    clock: { nowMs: () => now },
    ...(options.maxSkewMs !== undefined ? { maxSkewMs: options.maxSkewMs } : {}),
  });
  const body = (userId = 'lina', action = 'snooze:120') =>
    Buffer.from(JSON.stringify({ type: 'actionCallback', outTrackId: 'db-x-0', userId, content: JSON.stringify({ cardPrivateData: { actionIds: [action], params: { action } } }) }));
  const headers = (ts = now, secret = SECRET) => ({ 'x-ddpaas-signature-timestamp': String(ts), 'x-ddpaas-signature': dingTalkCardSignature(secret, String(ts)) });
  const send = (h: Record<string, string | undefined>, b = body(), integrationId = ding.id) => useCase.handle({ method: 'POST', integrationId, rawQuery: '', headers: h, body: b });
  const rejection = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof RequestRejectedError)) throw new Error(`expected a rejection, got ${String(error)}`);
    return { status: error.statusCode, code: error.code, message: error.message };
  };
  return { useCase, dedupe, clicks, lookups, body, headers, send, rejection, advance: (ms: number) => (now += ms) };
}

describe('authentication before work', () => {
  it.each([
    ['no headers', {}],
    ['a timestamp of 10 digits (seconds)', { 'x-ddpaas-signature-timestamp': String(Math.floor(NOW / 1000)), 'x-ddpaas-signature': 'A'.repeat(43) + '=' }],
    ['a signature that is not 44 characters of base64', { 'x-ddpaas-signature-timestamp': String(NOW), 'x-ddpaas-signature': 'abc' }],
    ['a signature in hex', { 'x-ddpaas-signature-timestamp': String(NOW), 'x-ddpaas-signature': 'a'.repeat(64) }],
  ])('refuses %s with the uniform 401 before looking the integration up', async (_name, headers) => {
    const s = setup();
    expect(await s.rejection(s.send(headers))).toEqual({ status: 401, code: 'unauthorized', message: 'the request could not be authenticated' });
    expect(s.lookups).toEqual([]);
  });

  it('answers an unknown id, a WeCom id and a wrong signature with the same 401 body, which does not echo the id', async () => {
    const s = setup();
    const unknown = await s.rejection(s.send(s.headers(), s.body(), 'no-such-integration'));
    const otherPlatform = await s.rejection(s.send(s.headers(), s.body(), wecom.id));
    const wrongSignature = await s.rejection(s.send(s.headers(NOW, 'another-secret')));
    expect(unknown).toEqual({ status: 401, code: 'unauthorized', message: expect.any(String) });
    expect(otherPlatform).toEqual(unknown);
    expect(wrongSignature).toEqual(unknown);
    expect(unknown.message).not.toContain('no-such-integration');
    expect(s.clicks).toHaveLength(0);
    expect(s.dedupe.items.size).toBe(0);
  });
});

describe('replay window', () => {
  it(`is ${DEFAULT_CARD_CALLBACK_MAX_SKEW_MS / 60_000} minutes by default: older or later timestamps are stale_timestamp, before any lookup`, async () => {
    const s = setup();
    for (const skew of [-DEFAULT_CARD_CALLBACK_MAX_SKEW_MS - 1000, DEFAULT_CARD_CALLBACK_MAX_SKEW_MS + 1000]) {
      expect(await s.rejection(s.send(s.headers(NOW + skew)))).toEqual({ status: 401, code: 'stale_timestamp', message: expect.any(String) });
    }
    expect(s.lookups).toEqual([]);
    expect((await s.send(s.headers(NOW - DEFAULT_CARD_CALLBACK_MAX_SKEW_MS + 1000))).outcome).toBe('handled');
  });

  it('follows the configured window', async () => {
    const s = setup({ maxSkewMs: 60_000 });
    expect((await s.rejection(s.send(s.headers(NOW - 61_000)))).code).toBe('stale_timestamp');
    expect((await s.send(s.headers(NOW - 59_000))).outcome).toBe('handled');
  });
});

describe('each signature accepted once', () => {
  it('refuses the same headers with a changed body (another user, another button) with 409, and changes nothing', async () => {
    const s = setup();
    const headers = s.headers();
    expect((await s.send(headers, s.body('lina', 'snooze:120'))).outcome).toBe('handled');
    expect(s.clicks).toHaveLength(1);
    const itemsBefore = JSON.stringify([...s.dedupe.items]);
    for (const body of [s.body('mallory', 'snooze:120'), s.body('lina', 'resolve'), s.body('lina', 'snooze:1440')]) {
      expect(await s.rejection(s.send(headers, body))).toEqual({ status: 409, code: 'signature_reused', message: expect.any(String) });
    }
    expect(s.clicks).toHaveLength(1);
    expect(JSON.stringify([...s.dedupe.items])).toBe(itemsBefore);
  });

  it('answers an exact replay (same headers, same body) like the first delivery without acting again', async () => {
    const s = setup();
    const headers = s.headers();
    expect((await s.send(headers)).outcome).toBe('handled');
    const replay = await s.send(headers);
    expect(replay).toEqual({ outcome: 'duplicate', response: expect.objectContaining({ statusCode: 200, body: '{}' }) });
    expect(s.clicks).toHaveLength(1);
  });

  it('keeps the signature usable when the click failed, so the platform retry is processed', async () => {
    const s = setup({ failClicks: 1 });
    const headers = s.headers();
    await expect(s.send(headers)).rejects.toThrow('DynamoDB is down');
    expect(s.dedupe.items.size).toBe(0);
    expect((await s.send(headers)).outcome).toBe('handled');
    expect(s.clicks).toHaveLength(1);
  });

  it('remembers a signature as long as its timestamp can pass the window', async () => {
    const s = setup();
    const headers = s.headers(NOW + DEFAULT_CARD_CALLBACK_MAX_SKEW_MS - 1000); // signed ahead of our clock
    expect((await s.send(headers)).outcome).toBe('handled');
    s.advance(2 * DEFAULT_CARD_CALLBACK_MAX_SKEW_MS - 2000); // the timestamp is now almost too old
    expect((await s.rejection(s.send(headers, s.body('mallory'))))).toMatchObject({ status: 409 });
  });
});
