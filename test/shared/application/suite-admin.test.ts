/**
 * SuiteAdmin with in-memory ports and a fake WeCom provider API (the real SuiteTokens in between):
 * registering a suite (secret first, console URLs, re-add replaces), adding an authorized corp by
 * its pasted Corp ID (encrypted id via corpid_to_opencorpid, historical plain id matched ignoring
 * case, no provider secret), every refusal leaving the stores untouched, and licenses.
 */
import {
  AuthorizationPendingError,
  CorpAlreadyIntegratedError,
  CorpNotAuthorizedError,
  InvalidSuiteInputError,
  NotSuiteIntegrationError,
  SuiteAdmin,
  UnknownSuiteError,
} from '../../../shared/application/suite-admin';
import { SuiteTokens } from '../../../shared/application/suite-tokens';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../shared/application/token-provider';
import type { ActivatedAccount, AppLicenseInfo, SuiteStore, WeComSuiteApi } from '../../../shared/application/suite-ports';
import type { Integration } from '../../../shared/domain/integration';
import { suiteSecretsSchema, type SuiteAuthorization, type SuiteRecord, type SuiteTicket } from '../../../shared/domain/wecom-suite';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const PREFIX = 'dutybridge/test/';
const API_URL = 'https://api.example.com/';

class MemorySuiteStore implements SuiteStore {
  readonly suites = new Map<string, SuiteRecord>();
  readonly tickets = new Map<string, SuiteTicket>();
  readonly authorizations = new Map<string, SuiteAuthorization>();
  async getSuite(id: string) {
    return this.suites.get(id);
  }
  async putSuite(s: SuiteRecord) {
    this.suites.set(s.suiteId, s);
  }
  async listSuites() {
    return [...this.suites.values()];
  }
  async saveTicketIfNewer(id: string, t: SuiteTicket) {
    this.tickets.set(id, t);
    return true;
  }
  async getTicket(id: string) {
    return this.tickets.get(id);
  }
  async claimAuthCode() {
    return true;
  }
  async releaseAuthCode() {}
  async recordExchangedCode() {}
  async exchangedCorp() {
    return undefined;
  }
  async getAuthorization(suiteId: string, corpId: string) {
    return this.authorizations.get(`${suiteId}/${corpId}`);
  }
  async listAuthorizations(suiteId: string) {
    return [...this.authorizations.values()].filter((a) => a.suiteId === suiteId);
  }
  async putAuthorization(a: SuiteAuthorization) {
    this.authorizations.set(`${a.suiteId}/${a.corpId}`, a);
  }
}

/** Errors as the WeCom adapter throws them: an Error with a numeric errcode. */
const weComError = (errcode: number) => Object.assign(new Error(`WeCom errcode ${errcode}`), { errcode });

class FakeProviderApi {
  /** Plain corp id → encrypted id WeCom gives this provider; unknown ids answer 48001. */
  readonly openIds = new Map<string, string>();
  license: AppLicenseInfo = { licenseStatus: 1, trialStartMs: NOW - 80 * 86_400_000, trialEndMs: NOW + 10 * 86_400_000 + 3_600_000, licenseCheckTimeMs: NOW - 86_400_000 };
  pages: Array<{ accounts: ActivatedAccount[]; nextCursor?: string; hasMore: boolean }> = [{ accounts: [], hasMore: false }];
  readonly calls: string[] = [];
  /** The provider console's IP whitelist does not list the caller (60020). */
  ipRefused = false;
  readonly api: WeComSuiteApi = {
    getProviderToken: async () => (this.calls.push('get_provider_token'), { token: 'provider-token', expiresInSeconds: 7200 }),
    corpIdToOpenCorpId: async (_token, corpId) => {
      this.calls.push(`corpid_to_opencorpid ${corpId}`);
      if (this.ipRefused) throw weComError(60020);
      const open = this.openIds.get(corpId);
      if (!open) throw weComError(48001);
      return open;
    },
    getAppLicenseInfo: async (_token, args) => (this.calls.push(`get_app_license_info ${args.corpId} ${args.suiteId}`), this.license),
    listActivatedAccounts: async (_token, args) => {
      this.calls.push(`list_actived_account ${args.cursor ?? '-'}`);
      return this.pages[args.cursor ? Number(args.cursor) : 0]!;
    },
    getSuiteToken: notUsed,
    getPreAuthCode: notUsed,
    setSessionInfo: notUsed,
    getPermanentCode: notUsed,
    getAuthInfo: notUsed,
    getCorpToken: notUsed,
    getUserInfo3rd: notUsed,
  };
}

async function notUsed(): Promise<never> {
  throw new Error('not used by SuiteAdmin');
}

