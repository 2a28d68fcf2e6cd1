/**
 * WeComSuiteCommandUseCase and SuiteAuthorizations with in-memory ports: what each command event
 * does, what a retry or a malformed event does (nothing, clearly), and that cancelling is
 * idempotent and a reinstall brings the integration back. The HTTP path with real crypto, DynamoDB,
 * SQS and the simulator is test/functions/wecom-suite.int.test.ts.
 */
import { parseEncryptedEnvelope, parseFlatXml } from '../../../shared/adapters/wecom/callback-xml';
import type { Integration } from '../../../shared/domain/integration';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import type { SuiteAuthJob, SuiteAuthorization, SuiteRecord, SuiteTicket } from '../../../shared/domain/wecom-suite';
import { WeComCrypto } from '../../../shared/crypto';
import { SuiteAuthorizations } from '../../../shared/application/suite-authorizations';
import type { SuiteSecretsStore, SuiteStore } from '../../../shared/application/suite-ports';
import type { SuiteTokens } from '../../../shared/application/suite-tokens';
import { WeComSuiteCommandUseCase } from '../../../shared/application/wecom-suite-command';

const SUITE: SuiteRecord = { suiteId: 'wwunitsuite1', kind: 'third-party', apiBase: 'https://qyapi.weixin.qq.com', providerCorpId: 'wwprovider', secretName: 'p/suites/wwunitsuite1', createdAt: '2026-12-02T00:00:00Z' };
const SECRETS = { suiteSecret: 'suite-secret', token: 'UnitToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const NOW = 1_800_000_000_000;

class MemorySuites implements SuiteStore {
  ticket?: SuiteTicket;
  claimed = new Set<string>();
  authorizations = new Map<string, SuiteAuthorization>();
  async getSuite(id: string) {
    return id === SUITE.suiteId ? SUITE : undefined;
  }
  async putSuite() {}
  async listSuites() {
    return [SUITE];
  }
  async saveTicketIfNewer(_: string, t: SuiteTicket) {
    if (this.ticket && this.ticket.timestamp > t.timestamp) return false;
    this.ticket = t;
    return true;
  }
  async getTicket() {
    return this.ticket;
  }
  async claimAuthCode(_: string, code: string) {
    if (this.claimed.has(code)) return false;
    this.claimed.add(code);
    return true;
  }
  async releaseAuthCode(_: string, code: string) {
    this.claimed.delete(code);
  }
  exchanged = new Map<string, string>();
  async recordExchangedCode(_: string, code: string, corpId: string) {
    this.exchanged.set(code, corpId);
  }
  async exchangedCorp(_: string, code: string) {
    return this.exchanged.get(code);
  }
  async getAuthorization(_: string, corpId: string) {
    return this.authorizations.get(corpId);
  }
  async listAuthorizations() {
    return [...this.authorizations.values()];
  }
  async putAuthorization(a: SuiteAuthorization) {
    this.authorizations.set(a.corpId, a);
  }
}

const secretsStore = (written: Map<string, object> = new Map()): SuiteSecretsStore => ({
  read: async () => SECRETS,
  corpSecretName: (suiteId, corpId) => `p/suites/${suiteId}/corps/${corpId}`,
  readCorpPermanentCode: async (name) => (written.get(name) as { secret: string }).secret,
  writeCorpSecret: async (name, value) => void written.set(name, value),
});

function commandRequest(fields: Record<string, string>, receiveId = SUITE.suiteId) {
  const crypto = new WeComCrypto({ token: SECRETS.token, encodingAesKey: SECRETS.encodingAesKey, receiveId });
  const encrypt = crypto.encrypt(`<xml>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</xml>`);
  const timestamp = String(NOW / 1000);
  const signature = crypto.signature(timestamp, 'n1', encrypt);
  return {
    method: 'POST',
    integrationId: SUITE.suiteId,
    rawQuery: `msg_signature=${signature}&timestamp=${timestamp}&nonce=n1`,
    headers: {},
    body: Buffer.from(`<xml><ToUserName>${SUITE.suiteId}</ToUserName><Encrypt>${encrypt}</Encrypt></xml>`),
  };
}

function commandUseCase(options: { failPublish?: boolean } = {}) {
  const suites = new MemorySuites();
  const jobs: SuiteAuthJob[] = [];
  const logged: OperationRecord[] = [];
  const useCase = new WeComSuiteCommandUseCase({
    suites,
    secrets: secretsStore(),
    jobs: {
      publish: async (job) => {
        if (options.failPublish) throw new Error('SQS unavailable');
        jobs.push(job);
      },
    },
    operationLog: { append: async (r) => void logged.push(...r), query: async () => [] },
    readXml: parseFlatXml,
    parseEnvelope: parseEncryptedEnvelope,
    clock: { nowMs: () => NOW },
  });
  return { suites, jobs, logged, useCase };
}

describe('WeComSuiteCommandUseCase', () => {
  it('answers `success` and keeps the newest ticket; an older one is logged and changes nothing', async () => {
    const { suites, logged, useCase } = commandUseCase();
    const newer = await useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: '1700000600', SuiteTicket: 'NEW' }));
    expect(newer).toEqual({ response: expect.objectContaining({ statusCode: 200, body: 'success' }), outcome: 'ticket_saved' });
    const older = await useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: '1700000000', SuiteTicket: 'OLD' }));
    expect(older.outcome).toBe('ticket_stale');
    expect(older.response.body).toBe('success');
    expect(suites.ticket?.ticket).toBe('NEW');
    expect(logged.map((r) => r.reasonCode)).toEqual(['suite_ticket_stale']);
  });

  it('queues create_auth once: a retried push is answered but not queued again', async () => {
    const { jobs, useCase } = commandUseCase();
    const push = commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'create_auth', TimeStamp: '1700000000', AuthCode: 'CODE-1', State: 'abc' });
    expect((await useCase.handle(push)).outcome).toBe('queued');
    expect((await useCase.handle(push)).outcome).toBe('duplicate');
    expect(jobs).toEqual([{ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'CODE-1', source: 'create_auth' }]);
  });

  it('releases the claim when queueing fails, so WeCom’s retry is processed', async () => {
    const failing = commandUseCase({ failPublish: true });
    await expect(failing.useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'create_auth', TimeStamp: '1', AuthCode: 'CODE-2' }))).rejects.toThrow('SQS unavailable');
    expect(failing.suites.claimed.has('CODE-2')).toBe(false);
  });

  it('queues change_auth and cancel_auth with the corp, ignores events it does not use', async () => {
    const { jobs, useCase } = commandUseCase();
    await useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'change_auth', TimeStamp: '1700000000', AuthCorpId: 'wpCorpA' }));
    await useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'cancel_auth', TimeStamp: '1700000100', AuthCorpId: 'wpCorpA' }));
    expect((await useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'change_contact', TimeStamp: '1', AuthCorpId: 'wpCorpA' }))).outcome).toBe('ignored');
    expect(jobs).toEqual([
      { kind: 'refresh', suiteId: SUITE.suiteId, corpId: 'wpCorpA' },
      { kind: 'cancel', suiteId: SUITE.suiteId, corpId: 'wpCorpA', atMs: 1_700_000_100_000 },
    ]);
  });

  it('records license events (system URL, receiveid = provider corp id) with the corp and order, and answers success', async () => {
    const { suites, logged, useCase } = commandUseCase();
    await suites.putAuthorization({ suiteId: SUITE.suiteId, corpId: 'wpCorpA', corpName: 'Acme', status: 'active', secretName: 's', integrationId: 'acme', authorizedAtMs: 1, updatedAtMs: 1 });
    const paid = await useCase.handle(commandRequest({ ServiceCorpId: 'wwprovider', InfoType: 'license_pay_success', AuthCorpId: 'wpCorpA', OrderId: 'OI000001', BuyerUserId: 'boss', TimeStamp: '1700000000' }, 'wwprovider'));
    expect(paid).toEqual({ response: expect.objectContaining({ body: 'success' }), outcome: 'license_recorded' });
    await useCase.handle(commandRequest({ ServiceCorpId: 'wwprovider', InfoType: 'auto_activate', AuthCorpId: 'wpUnknown', Scene: '1', TimeStamp: '1700000001' }, SUITE.suiteId));
    // WeCom's retry of the same push: answered, not recorded twice.
    expect((await useCase.handle(commandRequest({ ServiceCorpId: 'wwprovider', InfoType: 'license_pay_success', AuthCorpId: 'wpCorpA', OrderId: 'OI000001', BuyerUserId: 'boss', TimeStamp: '1700000000' }, 'wwprovider'))).outcome).toBe('duplicate');
    expect(logged.map((r) => [r.reasonCode, r.integrationId])).toEqual([
      ['license_event', 'acme'],
      ['license_event', undefined],
    ]);
    expect(logged[0].reason).toBe('WeCom: API access licenses paid for Acme (wpCorpA) order OI000001; activate them for the members who get cards (provider console → 接口调用许可)');
    expect(logged[1].reason).toContain('automatically for wpUnknown (scene 1)');
  });

  it('refuses a command naming another suite, one without its fields, and one for another receiveid; nothing changes', async () => {
    const { suites, jobs, useCase } = commandUseCase();
    await expect(useCase.handle(commandRequest({ SuiteId: 'wwothersuite', InfoType: 'suite_ticket', TimeStamp: '1', SuiteTicket: 'X' }))).rejects.toMatchObject({ code: 'suite_mismatch' });
    await expect(useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'create_auth', TimeStamp: '1' }))).rejects.toMatchObject({ code: 'missing_auth_code' });
    await expect(useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: 'soon', SuiteTicket: 'X' }))).rejects.toMatchObject({ code: 'invalid_command' });
    await expect(useCase.handle(commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: '1', SuiteTicket: 'X' }, 'wwsomecorp'))).rejects.toMatchObject({ code: 'receiveid_mismatch' });
    await expect(useCase.handle({ ...commandRequest({ SuiteId: SUITE.suiteId, InfoType: 'suite_ticket', TimeStamp: '1', SuiteTicket: 'X' }), integrationId: 'wwunknown01' })).rejects.toMatchObject({ name: 'UnknownIntegrationError' });
    expect(suites.ticket).toBeUndefined();
    expect(jobs).toEqual([]);
  });
});

