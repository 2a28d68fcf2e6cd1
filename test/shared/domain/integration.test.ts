import { callbackPaths, integrationIdSchema, maskSecret } from '../../../shared/domain/integration';

describe('maskSecret', () => {
  it('never shows more than three characters at each end, and nothing of short values', () => {
    expect(maskSecret('SuperSecretValue123')).toBe('Sup*************123');
    expect(maskSecret('short')).toBe('*****');
    const long = 'x'.repeat(10) + 'SECRETPART' + 'y'.repeat(10);
    expect(maskSecret(long)).not.toContain('SECRET');
  });
});

describe('integration ids and callback paths', () => {
  it('accepts URL-safe ids only', () => {
    expect(integrationIdSchema.safeParse('acme-prod-1').success).toBe(true);
    for (const bad of ['', 'Acme', '-x', 'a/b', 'a'.repeat(64), '../x']) expect(integrationIdSchema.safeParse(bad).success).toBe(false);
  });

  it('gives each platform its console URLs', () => {
    expect(callbackPaths({ id: 'w', platform: 'wecom' })).toEqual({ callback: '/wecom/w/callback' });
    expect(callbackPaths({ id: 'd', platform: 'dingtalk' })).toEqual({ events: '/dingtalk/d/events', cards: '/dingtalk/d/cards' });
  });
});
