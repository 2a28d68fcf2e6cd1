/**
 * Administration of WeCom third-party apps ("suites", issue 16), used by the CLI: registering a
 * suite (its secrets and settings), adding a corp that installed it as an integration, and showing
 * a corp's API-access licenses. Facts: research/wecom-suite.md (DOC-n = WeCom document path n).
 *
 * A refusal writes nothing: every check (input, suite, authorization, existing integration) runs
 * before the first write.
 */
import * as z from 'zod/mini';
import { BadRequestError, NotFoundError, RequestRejectedError } from '../domain/errors';
import { explainIssue, valueAtPath } from '../domain/explain-issues';
import { integrationIdSchema, integrationSchema, type WeComIntegration } from '../domain/integration';
import { isSuiteErrcode, suiteErrcodes } from '../domain/wecom-suite-errcodes';
import {
  InvalidCorpIdError,
  matchAuthorizedCorp,
  parsePastedCorpId,
  suiteIdSchema,
  suiteKindOf,
  suiteRecordSchema,
  suiteSecretsPath,
  suiteSecretsSchema,
  SUITE_TICKET_VALIDITY_MS,
  trialDaysLeft,
  type SuiteAuthorization,
  type SuiteRecord,
} from '../domain/wecom-suite';
import { DEFAULT_WECOM_API_BASE, integrationIdWithSuffix, type SecretWriter } from './integration-admin';
import type { Clock, IntegrationRepository } from './ports';
import type { ActivatedAccount, SuiteStore } from './suite-ports';
import { ProviderSecretMissingError, type SuiteTokens } from './suite-tokens';

export interface SuiteAdminDeps {
  readonly suites: SuiteStore;
  readonly secrets: SecretWriter;
  readonly integrations: IntegrationRepository;
  /** Provider-token calls (corpid_to_opencorpid, license/*); only these two members are used. */
  readonly tokens: Pick<SuiteTokens, 'api' | 'withProviderToken'>;
  readonly clock: Clock;
  /** The deployment's secret name prefix (`suites/<suiteId>` is appended). */
  readonly secretNamePrefix: string;
  /** Base URL of the HTTP API: the console URLs (command, data, install) are built from it. */
  readonly apiUrl: string;
}

export const addSuiteInputSchema = z.object({
  suiteId: suiteIdSchema,
  suiteSecret: suiteSecretsSchema.shape.suiteSecret,
  token: suiteSecretsSchema.shape.token,
  aesKey: suiteSecretsSchema.shape.encodingAesKey,
  apiBase: z._default(suiteRecordSchema.shape.apiBase, DEFAULT_WECOM_API_BASE),
  providerCorpId: suiteRecordSchema.shape.providerCorpId,
  providerSecret: suiteSecretsSchema.shape.providerSecret,
});
export type AddSuiteInput = z.input<typeof addSuiteInputSchema>;

export interface AddSuiteIntegrationInput {
  readonly suiteId: string;
  /** The Corp ID as the operator pasted it (我的企业 → 企业信息): plain, whatever WeCom gives the suite. */
  readonly corpId: string;
  readonly id?: string;
  readonly name?: string;
}

/** What goes into the provider console for the suite (DOC-90595). */
export interface SuiteConsoleUrls {
  /** 指令回调URL: suite_ticket and authorization events. */
  readonly command: string;
  /** 数据回调URL: messages and app events of every authorized corp. */
  readonly data: string;
  /** Our install page: it gets a pre_auth_code and sends the admin to WeCom's install page (DOC-90597). */
  readonly install: string;
  /** Where WeCom sends the admin back with the auth_code (its host goes into 安装完成回调域名). */
  readonly installed: string;
}

export interface AuthorizationSummary {
  readonly corpId: string;
  readonly corpName: string;
  readonly agentId?: string;
  readonly status: SuiteAuthorization['status'];
  readonly integrationId?: string;
  readonly authorizedAtMs: number;
}

export interface SuiteOverview {
  readonly suite: SuiteRecord;
  /** Age of the newest suite_ticket by its TimeStamp; never the ticket itself. */
  readonly ticket?: { readonly ageMs: number; readonly receivedAtMs: number; readonly valid: boolean };
  readonly authorizations: readonly AuthorizationSummary[];
  readonly consoleUrls: SuiteConsoleUrls;
}

