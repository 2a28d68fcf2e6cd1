/**
 * Click rate limits of the DingTalk card flow, on in-memory ports: at most N clicks a minute per
 * clicker and M per incident; over the limit the clicker gets a "slow down" note in the synchronous
 * answer and nothing is applied.
 */
import { DingTalkCardFlow, SLOW_DOWN_NOTE } from '../../../shared/application/dingtalk-card-flow';
import type { CardClick } from '../../../shared/application/dingtalk-cards';
import type { RateLimitCounters } from '../../../shared/application/ports';
import type { Incident } from '../../../shared/domain/incident';

const NOW = Date.UTC(2026, 10, 30, 2, 0, 0);

/** Same contract as DynamoRateLimitCounters. */
class MemoryCounters implements RateLimitCounters {
  readonly counts = new Map<string, number>();
  constructor(private readonly nowMs: () => number) {}
  async hit(keys: readonly { key: string; limit: number }[], windowSeconds: number) {
    const window = Math.floor(this.nowMs() / 1000 / windowSeconds);
    for (const { key, limit } of keys) {
      const k = `${key}#${window}`;
      const n = this.counts.get(k) ?? 0;
      if (n >= limit) return false;
      this.counts.set(k, n + 1);
    }
    return true;
  }
}

function setup() {
  let now = NOW;
  const applied: string[] = [];
  const recorded: string[] = [];
  const incident: Incident = {
    incidentId: 'inc-1',
    version: 1,
    revision: 1,
    title: 'DB down',
    severity: 'Critical',
    description: 'quorum lost',
    labels: {},
    responders: [],
    targets: [],
    status: 'Triggered',
    triggeredAt: NOW,
    updatedAt: NOW,
  };
  const flow = new DingTalkCardFlow({
    incidents: {} as never,
    members: {} as never,
    groups: {} as never,
    outgoing: {} as never,
    userLookups: {} as never,
    mobileLookups: {} as never,
    links: { byUserId: async (_i: string, userId: string) => ({ integrationId: 'ding', email: `${userId}@example.com`, userId, linkedAt: 0 }) } as never,
    cards: { findOutTrack: async (_i: string, outTrackId: string) => ({ incidentId: outTrackId === 'card-b' ? 'inc-2' : 'inc-1' }) } as never,
    clicks: {
      apply: async (incidentId: string, _a: unknown, actor: { userId: string }) => {
        applied.push(`${incidentId}:${actor.userId}`);
        return { kind: 'transition', incident };
      },
    } as never,
    clock: { nowMs: () => now },
    record: (event) => void recorded.push(event),
    clickLimits: { counters: new MemoryCounters(() => now), perUserPerMinute: 3, perIncidentPerMinute: 5 },
  });
  let seq = 0;
  const click = (userId: string, outTrackId = 'card-a'): Promise<unknown> => {
    seq += 1;
    const c: CardClick = { integrationId: 'ding', outTrackId, userId, actionIds: ['snooze:30'], params: { action: 'snooze:30' }, receivedAtMs: now, clickKey: `k${seq}` };
    return flow.onClick(c);
  };
  return { click, applied, recorded, advance: (ms: number) => (now += ms) };
}

const slowDown = { kind: 'update', userPrivateParamMap: { note: SLOW_DOWN_NOTE } };

it('lets a clicker click 3 times a minute; the 4th gets "slow down" and changes nothing', async () => {
  const s = setup();
  for (let i = 0; i < 3; i++) expect(await s.click('lina')).toMatchObject({ kind: 'update', cardParamMap: expect.any(Object) });
  expect(await s.click('lina')).toEqual(slowDown);
  expect(s.applied).toHaveLength(3);
  expect(s.recorded).toContain('click_rate_limited');
  // Another person is not held back by lina's clicks, and lina may click again the next minute.
  expect(await s.click('wang')).toMatchObject({ cardParamMap: expect.any(Object) });
  s.advance(60_000);
  expect(await s.click('lina')).toMatchObject({ cardParamMap: expect.any(Object) });
  expect(s.applied).toHaveLength(5);
});

it('lets an incident take 5 clicks a minute, whoever clicks; other incidents are not affected', async () => {
  const s = setup();
  for (const user of ['a', 'b', 'c', 'd', 'e']) await s.click(user);
  expect(await s.click('f')).toEqual(slowDown);
  expect(s.applied).toHaveLength(5);
  expect(await s.click('f', 'card-b')).toMatchObject({ cardParamMap: expect.any(Object) });
  expect(s.applied).toEqual(['inc-1:a', 'inc-1:b', 'inc-1:c', 'inc-1:d', 'inc-1:e', 'inc-2:f']);
});
