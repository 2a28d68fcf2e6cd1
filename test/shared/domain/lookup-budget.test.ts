import { DEFAULT_MAX_MISS_RATIO, InvalidLookupBudgetError, lookupDay, missBudget } from '../../../shared/domain/lookup-budget';

describe('missBudget', () => {
  it('is floor(headcount × ratio): 20 members at 10% allow 2 misses', () => {
    expect(DEFAULT_MAX_MISS_RATIO).toBe(0.1);
    expect(missBudget(20)).toBe(2);
    expect(missBudget(29)).toBe(2);
    expect(missBudget(30)).toBe(3);
    expect(missBudget(1000, 0.15)).toBe(150);
    expect(missBudget(9)).toBe(0);
  });

  it('never lets the default reach WeCom’s 20% within two days', () => {
    for (const headcount of [1, 7, 10, 19, 20, 99, 101, 5000]) expect(2 * missBudget(headcount)).toBeLessThanOrEqual(headcount * 0.2);
  });

  it('refuses a ratio at or above 20%, zero, and a bad headcount', () => {
    expect(() => missBudget(100, 0.2)).toThrow(InvalidLookupBudgetError);
    expect(() => missBudget(100, 0)).toThrow(/above 0/);
    expect(() => missBudget(100, Number.NaN)).toThrow(InvalidLookupBudgetError);
    expect(() => missBudget(0)).toThrow(/headcount/);
    expect(() => missBudget(2.5)).toThrow(/headcount/);
  });
});

describe('lookupDay', () => {
  it('is the calendar day in UTC+8', () => {
    expect(lookupDay(Date.parse('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
    expect(lookupDay(Date.parse('2026-03-01T16:00:00Z'))).toBe('2026-03-02');
  });
});
