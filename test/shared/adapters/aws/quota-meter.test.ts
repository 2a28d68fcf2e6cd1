import { InMemoryQuotaMeter, InvalidQuotaAmountError } from '../../../../shared/adapters/aws/quota-meter';

const MARCH = Date.UTC(2026, 2, 10, 2);

function meter(quota = 100) {
  const clock = { now: MARCH, nowMs() { return this.now; } };
  return { clock, meter: new InMemoryQuotaMeter({ quotaOf: () => quota, clock }) };
}

describe('InMemoryQuotaMeter (same rules as DynamoQuotaMeter, which the integration test covers)', () => {
  it('counts, refuses past the quota and reports each threshold once', async () => {
    const { meter: m } = meter(100);
    const crossings: number[] = [];
    for (let i = 0; i < 100; i++) {
      const c = await m.tryConsume('org', 1);
      expect(c.granted).toBe(true);
      crossings.push(...c.crossed);
    }
    expect(crossings).toEqual([80, 95, 100]);
    const refused = await m.tryConsume('org', 1);
    expect(refused).toMatchObject({ granted: false, refusal: 'exhausted', used: 100 });
  });

  it('keeps the last 5 % for Critical', async () => {
    const { meter: m } = meter(100);
    await m.tryConsume('org', 95);
    expect(await m.tryConsume('org', 1, { severity: 'Warning' })).toMatchObject({ granted: false, refusal: 'critical-only' });
    expect((await m.tryConsume('org', 1, { severity: 'Critical' })).granted).toBe(true);
  });

  it('refunds, resets in the next China-time month, and closes a month DingTalk says is exhausted', async () => {
    const { meter: m, clock } = meter(100);
    const c = await m.tryConsume('org', 10);
    await m.refund('org', 4, c.month);
    expect((await m.usage('org')).used).toBe(6);
    const closed = await m.markExhausted('org');
    expect(closed.crossed).toEqual([80, 95, 100]);
    expect((await m.tryConsume('org', 1, { severity: 'Critical' })).granted).toBe(false);
    clock.now = Date.UTC(2026, 2, 31, 16); // 2026-04-01 00:00 China time
    expect(await m.usage('org')).toMatchObject({ month: '2026-04', used: 0, exhausted: false });
    expect((await m.tryConsume('org', 1)).granted).toBe(true);
    await expect(m.tryConsume('org', 0)).rejects.toThrow(InvalidQuotaAmountError);
  });
});