export interface SuiteLicenses {
  readonly integrationId: string;
  readonly suiteId: string;
  readonly corpId: string;
  /** 0 = licenses not enforced for this corp yet, 1 = enforced (DOC-95844). */
  readonly licenseStatus: number;
  readonly trialStartMs?: number;
  readonly trialEndMs?: number;
  readonly trialDaysLeft?: number;
  readonly licenseCheckTimeMs?: number;
  readonly accounts: readonly ActivatedAccount[];
}

export class InvalidSuiteInputError extends BadRequestError {
  constructor(
    message: string,
    /** Each refused input field and what is wrong, so the CLI can name it by its flag. */
    readonly problems: readonly { field: string; problem: string }[] = [],
  ) {
    super('invalid_suite_input', message);
    this.name = 'InvalidSuiteInputError';
  }
}

export class UnknownSuiteError extends NotFoundError {
  constructor(suiteId: string) {
    super('unknown_suite', `no suite ${suiteId}: register it first with \`npx dutybridge suites add wecom --suite-id ${suiteId} …\``);
    this.name = 'UnknownSuiteError';
  }
}

/**
 * Input that was fine, but WeCom's side is not ready for it yet (the corp has not installed the app,
 * or its installation is still being read): the operator acts elsewhere, then runs the command again.
 */
export class SuiteNotReadyError extends RequestRejectedError {
  constructor(code: string, message: string) {
    super(409, code, message);
    this.name = 'SuiteNotReadyError';
  }
}

export class CorpNotAuthorizedError extends SuiteNotReadyError {
  constructor(message: string) {
    super('corp_not_authorized', message);
    this.name = 'CorpNotAuthorizedError';
  }
}

export class AuthorizationPendingError extends SuiteNotReadyError {
  constructor(message: string) {
    super('authorization_pending', message);
    this.name = 'AuthorizationPendingError';
  }
}

export class CorpAlreadyIntegratedError extends BadRequestError {
  constructor(message: string) {
    super('corp_already_integrated', message);
    this.name = 'CorpAlreadyIntegratedError';
  }
}

export class NotSuiteIntegrationError extends BadRequestError {
  constructor(integrationId: string) {
    // DOC-95652 FAQ 1: licenses are required for third-party and 代开发 apps, not for self-built ones.
    super('not_suite_integration', `integration ${integrationId} is not a third-party app: licenses apply to third-party apps only; self-built apps need none (DOC-95652 FAQ 1)`);
    this.name = 'NotSuiteIntegrationError';
  }
}

/** list_actived_account pages are ≤ 1000 rows (DOC-95544); this bounds a cursor that never ends. */
const MAX_ACCOUNT_PAGES = 1000;

export function suiteConsoleUrls(apiUrl: string, suiteId: string): SuiteConsoleUrls {
  const base = `${apiUrl.replace(/\/+$/, '')}/wecom-suite/${suiteId}`;
  return { command: `${base}/command`, data: `${base}/data`, install: `${base}/install`, installed: `${base}/installed` };
}

function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? '(input)'), problem: explainIssue(i, valueAtPath(input, i.path)) }));
    throw new InvalidSuiteInputError(problems.map((p) => `${p.field} ${p.problem}`).join('; '), problems);
  }
  return parsed.data;
}

export class SuiteAdmin {
  constructor(private readonly deps: SuiteAdminDeps) {}

