import { callbackPaths, integrationIdSchema, maskSecret, SECRET_MASK } from '../../../shared/domain/integration';

describe('maskSecret', () => {
  it('shows the fixed mask and at most the last four characters', () => {
    expect(maskSecret('SuperSecretValue123')).toBe('••••e123');
    const long = 'x'.repeat(10) + 'SECRETPART' + 'y'.repeat(10);
    expect(maskSecret(long)).toBe('••••yyyy');
    expect(maskSecret(long)).not.toContain('SECRET');
  });

  it('shows nothing of secrets of 8 characters or fewer', () => {
    for (const short of ['', 'a', 'abc', 'short', 'abcdefgh']) expect(maskSecret(short)).toBe(SECRET_MASK);
    expect(maskSecret('abcdefghi')).toBe(`${SECRET_MASK}fghi`);
  });

  it('never tells the length: every secret longer than 8 gives a mask of the same length', () => {
    const lengths = new Set([9, 12, 19, 40, 43, 256].map((n) => maskSecret('k'.repeat(n)).length));
    expect([...lengths]).toEqual([SECRET_MASK.length + 4]);
    expect(maskSecret('a'.repeat(12)).length).toBe(maskSecret('a'.repeat(40)).length);
    expect(maskSecret('1234567').length).toBe(maskSecret('12345678').length);
  });
});

describe('integration ids and callback paths', () => {
  it('accepts URL-safe ids only', () => {
    expect(integrationIdSchema.safeParse('acme-prod-1').success).toBe(true);
    for (const bad of ['', 'Acme', '-x', 'a/b', 'a'.repeat(64), '../x']) expect(integrationIdSchema.safeParse(bad).success).toBe(false);
  });

  it('gives each platform its console URLs', () => {
    expect(callbackPaths({ id: 'w', platform: 'wecom' })).toEqual({ callback: '/wecom/w/callback', homepage: '/link/wecom/w' });
    expect(callbackPaths({ id: 'd', platform: 'dingtalk' })).toEqual({ events: '/dingtalk/d/events', cards: '/dingtalk/d/cards', homepage: '/link/dingtalk/d' });
  });

  it("points a suite corp's integration at the suite's data URL (one URL for every corp, DOC-90595)", () => {
    const settings = { corpId: 'wpEnc', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com', suite: { suiteId: 'wwsuite01', kind: 'third-party' as const } };
    expect(callbackPaths({ id: 's', platform: 'wecom', settings })).toEqual({ data: '/wecom-suite/wwsuite01/data', homepage: '/link/wecom/s' });
  });
});
