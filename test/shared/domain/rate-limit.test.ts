import fc from 'fast-check';
import {
  DIGEST_WINDOW_MS,
  InvalidDingTalkLimitsError,
  chinaMonthEndMs,
  chinaMonthKey,
  crossedThresholds,
  digestWindowStart,
  dingTalkLimits,
  isMeteredDingTalkApi,
  quotaDecision,
  usageCeilingFor,
} from '../../../shared/domain/rate-limit';

describe('edition presets', () => {
  it('has the documented numbers', () => {
    expect(dingTalkLimits()).toEqual({ qpsPerAppAndApi: 20, monthlyMeteredCalls: 5000 });
    expect(dingTalkLimits({ edition: 'professional' })).toEqual({ qpsPerAppAndApi: 40, monthlyMeteredCalls: 200_000 });
    expect(dingTalkLimits({ developmentAddOns: 1 })).toEqual({ qpsPerAppAndApi: 60, monthlyMeteredCalls: 5_005_000 });
    expect(dingTalkLimits({ edition: 'professional', developmentAddOns: 2 })).toEqual({ qpsPerAppAndApi: 60, monthlyMeteredCalls: 10_200_000 });
    expect(dingTalkLimits({ monthlyMeteredCalls: 500_000, qpsPerAppAndApi: 40 })).toEqual({ qpsPerAppAndApi: 40, monthlyMeteredCalls: 500_000 });
  });
  it('refuses impossible numbers', () => {
    expect(() => dingTalkLimits({ qpsPerAppAndApi: 61 })).toThrow(InvalidDingTalkLimitsError);
    expect(() => dingTalkLimits({ qpsPerAppAndApi: 0 })).toThrow(InvalidDingTalkLimitsError);
    expect(() => dingTalkLimits({ developmentAddOns: -1 })).toThrow(InvalidDingTalkLimitsError);
  });
});

describe('metered APIs', () => {
  it.each([
    ['v1.0/oauth2/accessToken', false],
    ['/gettoken', false],
    ['topapi/v2/user/getbymobile', false],
    ['topapi/v2/user/getuserinfo', false],
    ['v1.0/contact/users/me', false],
    ['v1.0/card/instances/createAndDeliver', true],
    ['v1.0/card/instances', true],
    ['v1.0/robot/groupMessages/send', true],
    ['v1.0/im/sceneGroup/create', true],
    ['robot/send', true],
  ])('%s metered=%s', (path, metered) => expect(isMeteredDingTalkApi(path)).toBe(metered));
});

describe('China-time month', () => {
  it('resets at 00:00 UTC+8 on the 1st', () => {
    expect(chinaMonthKey(Date.UTC(2026, 2, 31, 15, 59, 59, 999))).toBe('2026-03');
    expect(chinaMonthKey(Date.UTC(2026, 2, 31, 16, 0, 0))).toBe('2026-04');
    expect(chinaMonthKey(Date.UTC(2025, 11, 31, 16, 0, 0))).toBe('2026-01');
    expect(chinaMonthEndMs(Date.UTC(2026, 2, 10))).toBe(Date.UTC(2026, 2, 31, 16));
  });
  it('month end is always the first instant of the next key', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), (ms) => {
        const end = chinaMonthEndMs(ms);
        expect(end).toBeGreaterThan(ms);
        expect(chinaMonthKey(end - 1)).toBe(chinaMonthKey(ms));
        expect(chinaMonthKey(end)).not.toBe(chinaMonthKey(ms));
      }),
    );
  });
});

describe('thresholds and policy', () => {
  it('reports each threshold once when crossing it', () => {
    expect(crossedThresholds(3999, 4000, 5000)).toEqual([80]);
    expect(crossedThresholds(4000, 4001, 5000)).toEqual([]);
    expect(crossedThresholds(4749, 4750, 5000)).toEqual([95]);
    expect(crossedThresholds(4999, 5000, 5000)).toEqual([100]);
    expect(crossedThresholds(0, 5000, 5000)).toEqual([80, 95, 100]);
  });
  it('sends, digests from 95 %, stops at 100 %', () => {
    expect(quotaDecision('Warning', 4748, 5000).kind).toBe('send');
    expect(quotaDecision('Warning', 4749, 5000).kind).toBe('send'); // the call that reaches 4750
    expect(quotaDecision('Warning', 4750, 5000).kind).toBe('digest');
    expect(quotaDecision('Info', 4990, 5000).kind).toBe('digest');
    expect(quotaDecision('Critical', 4999, 5000).kind).toBe('send');
    expect(quotaDecision('Critical', 5000, 5000).kind).toBe('stop');
    expect(quotaDecision('Info', 5000, 5000).kind).toBe('stop');
    expect(usageCeilingFor('Critical', 5000)).toBe(5000);
    expect(usageCeilingFor('Info', 5000)).toBe(4750);
  });
  it('digest windows are 10 minutes', () => {
    expect(digestWindowStart(DIGEST_WINDOW_MS * 7 + 1234)).toBe(DIGEST_WINDOW_MS * 7);
  });
});