  /**
   * Registers the suite, or replaces its settings and secret (authorizations and the stored
   * suite_ticket are kept: they belong to the suite id, not to its settings).
   */
  async addSuite(input: AddSuiteInput): Promise<{ suite: SuiteRecord; replaced: boolean; consoleUrls: SuiteConsoleUrls }> {
    const i = parseInput(addSuiteInputSchema, input);
    // get_provider_token needs both (DOC-91200): one without the other can never be used.
    if ((i.providerCorpId === undefined) !== (i.providerSecret === undefined)) {
      const missing = i.providerCorpId === undefined ? 'providerCorpId' : 'providerSecret';
      throw new InvalidSuiteInputError(`${missing} is missing: the provider corp id and the provider secret go together`, [
        { field: missing, problem: 'is missing: the provider corp id and the provider secret go together' },
      ]);
    }
    const replaced = (await this.deps.suites.getSuite(i.suiteId)) !== undefined;
    const secretName = `${this.deps.secretNamePrefix}${suiteSecretsPath()}${i.suiteId}`;
    const suite = suiteRecordSchema.parse({
      suiteId: i.suiteId,
      kind: suiteKindOf(i.suiteId),
      apiBase: i.apiBase,
      ...(i.providerCorpId !== undefined ? { providerCorpId: i.providerCorpId } : {}),
      secretName,
      createdAt: new Date(this.deps.clock.nowMs()).toISOString(),
    });
    // Secret first: a suite record without its secret could not verify a single callback.
    await this.deps.secrets.write(secretName, {
      suiteSecret: i.suiteSecret,
      token: i.token,
      encodingAesKey: i.aesKey,
      ...(i.providerSecret !== undefined ? { providerSecret: i.providerSecret } : {}),
    });
    await this.deps.suites.putSuite(suite);
    return { suite, replaced, consoleUrls: suiteConsoleUrls(this.deps.apiUrl, suite.suiteId) };
  }

  async listSuites(): Promise<Array<{ suite: SuiteRecord; ticketAgeMs?: number; activeAuthorizations: number; integrations: number }>> {
    const suites = await this.deps.suites.listSuites();
    const now = this.deps.clock.nowMs();
    return Promise.all(
      suites.map(async (suite) => {
        const [ticket, authorizations] = await Promise.all([this.deps.suites.getTicket(suite.suiteId), this.deps.suites.listAuthorizations(suite.suiteId)]);
        const active = authorizations.filter((a) => a.status === 'active');
        return {
          suite,
          ...(ticket ? { ticketAgeMs: now - ticket.timestamp * 1000 } : {}),
          activeAuthorizations: active.length,
          integrations: active.filter((a) => a.integrationId !== undefined).length,
        };
      }),
    );
  }

  async showSuite(suiteId: string): Promise<SuiteOverview> {
    const suite = await this.requireSuite(suiteId);
    const [ticket, authorizations] = await Promise.all([this.deps.suites.getTicket(suiteId), this.deps.suites.listAuthorizations(suiteId)]);
    const now = this.deps.clock.nowMs();
    const ageMs = ticket ? now - ticket.timestamp * 1000 : undefined;
    return {
      suite,
      // DOC-90628: a ticket is good for 30 minutes; older means WeCom's pushes are not arriving.
      ...(ticket && ageMs !== undefined ? { ticket: { ageMs, receivedAtMs: ticket.receivedAtMs, valid: ageMs <= SUITE_TICKET_VALIDITY_MS } } : {}),
      authorizations: authorizations.map((a) => ({
        corpId: a.corpId,
        corpName: a.corpName,
        ...(a.agentId !== undefined ? { agentId: a.agentId } : {}),
        status: a.status,
        ...(a.integrationId !== undefined ? { integrationId: a.integrationId } : {}),
        authorizedAtMs: a.authorizedAtMs,
      })),
      consoleUrls: suiteConsoleUrls(this.deps.apiUrl, suiteId),
    };
  }