function setup() {
  const suites = new MemorySuiteStore();
  const secrets = new Map<string, Record<string, string>>();
  const integrations = new Map<string, Integration>();
  const wecom = new FakeProviderApi();
  const clock = { nowMs: () => NOW };
  const tokens = new SuiteTokens({
    suites,
    secrets: {
      read: async (suite) => suiteSecretsSchema.parse(secrets.get(suite.secretName)),
      corpSecretName: (suiteId, corpId) => `${PREFIX}suites/${suiteId}/corps/${corpId}`,
      writeCorpSecret: notUsed,
      readCorpPermanentCode: notUsed,
    },
    api: () => wecom.api,
    tokens: new TokenProvider({ store: new InMemoryAccessTokenStore(clock), clock }),
    clock,
  });
  const admin = new SuiteAdmin({
    suites,
    secrets: {
      write: async (name, value) => void secrets.set(name, value as Record<string, string>),
      read: async (name) => secrets.get(name),
      delete: async (name) => void secrets.delete(name),
    },
    integrations: {
      get: async (id) => integrations.get(id),
      put: async (i) => void integrations.set(i.id, i),
      list: async () => [...integrations.values()],
      delete: async (id) => integrations.delete(id),
    },
    tokens,
    clock,
    secretNamePrefix: PREFIX,
    apiUrl: API_URL,
  });
  /** Everything the admin may write, to compare before and after a refusal. */
  const snapshot = () => JSON.stringify({ s: [...suites.suites], a: [...suites.authorizations], sec: [...secrets], i: [...integrations] });
  return { admin, suites, secrets, integrations, wecom, snapshot };
}

const suiteInput = { suiteId: 'wwsuite0001', suiteSecret: 'SuiteSecretValue123', token: 'SuiteToken1', aesKey: AES, apiBase: 'http://127.0.0.1:8788' };
const withProvider = { ...suiteInput, providerCorpId: 'wwprovider01', providerSecret: 'ProviderSecretValue9' };

function authorization(corpId: string, extra: Partial<SuiteAuthorization> = {}): SuiteAuthorization {
  return {
    suiteId: 'wwsuite0001',
    corpId,
    corpName: `Corp ${corpId}`,
    agentId: '1000005',
    status: 'active',
    secretName: `${PREFIX}suites/wwsuite0001/corps/${corpId}`,
    authorizedAtMs: NOW - 3_600_000,
    updatedAtMs: NOW - 3_600_000,
    ...extra,
  };
}

