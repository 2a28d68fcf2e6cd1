/**
 * What a corp's authorization of the suite changes (issue 16), run by the suite-auth worker (the
 * command callback only queues, WeCom's 1000 ms rule, DOC-100964) and by the install redirect:
 *
 * - exchange: an auth code (create_auth push, install redirect, or reset_permanent_code for 代开发)
 *   → v2 get_permanent_code (no agentid, DOC-100776) → v2 get_auth_info for the agentid
 *   (DOC-100779) → the permanent code into Secrets Manager, the authorization into DynamoDB;
 * - refresh (change_auth): re-read the auth info, follow an agentid change;
 * - cancel (cancel_auth): the authorization is marked cancelled and the corp's integration disabled,
 *   with the reason in the integration and the operation log (its tokens stop working: 40084/48004).
 *
 * Each is idempotent: an auth code is claimed before it is exchanged (suite-store), a cancelled
 * authorization is not cancelled twice, a refresh writes only what changed.
 */
import { isSuiteErrcode, suiteErrcodes } from '../domain/wecom-suite-errcodes';
import type { OperationReasonCode, OperationRecord } from '../domain/operation-log';
import type { SuiteAuthJob, SuiteAuthorization, SuiteRecord } from '../domain/wecom-suite';
import type { WeComIntegration } from '../domain/integration';
import type { Clock, IntegrationRepository, OperationLog } from './ports';
import type { SuiteSecretsStore, SuiteStore } from './suite-ports';
import type { SuiteTokens } from './suite-tokens';
import { findSuite } from './suite-callback';

export interface SuiteAuthorizationsDeps {
  readonly suites: SuiteStore;
  readonly secrets: SuiteSecretsStore;
  readonly tokens: SuiteTokens;
  readonly integrations: IntegrationRepository;
  readonly operationLog: OperationLog;
  readonly clock: Clock;
}

/** The auth code was already used or is older than its 10 minutes (40078, DOC-90455). */
export class AuthCodeRejectedError extends Error {
  override readonly name = 'AuthCodeRejectedError';
}

export type SuiteAuthOutcome = 'authorized' | 'refreshed' | 'unchanged' | 'cancelled' | 'already_cancelled' | 'unknown_corp' | 'code_rejected';

export class SuiteAuthorizations {
  constructor(private readonly deps: SuiteAuthorizationsDeps) {}

  async run(job: SuiteAuthJob): Promise<SuiteAuthOutcome> {
    const suite = await findSuite(this.deps.suites, job.suiteId);
    switch (job.kind) {
      case 'exchange':
        try {
          await this.exchange(suite, job.authCode);
          return 'authorized';
        } catch (error) {
          if (!(error instanceof AuthCodeRejectedError)) throw error;
          return 'code_rejected';
        }
      case 'refresh':
        return this.refresh(suite, job.corpId);
      case 'cancel':
        return this.cancel(suite, job.corpId, job.atMs);
    }
  }

  /**
   * Exchanges an already-claimed auth code; the authorization it produced. The permanent code is
   * kept before anything else can fail (WeCom gives it once, 40078 after): a retry, or a second
   * delivery of the same job, finds the note of the exchange and finishes from get_auth_info.
   */
  async exchange(suite: SuiteRecord, authCode: string): Promise<SuiteAuthorization> {
    const api = this.deps.tokens.api(suite);
    let grant;
    try {
      grant = await this.deps.tokens.withSuiteToken(suite, (token) => api.getPermanentCode(token, authCode));
    } catch (error) {
      if (!isSuiteErrcode(error, suiteErrcodes.authCodeUsed)) throw error;
      const corpId = await this.deps.suites.exchangedCorp(suite.suiteId, authCode);
      if (corpId) {
        const secretName = this.deps.secrets.corpSecretName(suite.suiteId, corpId);
        return this.complete(suite, corpId, await this.deps.secrets.readCorpPermanentCode(secretName), undefined);
      }
      await this.log('failed', 'suite_refused', `suite ${suite.suiteId}: WeCom refused an authorization code (40078: already used or older than 10 minutes); the installation has to be started again`);
      throw new AuthCodeRejectedError('the authorization code was already used or has expired (40078); start the installation again');
    }
    const secrets = await this.deps.secrets.read(suite);
    const secretName = this.deps.secrets.corpSecretName(suite.suiteId, grant.corpId);
    await this.deps.secrets.writeCorpSecret(secretName, { secret: grant.permanentCode, token: secrets.token, encodingAesKey: secrets.encodingAesKey });
    await this.deps.suites.recordExchangedCode(suite.suiteId, authCode, grant.corpId, this.deps.clock.nowMs());
    return this.complete(suite, grant.corpId, grant.permanentCode, grant.corpName, true);
  }

