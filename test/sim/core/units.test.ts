import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { CallLog } from '../../../sim/core/call-log';
import { sendCallbackWithRetries } from '../../../sim/core/callback-sender';
import { createSimClock } from '../../../sim/core/clock';
import { ConversationStore } from '../../../sim/core/conversations';
import { FaultRegistry, FaultRuleError, parseFaultRule } from '../../../sim/core/faults';

describe('sim clock', () => {
  it('starts where told and only moves forward', () => {
    const clock = createSimClock(1_700_000_000_000);
    const start = clock.now();
    expect(Math.abs(start - 1_700_000_000_000)).toBeLessThan(1000);
    clock.advance(72 * 3600 * 1000);
    expect(clock.now() - start).toBeGreaterThanOrEqual(72 * 3600 * 1000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('fault registry', () => {
  it('fails exactly the next N matching calls, then stops', () => {
    const faults = new FaultRegistry();
    faults.add({ platform: 'wecom', endpoint: 'message/send', kind: 'throttle', nextN: 2 });
    expect(faults.take('wecom', 'gettoken')).toBeUndefined();
    expect(faults.take('dingtalk', 'message/send')).toBeUndefined();
    expect(faults.take('wecom', 'message/send')).toBe('throttle');
    expect(faults.list()).toEqual([{ platform: 'wecom', endpoint: 'message/send', kind: 'throttle', nextN: 1 }]);
    expect(faults.take('wecom', 'message/send')).toBe('throttle');
    expect(faults.take('wecom', 'message/send')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('fails by percentage with an injectable random source and matches * endpoints', () => {
    const values = [0.1, 0.5, 0.29];
    const faults = new FaultRegistry(() => values.shift()!);
    faults.add({ platform: 'wecom', endpoint: '*', kind: 'http500', percent: 30 });
    expect(faults.take('wecom', 'a')).toBe('http500');
    expect(faults.take('wecom', 'b')).toBeUndefined();
    expect(faults.take('wecom', 'c')).toBe('http500');
    faults.clear();
    expect(faults.list()).toEqual([]);
  });

  it('validates rules received as JSON', () => {
    expect(parseFaultRule({ platform: 'dingtalk', endpoint: '*', kind: 'quota', percent: 100 })).toEqual({ platform: 'dingtalk', endpoint: '*', kind: 'quota', percent: 100 });
    expect(() => parseFaultRule({ platform: 'slack', endpoint: '*', kind: 'timeout', nextN: 1 })).toThrow(FaultRuleError);
    expect(() => parseFaultRule({ platform: 'wecom', endpoint: '*', kind: 'explode', nextN: 1 })).toThrow(/kind/);
    expect(() => parseFaultRule({ platform: 'wecom', endpoint: '*', kind: 'timeout' })).toThrow(/exactly one/);
    expect(() => parseFaultRule({ platform: 'wecom', endpoint: '*', kind: 'timeout', nextN: 0 })).toThrow(/positive/);
    expect(() => parseFaultRule({ platform: 'wecom', endpoint: '*', kind: 'timeout', percent: 101 })).toThrow(/0\.\.100/);
  });
});

describe('call log and conversations', () => {
  it('numbers records and filters by platform and endpoint', () => {
    const log = new CallLog(() => 42);
    const base = { method: 'POST', path: '/x', query: {}, requestBody: {}, status: 200, resultCode: 0, responseBody: {} };
    log.append({ ...base, platform: 'wecom', endpoint: 'message/send' });
    log.append({ ...base, platform: 'dingtalk', endpoint: 'robot/send' });
    expect(log.list().map((r) => [r.seq, r.at])).toEqual([[1, 42], [2, 42]]);
    expect(log.list({ platform: 'dingtalk' }).map((r) => r.endpoint)).toEqual(['robot/send']);
    expect(log.list({ endpoint: 'message/send' })).toHaveLength(1);
  });

  it('replaces a card with the same cardId in the same conversation only', () => {
    const store = new ConversationStore(() => 1);
    const card = (title: string) => ({ cardId: 'T1', title, fields: [], buttons: [] });
    store.deliver({ platform: 'wecom', conversation: 'user:a', kind: 'card', card: card('v1') });
    store.deliver({ platform: 'wecom', conversation: 'user:b', kind: 'card', card: card('v1') });
    const versionBefore = store.version;
    store.deliver({ platform: 'wecom', conversation: 'user:a', kind: 'card', card: card('v2') });
    expect(store.version).toBeGreaterThan(versionBefore);
    expect(store.list().map((i) => [i.conversation, i.card!.title])).toEqual([['user:a', 'v2'], ['user:b', 'v1']]);
  });
});

describe('callback sender', () => {
  it('retries on timeout and connection failure up to 1 + maxRetries attempts', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      if (hits <= 2) return; // never answer: the client times out
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const outcome = await sendCallbackWithRetries({ fetch, url, body: 'x', timeoutMs: 150, maxRetries: 3 });
      expect(outcome).toMatchObject({ status: 200, body: 'ok', delivered: true });
      expect(outcome.attempts.map((a) => a.error ?? a.status)).toEqual(['timeout after 150 ms', 'timeout after 150 ms', 200]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    const refused = await sendCallbackWithRetries({ fetch, url, body: 'x', timeoutMs: 150, maxRetries: 3 });
    expect(refused.delivered).toBe(false);
    expect(refused.attempts).toHaveLength(4);
    expect(refused.attempts.every((a) => a.error?.startsWith('connection failed'))).toBe(true);
  });
});