  /**
   * Adds a corp that installed the suite as an integration. The corp is found among the suite's
   * active authorizations (written by the auth worker after the install) by the Corp ID the
   * operator pasted: converted with corpid_to_opencorpid when the suite has a provider secret (new
   * corps only know an encrypted id, DOC-97061, DOC-96516), and compared as given otherwise
   * (historical corps keep plain ids, case-insensitive).
   */
  async addSuiteIntegration(input: AddSuiteIntegrationInput, options: { replace?: boolean } = {}): Promise<{ integration: WeComIntegration; authorization: SuiteAuthorization; replaced: boolean }> {
    const givenId = input.id === undefined ? undefined : parseInput(z.object({ id: integrationIdSchema }), { id: input.id }).id;
    const name = input.name === undefined ? undefined : parseInput(z.object({ name: z.string().check(z.maxLength(128)) }), { name: input.name }).name;
    const pasted = pastedCorpId(input.corpId);
    const suite = await this.requireSuite(input.suiteId);
    const authorization = await this.findAuthorization(suite, pasted);
    if (authorization.agentId === undefined) {
      // The worker reads get_auth_info for the agentid after the code exchange (DOC-100776, DOC-100779).
      throw new AuthorizationPendingError(`the authorization of corp ${authorization.corpName} (${authorization.corpId}) is still being processed: retry in a minute`);
    }
    const serving = (await this.deps.integrations.list()).filter(
      (i): i is WeComIntegration => i.platform === 'wecom' && i.settings.suite?.suiteId === suite.suiteId && i.settings.corpId === authorization.corpId,
    );
    const id = await this.chooseId(givenId, serving, authorization, options.replace === true);
    const previous = serving.find((i) => i.id === id) ?? (await this.deps.integrations.get(id));
    const integration = integrationSchema.parse({
      id,
      platform: 'wecom',
      ...((name ?? previous?.name) !== undefined ? { name: name ?? previous?.name } : {}),
      settings: {
        corpId: authorization.corpId,
        agentId: authorization.agentId,
        apiBase: suite.apiBase,
        suite: { suiteId: suite.suiteId, kind: suite.kind, pastedCorpId: pasted },
      },
      // The permanent code (with the suite's Token and key), written there by the auth worker.
      secretName: authorization.secretName,
      createdAt: new Date(this.deps.clock.nowMs()).toISOString(),
    }) as WeComIntegration;
    await this.deps.integrations.put(integration);
    const recorded: SuiteAuthorization = { ...authorization, integrationId: id, updatedAtMs: this.deps.clock.nowMs() };
    await this.deps.suites.putAuthorization(recorded);
    return { integration, authorization: recorded, replaced: previous !== undefined };
  }

  /** get_app_license_info and every page of list_actived_account (DOC-95844, DOC-95544). */
  async licenses(args: { integrationId: string }): Promise<SuiteLicenses> {
    const integration = await this.deps.integrations.get(args.integrationId);
    if (!integration) throw new NotFoundError('unknown_integration', `no integration with id ${args.integrationId}`);
    if (integration.platform !== 'wecom' || !integration.settings.suite) throw new NotSuiteIntegrationError(integration.id);
    const suite = await this.requireSuite(integration.settings.suite.suiteId);
    const corpId = integration.settings.corpId;
    const api = this.deps.tokens.api(suite);
    const info = await this.deps.tokens.withProviderToken(suite, (token) => api.getAppLicenseInfo(token, { corpId, suiteId: suite.suiteId }));
    const accounts: ActivatedAccount[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_ACCOUNT_PAGES; page++) {
      const from = cursor;
      const result = await this.deps.tokens.withProviderToken(suite, (token) => api.listActivatedAccounts(token, { corpId, ...(from !== undefined ? { cursor: from } : {}) }));
      accounts.push(...result.accounts);
      if (!result.hasMore || !result.nextCursor) break;
      cursor = result.nextCursor;
    }
    const now = this.deps.clock.nowMs();
    return {
      integrationId: integration.id,
      suiteId: suite.suiteId,
      corpId,
      licenseStatus: info.licenseStatus,
      ...(info.trialStartMs !== undefined ? { trialStartMs: info.trialStartMs } : {}),
      ...(info.trialEndMs !== undefined ? { trialEndMs: info.trialEndMs, trialDaysLeft: trialDaysLeft(info.trialEndMs, now) } : {}),
      ...(info.licenseCheckTimeMs !== undefined ? { licenseCheckTimeMs: info.licenseCheckTimeMs } : {}),
      accounts,
    };
  }

  private async requireSuite(suiteId: string): Promise<SuiteRecord> {
    const parsed = suiteIdSchema.safeParse(suiteId);
    if (!parsed.success) throw new InvalidSuiteInputError(`suiteId ${explainIssue(parsed.error.issues[0]!, suiteId)}`, [{ field: 'suiteId', problem: explainIssue(parsed.error.issues[0]!, suiteId) }]);
    const suite = await this.deps.suites.getSuite(suiteId);
    if (!suite) throw new UnknownSuiteError(suiteId);
    return suite;
  }

