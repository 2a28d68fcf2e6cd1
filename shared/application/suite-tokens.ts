/**
 * The three token kinds of a suite (DOC-91201): suite_access_token (from the newest suite_ticket),
 * provider_access_token, and each authorized corp's access_token (get_corp_token). All go through
 * the shared TokenProvider, so every function instance uses one cached token per kind and refreshes
 * it ahead of expiry; WeCom throttles frequent token fetches (DOC-90600, DOC-91200).
 *
 * A rejected suite token (40082/42009) is dropped and fetched again once; a rejected ticket (40085)
 * means no valid ticket is stored: WeCom pushes one every 10 minutes, so the caller retries later.
 */
import { isSuiteErrcode, suiteErrcodes } from '../domain/wecom-suite-errcodes';
import { SUITE_TICKET_VALIDITY_MS, type SuiteRecord } from '../domain/wecom-suite';
import type { FetchedAccessToken, TokenProvider } from './token-provider';
import type { SuiteSecretsStore, SuiteStore, WeComSuiteApi, WeComSuiteApiFactory } from './suite-ports';
import type { Clock } from './ports';
import type { WeComIntegration } from '../domain/integration';

/** No suite_ticket stored yet, or only one past its 30 minutes (DOC-90628): wait for WeCom's next push. */
export class SuiteTicketMissingError extends Error {
  override readonly name = 'SuiteTicketMissingError';
  readonly kind = 'retry' as const;
  /** A queue worker parks the job until the next push instead of failing it (shared/runtime/queue.ts). */
  readonly waiting = true as const;
  readonly retryAfterMs = 60_000;
  readonly errcode = undefined;
  readonly reason: string;
  constructor(suiteId: string, detail: string) {
    super(`suite ${suiteId}: ${detail}`);
    this.reason = `${detail}; WeCom pushes a suite_ticket to the command URL every 10 minutes (or re-push it from the provider console)`;
  }
}

/** The suite has no provider secret, so license and corp-id calls are impossible. */
export class ProviderSecretMissingError extends Error {
  override readonly name = 'ProviderSecretMissingError';
}

export interface SuiteTokensDeps {
  readonly suites: SuiteStore;
  readonly secrets: SuiteSecretsStore;
  readonly api: WeComSuiteApiFactory;
  readonly tokens: TokenProvider;
  readonly clock: Clock;
}

/** Corp tokens for third-party integrations (WeComClient's token source). */
export interface SuiteCorpTokenSource {
  corpToken(integration: WeComIntegration, permanentCode: string): Promise<FetchedAccessToken>;
}

export class SuiteTokens implements SuiteCorpTokenSource {
  constructor(private readonly deps: SuiteTokensDeps) {}

  api(suite: SuiteRecord): WeComSuiteApi {
    return this.deps.api(suite.apiBase);
  }

  /** Runs `call` with the suite token; on 40082/42009 drops it and tries once more with a fresh one. */
  async withSuiteToken<T>(suite: SuiteRecord, call: (suiteToken: string) => Promise<T>): Promise<T> {
    const key = `wecom:suite:${suite.suiteId}`;
    const fetchToken = () => this.fetchSuiteToken(suite);
    const token = await this.deps.tokens.getToken(key, fetchToken);
    try {
      return await call(token);
    } catch (error) {
      if (!isSuiteErrcode(error, suiteErrcodes.suiteTokenRejected)) throw error;
      await this.deps.tokens.invalidate(key, token);
      return call(await this.deps.tokens.getToken(key, fetchToken));
    }
  }

  async withProviderToken<T>(suite: SuiteRecord, call: (providerToken: string) => Promise<T>): Promise<T> {
    const secrets = await this.deps.secrets.read(suite);
    if (!suite.providerCorpId || !secrets.providerSecret) {
      throw new ProviderSecretMissingError(
        `suite ${suite.suiteId} has no provider corp id / provider secret: add them with \`npx dutybridge suites add wecom … --provider-corp-id … --provider-secret-file …\``,
      );
    }
    const providerCorpId = suite.providerCorpId;
    const providerSecret = secrets.providerSecret;
    const key = `wecom:provider:${providerCorpId}`;
    const fetchToken = () => this.api(suite).getProviderToken({ providerCorpId, providerSecret });
    const token = await this.deps.tokens.getToken(key, fetchToken);
    try {
      return await call(token);
    } catch (error) {
      // Provider tokens are rejected with the ordinary token codes (40014/42001, DOC-90455).
      if (!isSuiteErrcode(error, [40014, 42001])) throw error;
      await this.deps.tokens.invalidate(key, token);
      return call(await this.deps.tokens.getToken(key, fetchToken));
    }
  }

  /**
   * A corp access_token (DOC-90605), for WeComClient's token source. 代开发 apps do not use this:
   * their permanent code is the app secret and they take the ordinary gettoken path (DOC-97164).
   */
  async corpToken(integration: WeComIntegration, permanentCode: string): Promise<FetchedAccessToken> {
    const suiteId = integration.settings.suite?.suiteId;
    const suite = suiteId ? await this.deps.suites.getSuite(suiteId) : undefined;
    if (!suite) throw new Error(`integration ${integration.id}: its suite ${suiteId ?? '(none)'} is not configured`);
    const corpId = integration.settings.corpId;
    return this.withSuiteToken(suite, (suiteToken) => this.api(suite).getCorpToken(suiteToken, { corpId, permanentCode }));
  }

  private async fetchSuiteToken(suite: SuiteRecord): Promise<FetchedAccessToken> {
    const ticket = await this.deps.suites.getTicket(suite.suiteId);
    if (!ticket) throw new SuiteTicketMissingError(suite.suiteId, 'no suite_ticket received yet');
    if (this.deps.clock.nowMs() - ticket.timestamp * 1000 > SUITE_TICKET_VALIDITY_MS) {
      throw new SuiteTicketMissingError(suite.suiteId, 'the newest suite_ticket is older than 30 minutes');
    }
    const secrets = await this.deps.secrets.read(suite);
    try {
      return await this.api(suite).getSuiteToken({ suiteId: suite.suiteId, suiteSecret: secrets.suiteSecret, suiteTicket: ticket.ticket });
    } catch (error) {
      if (isSuiteErrcode(error, suiteErrcodes.ticketRejected)) throw new SuiteTicketMissingError(suite.suiteId, 'WeCom refused the newest stored suite_ticket (40085)');
      throw error;
    }
  }
}
