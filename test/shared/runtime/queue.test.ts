import { WeComThrottledError } from '../../../shared/adapters/wecom/errors';
import { retryDelaySeconds } from '../../../shared/runtime/queue';

describe('retryDelaySeconds', () => {
  it('backs off exponentially with jitter, capped at 60 s', () => {
    expect(retryDelaySeconds(1, new Error('x'), () => 0)).toBe(1);
    expect(retryDelaySeconds(3, new Error('x'), () => 1)).toBe(8);
    expect(retryDelaySeconds(20, new Error('x'), () => 1)).toBe(60);
  });

  it('waits at least as long as the error asks (a WeCom 45009 blocks the rest of the minute)', () => {
    const throttled = new WeComThrottledError({ endpoint: 'message/send', errcode: 45009, errmsg: 'limit', reason: 'throttled' } as never);
    expect(retryDelaySeconds(1, throttled, () => 0)).toBe(60);
    expect(retryDelaySeconds(1, { retryAfterMs: 1500 }, () => 0)).toBe(2);
  });
});
