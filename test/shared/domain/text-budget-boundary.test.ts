import { codePointLength, truncateAtWordBoundary } from '../../../shared/domain/text-budget';

const cut = (text: string, maxChars: number) => truncateAtWordBoundary(text, { maxChars });

describe('truncateAtWordBoundary: titles cut between words or characters, never inside a number', () => {
  it('leaves a text that fits unchanged', () => {
    expect(cut('Checkout error rate above 5%', 36)).toBe('Checkout error rate above 5%');
  });

  it('cuts between words, not inside one', () => {
    expect(cut('[Critical] Checkout error rate above 5%', 36)).toBe('[Critical] Checkout error rate…');
    expect(cut('[Critical] Payments API 5xx on pay-gateway-07 (v2)', 36)).toBe('[Critical] Payments API 5xx on pay-…');
  });

  it('never cuts inside a number, a decimal, a thousands group or before its percent sign', () => {
    expect(cut('[Critical] Payments API 5xx above 50% for 10 minutes', 36)).toBe('[Critical] Payments API 5xx above…');
    expect(cut('Error rate 12.5% now', 15)).toBe('Error rate…');
    expect(cut('Queue depth 1,000,000 messages', 19)).toBe('Queue depth…');
    expect(cut('Latency p99 123456789012345678901234567890', 36)).toBe('Latency p99…');
    // One long number alone: nothing of it is kept rather than a wrong number.
    expect(cut('12345678901234567890', 10)).toBe('…');
  });

  it('cuts Chinese text between characters, and a very long word between characters', () => {
    const zh = cut('[Critical] 支付接口错误率超过百分之五十，持续十分钟以上，影响华北二区的所有用户', 36);
    expect(zh).toBe('[Critical] 支付接口错误率超过百分之五十，持续十分钟以上，影…');
    expect(codePointLength(zh)).toBe(36);
    expect(cut('Supercalifragilisticexpialidociousandmore words', 20)).toBe('Supercalifragilisti…');
    expect(cut('[Critical] 支付接口 5xx 错误率 12.5%，华北', 25)).toBe('[Critical] 支付接口 5xx 错误率…');
  });

  it('keeps the budget and whole clusters', () => {
    for (const text of ['Disk 95% full on db-01 in cn-north-1 since 10:02', '数据库 db-01 磁盘使用率 95% 已持续 10 分钟', 'Deploy 👩🏽‍💻👩🏽‍💻👩🏽‍💻 failed 3 times']) {
      for (let n = 1; n <= codePointLength(text); n += 1) {
        const out = cut(text, n);
        expect(codePointLength(out)).toBeLessThanOrEqual(n);
        expect(out.replace(/…$/, '')).toBe(text.slice(0, out.replace(/…$/, '').length));
        expect(out).not.toMatch(/\u200d…$|\ud83c…$/);
      }
    }
  });
});