describe('addSuite', () => {
  it('writes the secret and the record, and gives the console URLs', async () => {
    const { admin, suites, secrets } = setup();
    const out = await admin.addSuite(withProvider);
    expect(out.replaced).toBe(false);
    expect(secrets.get(`${PREFIX}suites/wwsuite0001`)).toEqual({ suiteSecret: 'SuiteSecretValue123', token: 'SuiteToken1', encodingAesKey: AES, providerSecret: 'ProviderSecretValue9' });
    expect(suites.suites.get('wwsuite0001')).toEqual({
      suiteId: 'wwsuite0001',
      kind: 'third-party',
      apiBase: 'http://127.0.0.1:8788',
      providerCorpId: 'wwprovider01',
      secretName: `${PREFIX}suites/wwsuite0001`,
      createdAt: '2026-03-01T00:00:00.000Z',
    });
    expect(out.consoleUrls).toEqual({
      command: 'https://api.example.com/wecom-suite/wwsuite0001/command',
      data: 'https://api.example.com/wecom-suite/wwsuite0001/data',
      install: 'https://api.example.com/wecom-suite/wwsuite0001/install',
      installed: 'https://api.example.com/wecom-suite/wwsuite0001/installed',
    });
  });

  it('defaults the API base, tells a 代开发 template by its dk id, and says when it replaced a suite', async () => {
    const { admin, suites, secrets } = setup();
    const { apiBase: _omitted, ...noBase } = suiteInput;
    await admin.addSuite({ ...noBase, suiteId: 'dktemplate01' });
    expect(suites.suites.get('dktemplate01')).toMatchObject({ kind: 'developer-hosted', apiBase: 'https://qyapi.weixin.qq.com' });
    const again = await admin.addSuite({ ...noBase, suiteId: 'dktemplate01', suiteSecret: 'RotatedSecret456' });
    expect(again.replaced).toBe(true);
    expect(secrets.get(`${PREFIX}suites/dktemplate01`)!.suiteSecret).toBe('RotatedSecret456');
  });

  it('refuses bad input field by field, and a provider corp id without its secret, writing nothing', async () => {
    const { admin, snapshot } = setup();
    const before = snapshot();
    const bad = await admin.addSuite({ ...suiteInput, suiteId: 'xx-bad', aesKey: 'short' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidSuiteInputError);
    expect((bad as InvalidSuiteInputError).statusCode).toBe(400);
    expect((bad as InvalidSuiteInputError).problems.map((p) => p.field)).toEqual(['suiteId', 'aesKey']);
    expect((bad as Error).message).not.toContain('SuiteSecretValue123');
    const half = await admin.addSuite({ ...suiteInput, providerCorpId: 'wwprovider01' }).catch((e: unknown) => e);
    expect(half).toBeInstanceOf(InvalidSuiteInputError);
    expect((half as InvalidSuiteInputError).problems).toEqual([{ field: 'providerSecret', problem: 'is missing: the provider corp id and the provider secret go together' }]);
    expect(snapshot()).toBe(before);
  });
});

describe('addSuiteIntegration', () => {
  it('finds a new corp by the encrypted id corpid_to_opencorpid gives, and records the integration on the authorization', async () => {
    const { admin, suites, integrations, wecom } = setup();
    await admin.addSuite(withProvider);
    wecom.openIds.set('wwcustomer01', 'wpEnC7xQ9aLm');
    await suites.putAuthorization(authorization('wpEnC7xQ9aLm', { corpName: 'Acme' }));
    await suites.putAuthorization(authorization('wpenc7xq9alm', { corpName: 'Same letters, other case' }));

    const { integration, authorization: recorded, replaced } = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01' });
    expect(replaced).toBe(false);
    expect(integration.id).toMatch(/^wecom-[a-z0-9]{10}$/);
    expect(integration).toEqual({
      id: integration.id,
      platform: 'wecom',
      settings: { corpId: 'wpEnC7xQ9aLm', agentId: '1000005', apiBase: 'http://127.0.0.1:8788', suite: { suiteId: 'wwsuite0001', kind: 'third-party', pastedCorpId: 'wwcustomer01' } },
      secretName: `${PREFIX}suites/wwsuite0001/corps/wpEnC7xQ9aLm`,
      createdAt: '2026-03-01T00:00:00.000Z',
    });
    expect(integrations.get(integration.id)).toEqual(integration);
    expect(recorded).toMatchObject({ corpId: 'wpEnC7xQ9aLm', integrationId: integration.id, updatedAtMs: NOW });
    expect(await suites.getAuthorization('wwsuite0001', 'wpEnC7xQ9aLm')).toEqual(recorded);
    // Encrypted ids are case-sensitive: the other-case authorization is left alone.
    expect((await suites.getAuthorization('wwsuite0001', 'wpenc7xq9alm'))!.integrationId).toBeUndefined();
    expect(wecom.calls).toEqual(['get_provider_token', 'corpid_to_opencorpid wwcustomer01']);
  });

  it('refuses a corp WeCom says has not authorized the provider (48001), pointing at the install page, writing nothing', async () => {
    const { admin, suites, snapshot } = setup();
    await admin.addSuite(withProvider);
    // An authorization of another corp is no reason to match.
    await suites.putAuthorization(authorization('wpOtherCorp1'));
    const before = snapshot();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwstranger01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpNotAuthorizedError);
    expect((error as Error).message).toContain('authorize the app first: open https://api.example.com/wecom-suite/wwsuite0001/install');
    expect((error as Error).message).toContain('wwstranger01');
    expect(snapshot()).toBe(before);
  });

  it('refuses a corp id with spaces before asking WeCom anything', async () => {
    const { admin, wecom, snapshot } = setup();
    await admin.addSuite(withProvider);
    const before = snapshot();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'ww customer01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSuiteInputError);
    expect((error as Error).message).toMatch(/contains spaces or line breaks: paste it exactly as WeCom shows it/);
    expect((error as InvalidSuiteInputError).problems[0]!.field).toBe('corpId');
    expect(wecom.calls).toEqual([]);
    expect(snapshot()).toBe(before);
  });

  it('refuses an unknown suite, naming suites add', async () => {
    const { admin } = setup();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwnosuchsuite', corpId: 'wwcustomer01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSuiteError);
    expect((error as Error).message).toContain('npx dutybridge suites add wecom --suite-id wwnosuchsuite');
  });

  it('matches a historical corp by its plain id ignoring case (plain ids are case-insensitive, DOC-96516)', async () => {
    const { admin, suites, wecom } = setup();
    await admin.addSuite(withProvider);
    await suites.putAuthorization(authorization('WWHistoric01'));
    // What corpid_to_opencorpid answers for historical corps is unconfirmed: here an id nobody stored.
    wecom.openIds.set('wwhistoric01', 'wpNotStored1');
    const { integration } = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwhistoric01', id: 'hist' });
    expect(integration.id).toBe('hist');
    expect(integration.settings.corpId).toBe('WWHistoric01');
    expect(integration.settings.suite?.pastedCorpId).toBe('wwhistoric01');
  });

  it('without a provider secret compares the pasted id only, and explains why an encrypted-only corp is not found', async () => {
    const { admin, suites, wecom, snapshot } = setup();
    await admin.addSuite(suiteInput);
    await suites.putAuthorization(authorization('wwplain0001'));
    await suites.putAuthorization(authorization('wpEncrypted9'));
    const { integration } = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'WWPLAIN0001', id: 'plain' });
    expect(integration.settings.corpId).toBe('wwplain0001');
    expect(wecom.calls).toEqual([]);

    const before = snapshot();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwnewcorp001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpNotAuthorizedError);
    expect((error as Error).message).toMatch(/authorize the app first: open https:\/\/api\.example\.com\/wecom-suite\/wwsuite0001\/install/);
    expect((error as Error).message).toMatch(/has no provider secret, so only plain corp ids can be matched/);
    expect(snapshot()).toBe(before);
  });

  it("refused by WeCom for this machine's IP (60020): matches plain ids only and says how to whitelist it", async () => {
    const { admin, suites, wecom, snapshot } = setup();
    await admin.addSuite(withProvider);
    await suites.putAuthorization(authorization('wwplain0002'));
    wecom.ipRefused = true;
    const { integration } = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwplain0002', id: 'plain2' });
    expect(integration.settings.corpId).toBe('wwplain0002');
    const before = snapshot();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwnewcorp002' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorpNotAuthorizedError);
    expect((error as Error).message).toMatch(/60020.*IP whitelist/);
    expect(snapshot()).toBe(before);
  });

  it('does not match a cancelled authorization', async () => {
    const { admin, suites, wecom, snapshot } = setup();
    await admin.addSuite(withProvider);
    wecom.openIds.set('wwgone000001', 'wpGone000001');
    await suites.putAuthorization(authorization('wpGone000001', { status: 'cancelled', cancelledAtMs: NOW - 1000 }));
    const before = snapshot();
    await expect(admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwgone000001' })).rejects.toThrow(CorpNotAuthorizedError);
    expect(snapshot()).toBe(before);
  });

  it('asks to retry while the authorization has no agent id yet, writing nothing', async () => {
    const { admin, suites, wecom, snapshot } = setup();
    await admin.addSuite(withProvider);
    wecom.openIds.set('wwfresh00001', 'wpFresh00001');
    const { agentId: _none, ...pending } = authorization('wpFresh00001');
    await suites.putAuthorization(pending);
    const before = snapshot();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwfresh00001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationPendingError);
    expect((error as Error).message).toMatch(/still being processed: retry in a minute/);
    expect(snapshot()).toBe(before);
  });

  it('refuses a corp that already has an integration, naming it; --replace re-adds the same one', async () => {
    const { admin, suites, integrations, wecom, snapshot } = setup();
    await admin.addSuite(withProvider);
    wecom.openIds.set('wwcustomer01', 'wpEnC7xQ9aLm');
    await suites.putAuthorization(authorization('wpEnC7xQ9aLm'));
    const first = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01', id: 'acme', name: 'Acme Ltd' });
    integrations.set('acme', { ...first.integration, disabled: { reason: 'authorization cancelled', atMs: NOW - 10 } });

    const before = snapshot();
    const again = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CorpAlreadyIntegratedError);
    expect((again as Error).message).toContain('already has integration acme (disabled): pass --replace');
    const otherId = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01', id: 'acme-2' }, { replace: true }).catch((e: unknown) => e);
    expect(otherId).toBeInstanceOf(CorpAlreadyIntegratedError);
    expect(snapshot()).toBe(before);

    const replaced = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01' }, { replace: true });
    expect(replaced.replaced).toBe(true);
    expect(replaced.integration.id).toBe('acme');
    expect(replaced.integration.name).toBe('Acme Ltd');
    expect(integrations.get('acme')!.disabled).toBeUndefined();
    expect([...integrations.keys()]).toEqual(['acme']);
  });

  it('refuses an explicit id another integration has, unless --replace', async () => {
    const { admin, suites, integrations, wecom, snapshot } = setup();
    await admin.addSuite(withProvider);
    wecom.openIds.set('wwcustomer01', 'wpEnC7xQ9aLm');
    await suites.putAuthorization(authorization('wpEnC7xQ9aLm'));
    integrations.set('taken', { id: 'taken', platform: 'wecom', settings: { corpId: 'wwselfbuilt1', agentId: '1000002', apiBase: 'http://127.0.0.1:9' }, secretName: 'x', createdAt: '2026-01-01T00:00:00Z' });
    const before = snapshot();
    const error = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01', id: 'taken' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSuiteInputError);
    expect((error as Error).message).toBe('integration taken already exists (remove it first, or pass --replace)');
    expect(snapshot()).toBe(before);
  });
});

