import { lookupMobile, OneClickLink, type LookupMissCounter, type UserIdLookups } from '../../../shared/application/one-click-link';
import type { Link } from '../../../shared/application/ports';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import type { Integration } from '../../../shared/domain/integration';

const integration = { id: 'acme', platform: 'wecom' } as unknown as Integration;

class MemoryCounter implements LookupMissCounter {
  n = 0;
  async reserve(_i: string, _d: string, limit: number) {
    await Promise.resolve();
    if (this.n >= limit) return false;
    this.n += 1;
    return true;
  }
  async release() {
    this.n = Math.max(0, this.n - 1);
  }
  async used() {
    return this.n;
  }
}

function setup(members: { email: string; name: string; mobile?: string }[], lookups: UserIdLookups, links: Link[] = []) {
  const stored = [...links];
  const records: OperationRecord[] = [];
  const misses = new MemoryCounter();
  const useCase = new OneClickLink({
    members: { list: async () => members.map((m) => ({ ...m, updatedAt: 0 })) },
    links: {
      list: async () => stored,
      set: async (l: Link) => void stored.push(l),
      byEmail: async (_i: string, e: string) => stored.find((l) => l.email === e),
      byUserId: async (_i: string, u: string) => stored.find((l) => l.userId.toLowerCase() === u.toLowerCase()),
      byEmails: async () => new Map(),
      remove: async () => false,
    },
    lookups: { forIntegration: async () => lookups },
    misses,
    operationLog: { append: async (r) => void records.push(...r) },
    nowMs: () => Date.parse('2026-03-01T00:00:00Z'),
  });
  return { useCase, stored, records, misses };
}

it('a found user gives its reservation back; a failure keeps it (WeCom counts errors); 10 members allow 1 miss', async () => {
  const members = Array.from({ length: 10 }, (_, i) => ({ email: `m${i}@example.com`, name: `M${i}`, mobile: `+86-1380000000${i}` }));
  const calls: string[] = [];
  const { useCase, misses, stored, records } = setup(members, {
    byMobile: async (m) => {
      calls.push(m);
      if (m === '13800000001') throw new Error('errcode 60020 untrusted ip');
      return m === '13800000000' ? 'u0' : m === '13800000002' ? 'u2' : undefined;
    },
  });
  const report = await useCase.run(integration);
  expect(report.budget).toBe(1);
  expect(report.results.map((r) => r.outcome)).toEqual(['linked', 'failed', ...Array(8).fill('not_tried')]);
  expect(calls).toEqual(['13800000000', '13800000001']);
  expect(misses.n).toBe(1);
  expect(stored.map((l) => [l.email, l.userId, l.method])).toEqual([['m0@example.com', 'u0', 'one_click']]);
  expect(records.map((r) => r.reasonCode)).toEqual(['linked', 'platform_error', ...Array(8).fill('lookup_budget_reached')]);
});

it('two runs at once never pass the shared budget', async () => {
  const members = Array.from({ length: 40 }, (_, i) => ({ email: `m${String(i).padStart(2, '0')}@example.com`, name: `M${i}`, mobile: `+86-139000000${String(i).padStart(2, '0')}` }));
  const { useCase, misses } = setup(members, { byMobile: async () => undefined, byEmail: async () => undefined });
  const [a, b] = await Promise.all([useCase.run(integration), useCase.run(integration)]);
  expect(a.budget).toBe(4);
  expect(misses.n).toBe(4);
  const made = [...a.results, ...b.results].filter((r) => r.outcome === 'not_found').length;
  expect(made).toBeLessThanOrEqual(4);
});

it('dry run: nothing stored, nothing recorded; a userid found twice in one run is a conflict', async () => {
  const { useCase, stored, records } = setup(
    [
      { email: 'a@example.com', name: 'A', mobile: '+86-13800000001' },
      { email: 'b@example.com', name: 'B', mobile: '+86-13800000001' },
    ],
    { byMobile: async () => 'same' },
  );
  const report = await useCase.run(integration, { dryRun: true, headcount: 100 });
  expect(report.results.map((r) => r.outcome)).toEqual(['would_link', 'conflict']);
  expect(stored).toEqual([]);
  expect(records).toEqual([]);
});

it('lookupMobile: mainland numbers without +86, others with their country code', () => {
  expect(lookupMobile('+86-13800000000')).toBe('13800000000');
  expect(lookupMobile('13800000000')).toBe('13800000000');
  expect(lookupMobile('+852-61234567')).toBe('+852-61234567');
});
