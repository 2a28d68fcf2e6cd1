/**
 * Integration ids are hard to guess: without an explicit id an integration gets `<prefix>-<10
 * random characters>`; an explicit id (the CLI's --id) is kept exactly. The callback routes' cache
 * of unknown ids is bounded on its own and cannot evict real integrations.
 */
import { IntegrationAdmin, ID_SUFFIX_LENGTH, integrationIdWithSuffix, type SecretWriter } from '../../../shared/application/integration-admin';
import type { IntegrationRepository } from '../../../shared/application/ports';
import { CachedIntegrationRepository } from '../../../shared/adapters/aws/integration-repository';
import { integrationIdSchema, type Integration } from '../../../shared/domain/integration';

function memoryRepo() {
  const items = new Map<string, Integration>();
  const reads: string[] = [];
  const repo: IntegrationRepository = {
    get: async (id) => (reads.push(id), items.get(id)),
    put: async (i) => void items.set(i.id, i),
    list: async () => [...items.values()],
    delete: async (id) => items.delete(id),
  };
  return { repo, items, reads };
}
const secrets: SecretWriter = { write: async () => undefined, read: async () => undefined, delete: async () => undefined };
const weComInput = { corpId: 'ww0123456789', agentId: '1000002', secret: 's', token: 'tok', aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const dingInput = { clientId: 'dingclient', clientSecret: 's', token: 'tok123', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', cardApiSecret: 'card-api-secret', apiBase: 'http://127.0.0.1:9' };

describe('integration ids', () => {
  it('get a random suffix by default, after the platform or the given prefix', async () => {
    const admin = new IntegrationAdmin(memoryRepo().repo, secrets, 'dutybridge/');
    const a = await admin.addWeCom(weComInput);
    const b = await admin.addWeCom(weComInput);
    const c = await admin.addDingTalk({ ...dingInput, idPrefix: 'acme' });
    expect(a.id).toMatch(new RegExp(`^wecom-[a-z0-9]{${ID_SUFFIX_LENGTH}}$`));
    expect(b.id).not.toBe(a.id);
    expect(c.id).toMatch(/^acme-[a-z0-9]{10}$/);
    // The secret name carries the id (its layout belongs to integration-admin's secretName()).
    expect(c.secretName.startsWith('dutybridge/integrations/') && c.secretName.endsWith(`/${c.id}`)).toBe(true);
  });

  it('keep an explicit id exactly (the CLI --id)', async () => {
    const admin = new IntegrationAdmin(memoryRepo().repo, secrets, 'dutybridge/');
    expect((await admin.addWeCom({ ...weComInput, id: 'acme' })).id).toBe('acme');
    expect((await admin.addDingTalk({ ...dingInput, id: 'acme-ding' })).id).toBe('acme-ding');
    await expect(admin.addWeCom({ ...weComInput, id: 'acme' })).rejects.toThrow(/already exists/);
  });

  it('are always valid ids, also after the longest prefix', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(integrationIdWithSuffix('p'));
    expect(seen.size).toBe(200);
    expect(integrationIdSchema.safeParse(integrationIdWithSuffix('a'.repeat(52))).success).toBe(true);
    expect(() => integrationIdWithSuffix('Bad_Prefix')).toThrow();
  });
});

describe('the cache of integrations in front of the callback routes', () => {
  it('keeps real integrations while a flood of unknown ids comes and goes (unknown ids are bounded separately)', async () => {
    const { repo, items, reads } = memoryRepo();
    const real = { id: 'real', platform: 'wecom' } as unknown as Integration;
    items.set('real', real);
    const now = 0;
    const cached = new CachedIntegrationRepository(repo, 60_000, 5_000, () => now, 100);
    expect(await cached.get('real')).toBe(real);
    for (let i = 0; i < 5_000; i++) expect(await cached.get(`bogus-${i}`)).toBeUndefined();
    reads.length = 0;
    expect(await cached.get('real')).toBe(real);
    expect(reads).toEqual([]); // still cached: no read
    // Unknown ids are remembered (a repeat is not read again) but only the newest 100.
    expect(await cached.get('bogus-4999')).toBeUndefined();
    expect(await cached.get('bogus-0')).toBeUndefined();
    expect(reads).toEqual(['bogus-0']);
  });
});

describe('describe', () => {
  it('shows settings and callback URLs when the operator may not decrypt the secret (deployed stack)', async () => {
    const refusing: SecretWriter = { ...secrets, read: async () => Promise.reject(new Error('AccessDeniedException: not allowed to use the key')) };
    const admin = new IntegrationAdmin(memoryRepo().repo, refusing, 'dutybridge/');
    const added = await admin.addWeCom({ ...weComInput, id: 'acme' });
    const d = await admin.describe(added.id, 'https://api.example.com/');
    expect(d.secrets).toEqual({});
    expect(d.secretsUnreadable).toMatch(/AccessDenied/);
    expect(d.callbackUrls).toEqual({ callback: 'https://api.example.com/wecom/acme/callback', homepage: 'https://api.example.com/link/wecom/acme' });
  });
});