describe('SuiteAuthorizations', () => {
  const corpId = 'wpEncCorp';
  function authorizations(overrides: { permanentCode?: () => Promise<unknown> } = {}) {
    const suites = new MemorySuites();
    const written = new Map<string, object>();
    const integrations = new Map<string, Integration>();
    const logged: OperationRecord[] = [];
    let agent = '1000005';
    const api = {
      getPermanentCode: overrides.permanentCode ?? (async () => ({ permanentCode: 'PERM-1', corpId, corpName: 'Acme' })),
      getAuthInfo: async () => ({ corpId, corpName: 'Acme', agents: [{ agentId: agent }] }),
    };
    const tokens = { api: () => api, withSuiteToken: async (_: SuiteRecord, call: (t: string) => Promise<unknown>) => call('suite-token') } as unknown as SuiteTokens;
    const useCase = new SuiteAuthorizations({
      suites,
      secrets: secretsStore(written),
      tokens,
      integrations: { get: async (id) => integrations.get(id), put: async (i) => void integrations.set(i.id, i), list: async () => [...integrations.values()], delete: async () => true },
      operationLog: { append: async (r) => void logged.push(...r), query: async () => [] },
      clock: { nowMs: () => NOW },
    });
    return { suites, written, integrations, logged, useCase, setAgent: (a: string) => (agent = a) };
  }

  it('exchanges a code: permanent code into the corp secret, agentid from get_auth_info, logged', async () => {
    const { suites, written, logged, useCase } = authorizations();
    expect(await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C', source: 'create_auth' })).toBe('authorized');
    expect(suites.authorizations.get(corpId)).toMatchObject({ corpId, corpName: 'Acme', agentId: '1000005', status: 'active', secretName: `p/suites/${SUITE.suiteId}/corps/${corpId}` });
    expect(written.get(`p/suites/${SUITE.suiteId}/corps/${corpId}`)).toEqual({ secret: 'PERM-1', token: SECRETS.token, encodingAesKey: SECRETS.encodingAesKey });
    expect(logged.map((r) => r.reasonCode)).toEqual(['suite_authorized']);
    expect(logged[0].reason).toContain(`integrations add wecom --suite ${SUITE.suiteId}`);
  });

  it('a used or expired code (40078) is logged and stored nowhere', async () => {
    const { suites, written, logged, useCase } = authorizations({ permanentCode: async () => Promise.reject(Object.assign(new Error('used'), { errcode: 40078 })) });
    expect(await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C', source: 'create_auth' })).toBe('code_rejected');
    expect(suites.authorizations.size).toBe(0);
    expect(written.size).toBe(0);
    expect(logged.map((r) => r.reasonCode)).toEqual(['suite_refused']);
  });

  it('cancel disables the integration once; a reinstall enables it again with the new agentid', async () => {
    const { suites, integrations, logged, useCase, setAgent } = authorizations();
    await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C1', source: 'create_auth' });
    await suites.putAuthorization({ ...suites.authorizations.get(corpId)!, integrationId: 'acme' });
    integrations.set('acme', {
      id: 'acme',
      platform: 'wecom',
      settings: { corpId, agentId: '1000005', apiBase: 'https://qyapi.weixin.qq.com', suite: { suiteId: SUITE.suiteId, kind: 'third-party' } },
      secretName: `p/suites/${SUITE.suiteId}/corps/${corpId}`,
      createdAt: '2026-12-02T00:00:00Z',
    });
    expect(await useCase.run({ kind: 'cancel', suiteId: SUITE.suiteId, corpId, atMs: NOW })).toBe('cancelled');
    expect(integrations.get('acme')?.disabled?.reason).toContain('removed the app');
    expect(await useCase.run({ kind: 'cancel', suiteId: SUITE.suiteId, corpId, atMs: NOW })).toBe('already_cancelled');
    expect(logged.filter((r) => r.reasonCode === 'integration_disabled')).toHaveLength(1);
    setAgent('1000009');
    await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C2', source: 'create_auth' });
    expect(integrations.get('acme')?.disabled).toBeUndefined();
    expect(integrations.get('acme')?.settings).toMatchObject({ agentId: '1000009' });
    expect(suites.authorizations.get(corpId)).toMatchObject({ status: 'active', integrationId: 'acme' });
  });

  it('a retry after get_auth_info failed finishes the authorization from the kept permanent code, once (no false 40078 alarm)', async () => {
    let failAuthInfo = true;
    let exchanges = 0;
    const { suites, written, logged, useCase } = authorizations({
      permanentCode: async () => {
        exchanges += 1;
        if (exchanges > 1) throw Object.assign(new Error('used'), { errcode: 40078 });
        return { permanentCode: 'PERM-1', corpId, corpName: 'Acme' };
      },
    });
    const api = (useCase as unknown as { deps: { tokens: { api: () => { getAuthInfo: () => Promise<unknown> } } } }).deps.tokens.api();
    const realAuthInfo = api.getAuthInfo;
    api.getAuthInfo = async () => {
      if (failAuthInfo) throw Object.assign(new Error('busy'), { errcode: -1 });
      return realAuthInfo();
    };
    await expect(useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C', source: 'create_auth' })).rejects.toThrow('busy');
    expect(written.get(`p/suites/${SUITE.suiteId}/corps/${corpId}`)).toMatchObject({ secret: 'PERM-1' });
    failAuthInfo = false;
    expect(await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C', source: 'create_auth' })).toBe('authorized');
    expect(suites.authorizations.get(corpId)).toMatchObject({ agentId: '1000005', status: 'active' });
    // SQS delivers the job once more: nothing changes and nothing is refused.
    expect(await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C', source: 'create_auth' })).toBe('authorized');
    expect(logged.map((r) => r.reasonCode)).toEqual(['suite_authorized']);
  });

  it('leaves alone an integration that reuses the id of a removed suite integration', async () => {
    const { suites, integrations, useCase } = authorizations();
    await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C1', source: 'create_auth' });
    await suites.putAuthorization({ ...suites.authorizations.get(corpId)!, integrationId: 'acme' });
    // `integrations remove acme`, then a self-built integration added under the same id.
    integrations.set('acme', { id: 'acme', platform: 'wecom', settings: { corpId: 'wwselfbuilt', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com' }, secretName: 's', createdAt: '2026-12-02T00:00:00Z' });
    expect(await useCase.run({ kind: 'cancel', suiteId: SUITE.suiteId, corpId, atMs: NOW })).toBe('cancelled');
    expect(integrations.get('acme')?.disabled).toBeUndefined();
  });

  it('change_auth follows an agentid change and leaves an unchanged authorization alone', async () => {
    const { suites, useCase, setAgent } = authorizations();
    await useCase.run({ kind: 'exchange', suiteId: SUITE.suiteId, authCode: 'C', source: 'create_auth' });
    expect(await useCase.run({ kind: 'refresh', suiteId: SUITE.suiteId, corpId })).toBe('unchanged');
    setAgent('1000007');
    expect(await useCase.run({ kind: 'refresh', suiteId: SUITE.suiteId, corpId })).toBe('refreshed');
    expect(suites.authorizations.get(corpId)?.agentId).toBe('1000007');
    expect(await useCase.run({ kind: 'refresh', suiteId: SUITE.suiteId, corpId: 'wpUnknown' })).toBe('unknown_corp');
  });
});