  private async findAuthorization(suite: SuiteRecord, pasted: string): Promise<SuiteAuthorization> {
    const installUrl = suiteConsoleUrls(this.deps.apiUrl, suite.suiteId).install;
    const notAuthorized = (hint = '') =>
      new CorpNotAuthorizedError(
        `corp ${pasted} has not authorized suite ${suite.suiteId}: authorize the app first: open ${installUrl} and install it as an admin of that corp ` +
          `(or install it from the WeCom app marketplace), then run this again${hint}`,
      );
    let openCorpId: string | undefined;
    let hint = '';
    try {
      openCorpId = await this.deps.tokens.withProviderToken(suite, (token) => this.deps.tokens.api(suite).corpIdToOpenCorpId(token, pasted));
    } catch (error) {
      // DOC-90455 48001 note 2: no authorization relationship between the corp and this provider.
      if (isSuiteErrcode(error, suiteErrcodes.notAuthorized)) throw notAuthorized();
      if (isSuiteErrcode(error, 60020)) {
        // WeCom takes service-provider calls only from the provider console's IP whitelist
        // (DOC-90455 60020); the CLI runs on the operator's machine, not behind the stack's egress IPs.
        hint =
          ' (WeCom refused corpid_to_opencorpid from this machine\'s IP (60020): only plain corp ids could be matched; add this machine\'s IP to the provider ' +
          'console\'s IP whitelist next to the EgressIps output, or run the CLI from a whitelisted host)';
      } else if (!(error instanceof ProviderSecretMissingError)) throw error;
      else {
        // Without a provider secret only ids WeCom gives in plain (historical corps, DOC-96516) can match.
        hint =
        ` (suite ${suite.suiteId} has no provider secret, so only plain corp ids can be matched: corps that first installed an app of yours after ` +
        '2021-11-17 are known by an encrypted id; add --provider-corp-id and --provider-secret-file with `suites add`)';
      }
    }
    const candidates = (await this.deps.suites.listAuthorizations(suite.suiteId)).filter((a) => a.status === 'active');
    const match = matchAuthorizedCorp(candidates, openCorpId !== undefined ? [openCorpId, pasted] : [pasted]);
    if (!match) throw notAuthorized(hint);
    return match;
  }

  /** The integration id: the given one, or on --replace the one already serving the corp, or a fresh unguessable one. */
  private async chooseId(givenId: string | undefined, serving: readonly WeComIntegration[], authorization: SuiteAuthorization, replace: boolean): Promise<string> {
    const corp = `corp ${authorization.corpName} (${authorization.corpId})`;
    if (serving.length > 0) {
      const names = serving.map((i) => `${i.id}${i.disabled ? ' (disabled)' : ''}`).join(', ');
      if (!replace) throw new CorpAlreadyIntegratedError(`${corp} already has integration ${names}: pass --replace to add it again, or remove it first`);
      if (givenId !== undefined && !serving.some((i) => i.id === givenId)) {
        throw new CorpAlreadyIntegratedError(`${corp} already has integration ${names}: --replace re-adds that one (pass --id ${serving[0]!.id} or no --id), or remove it first`);
      }
      return givenId ?? serving[0]!.id;
    }
    if (givenId === undefined) return integrationIdWithSuffix('wecom');
    if (!replace && (await this.deps.integrations.get(givenId))) {
      throw new InvalidSuiteInputError(`integration ${givenId} already exists (remove it first, or pass --replace)`, [{ field: 'id', problem: `${givenId} already exists (remove it first, or pass --replace)` }]);
    }
    return givenId;
  }
}

function pastedCorpId(value: string): string {
  try {
    return parsePastedCorpId(value);
  } catch (error) {
    if (!(error instanceof InvalidCorpIdError)) throw error;
    throw new InvalidSuiteInputError(error.message, [{ field: 'corpId', problem: `is not valid: ${error.message}` }]);
  }
}