  /** get_auth_info for the agentid (v2 get_permanent_code has none, DOC-100776), then the authorization. */
  private async complete(suite: SuiteRecord, corpId: string, permanentCode: string, corpName: string | undefined, renewed = false): Promise<SuiteAuthorization> {
    const api = this.deps.tokens.api(suite);
    const info = await this.deps.tokens.withSuiteToken(suite, (token) => api.getAuthInfo(token, { corpId, permanentCode }));
    const agentId = info.agents[0]?.agentId;
    const nowMs = this.deps.clock.nowMs();
    const previous = await this.deps.suites.getAuthorization(suite.suiteId, corpId);
    if (previous?.status === 'active' && previous.agentId === agentId && previous.agentId !== undefined) {
      // A repeat of this exchange (nothing new), or a new permanent code for a corp already here
      // (代开发 reset_permanent_code: a new app secret, DOC-94758): say so, change nothing else.
      if (renewed) await this.log('done', 'suite_authorization_changed', `corp ${previous.corpName} (${corpId}): new permanent code (app secret) for suite ${suite.suiteId} stored`, previous.integrationId);
      return previous;
    }
    const authorization: SuiteAuthorization = {
      suiteId: suite.suiteId,
      corpId,
      corpName: info.corpName || corpName || previous?.corpName || corpId,
      ...(agentId ? { agentId } : {}),
      status: 'active',
      secretName: this.deps.secrets.corpSecretName(suite.suiteId, corpId),
      ...(previous?.integrationId ? { integrationId: previous.integrationId } : {}),
      authorizedAtMs: nowMs,
      updatedAtMs: nowMs,
    };
    await this.deps.suites.putAuthorization(authorization);
    const reenabled = await this.followIntegration(authorization, { enable: true });
    await this.log(
      'done',
      'suite_authorized',
      `corp ${authorization.corpName} (${authorization.corpId}) authorized suite ${suite.suiteId}` +
        (agentId ? ` (agent ${agentId})` : ' (no agent yet: WeCom listed none)') +
        (reenabled ? `; integration ${reenabled} is active again` : authorization.integrationId ? '' : `; add it with \`npx dutybridge integrations add wecom --suite ${suite.suiteId} --corp-id <their Corp ID>\``),
      authorization.integrationId,
    );
    return authorization;
  }

  private async refresh(suite: SuiteRecord, corpId: string): Promise<SuiteAuthOutcome> {
    const current = await this.deps.suites.getAuthorization(suite.suiteId, corpId);
    if (!current || current.status !== 'active') return 'unknown_corp';
    const permanentCode = await this.deps.secrets.readCorpPermanentCode(current.secretName);
    const api = this.deps.tokens.api(suite);
    const info = await this.deps.tokens.withSuiteToken(suite, (token) => api.getAuthInfo(token, { corpId, permanentCode }));
    const agentId = info.agents[0]?.agentId;
    if (agentId === current.agentId && info.corpName === current.corpName) return 'unchanged';
    const updated: SuiteAuthorization = { ...current, corpName: info.corpName || current.corpName, ...(agentId ? { agentId } : {}), updatedAtMs: this.deps.clock.nowMs() };
    await this.deps.suites.putAuthorization(updated);
    await this.followIntegration(updated, { enable: false });
    await this.log('done', 'suite_authorization_changed', `corp ${updated.corpName} (${corpId}) changed its authorization of suite ${suite.suiteId}: agent ${current.agentId ?? 'none'} → ${agentId ?? 'none'}`, updated.integrationId);
    return 'refreshed';
  }

  private async cancel(suite: SuiteRecord, corpId: string, atMs: number): Promise<SuiteAuthOutcome> {
    const current = await this.deps.suites.getAuthorization(suite.suiteId, corpId);
    if (!current) return 'unknown_corp';
    if (current.status === 'cancelled') return 'already_cancelled';
    const nowMs = this.deps.clock.nowMs();
    await this.deps.suites.putAuthorization({ ...current, status: 'cancelled', cancelledAtMs: atMs, updatedAtMs: nowMs });
    const when = new Date(atMs).toISOString();
    const integration = await this.integrationOf(current);
    if (integration && !integration.disabled) {
      const reason = `corp ${current.corpName} (${corpId}) removed the app (cancel_auth at ${when}); nothing is sent to it. If they install it again, the integration becomes active again.`;
      await this.deps.integrations.put({ ...integration, disabled: { reason, atMs: nowMs } });
      await this.log('dropped', 'integration_disabled', `integration ${integration.id} disabled: ${reason}`, integration.id);
    }
    await this.log('done', 'suite_authorization_cancelled', `corp ${current.corpName} (${corpId}) cancelled its authorization of suite ${suite.suiteId} at ${when}`, current.integrationId);
    return 'cancelled';
  }

  /** Keeps the corp's integration in step with its authorization: agentid, and re-enabling after a re-install. */
  private async followIntegration(authorization: SuiteAuthorization, options: { enable: boolean }): Promise<string | undefined> {
    const integration = await this.integrationOf(authorization);
    if (!integration) return undefined;
    const agentChanged = authorization.agentId !== undefined && integration.settings.agentId !== authorization.agentId;
    const reenable = options.enable && integration.disabled !== undefined;
    if (!agentChanged && !reenable) return undefined;
    const { disabled, ...rest } = integration;
    await this.deps.integrations.put({
      ...rest,
      ...(reenable ? {} : disabled ? { disabled } : {}),
      settings: { ...integration.settings, ...(authorization.agentId ? { agentId: authorization.agentId } : {}) },
    });
    return reenable ? integration.id : undefined;
  }

  /**
   * The corp's integration, only if it still is this suite's integration of this corp: an id left
   * on the authorization after `integrations remove` may have been reused for another integration.
   */
  private async integrationOf(authorization: SuiteAuthorization): Promise<WeComIntegration | undefined> {
    if (!authorization.integrationId) return undefined;
    const integration = await this.deps.integrations.get(authorization.integrationId);
    if (integration?.platform !== 'wecom') return undefined;
    const ours = integration.settings.suite?.suiteId === authorization.suiteId && integration.settings.corpId === authorization.corpId;
    return ours ? integration : undefined;
  }

  private async log(result: OperationRecord['result'], reasonCode: OperationReasonCode, reason: string, integrationId?: string): Promise<void> {
    await this.deps.operationLog
      .append([{ atMs: this.deps.clock.nowMs(), result, reasonCode, reason: reason.slice(0, 1000), platform: 'wecom', channel: 'event', ...(integrationId ? { integrationId } : {}) }])
      .catch(() => undefined);
  }
}