describe('showSuite and listSuites', () => {
  it('shows the ticket age (never the ticket) and the authorizations', async () => {
    const { admin, suites } = setup();
    await admin.addSuite(withProvider);
    await suites.saveTicketIfNewer('wwsuite0001', { ticket: 'SECRET-TICKET-VALUE', timestamp: (NOW - 12 * 60_000) / 1000, receivedAtMs: NOW - 12 * 60_000 + 50 });
    await suites.putAuthorization(authorization('wpEnC7xQ9aLm', { corpName: 'Acme', integrationId: 'acme' }));
    const { agentId: _none, ...pending } = authorization('wpPending001', { corpName: 'Beta' });
    await suites.putAuthorization(pending);
    const shown = await admin.showSuite('wwsuite0001');
    expect(JSON.stringify(shown)).not.toContain('SECRET-TICKET-VALUE');
    expect(shown.ticket).toEqual({ ageMs: 12 * 60_000, receivedAtMs: NOW - 12 * 60_000 + 50, valid: true });
    expect(shown.authorizations).toEqual([
      { corpId: 'wpEnC7xQ9aLm', corpName: 'Acme', agentId: '1000005', status: 'active', integrationId: 'acme', authorizedAtMs: NOW - 3_600_000 },
      { corpId: 'wpPending001', corpName: 'Beta', status: 'active', authorizedAtMs: NOW - 3_600_000 },
    ]);
    const listed = await admin.listSuites();
    expect(listed).toEqual([{ suite: shown.suite, ticketAgeMs: 12 * 60_000, activeAuthorizations: 2, integrations: 1 }]);
    await expect(admin.showSuite('wwnosuchsuite')).rejects.toThrow(UnknownSuiteError);
  });
});

describe('licenses', () => {
  it('reads the trial and every page of active accounts', async () => {
    const { admin, suites, wecom } = setup();
    await admin.addSuite(withProvider);
    wecom.openIds.set('wwcustomer01', 'wpEnC7xQ9aLm');
    await suites.putAuthorization(authorization('wpEnC7xQ9aLm'));
    const { integration } = await admin.addSuiteIntegration({ suiteId: 'wwsuite0001', corpId: 'wwcustomer01', id: 'acme' });
    const account = (userId: string): ActivatedAccount => ({ userId, type: 1, activeTimeMs: NOW - 86_400_000, expireTimeMs: NOW + 300 * 86_400_000 });
    wecom.pages = [
      { accounts: [account('wpUserA'), account('wpUserB')], nextCursor: '1', hasMore: true },
      { accounts: [account('wpUserC')], hasMore: false },
    ];
    const licenses = await admin.licenses({ integrationId: integration.id });
    expect(licenses).toEqual({
      integrationId: 'acme',
      suiteId: 'wwsuite0001',
      corpId: 'wpEnC7xQ9aLm',
      licenseStatus: 1,
      trialStartMs: NOW - 80 * 86_400_000,
      trialEndMs: NOW + 10 * 86_400_000 + 3_600_000,
      trialDaysLeft: 10,
      licenseCheckTimeMs: NOW - 86_400_000,
      accounts: [account('wpUserA'), account('wpUserB'), account('wpUserC')],
    });
    expect(wecom.calls.slice(-3)).toEqual(['get_app_license_info wpEnC7xQ9aLm wwsuite0001', 'list_actived_account -', 'list_actived_account 1']);
  });

  it('refuses a self-built integration (DOC-95652 FAQ 1) and an unknown one', async () => {
    const { admin, integrations } = setup();
    integrations.set('own', { id: 'own', platform: 'wecom', settings: { corpId: 'wwselfbuilt1', agentId: '1000002', apiBase: 'http://127.0.0.1:9' }, secretName: 'x', createdAt: '2026-01-01T00:00:00Z' });
    const error = await admin.licenses({ integrationId: 'own' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotSuiteIntegrationError);
    expect((error as Error).message).toContain('licenses apply to third-party apps only; self-built apps need none');
    await expect(admin.licenses({ integrationId: 'nope' })).rejects.toThrow('no integration with id nope');
  });
});
