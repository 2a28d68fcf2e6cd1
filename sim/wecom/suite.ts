/**
 * The WeCom service-provider side ("third-party app" / suite) of the simulator: the provider's
 * apps, customer corps that install them, the command-URL events WeCom sends the provider, and the
 * corps an installed app then works with. Facts: research wecom-suite.md §1–§5, §8, §9, read
 * against the third-party pages of the docs (DOC numbers beside each rule).
 *
 * An installed app is registered in WeComModule as a corp under the corp id the app sees
 * (encrypted for corps new to the provider, plain for historical ones, DOC-96516), with the
 * suite's Token/EncodingAESKey and data URL: message/send, update_template_card and clicks then
 * work exactly as for a self-built app, with ids as the app sees them.
 *
 * HTTP: suite-api.ts (/cgi-bin/service/*, /cgi-bin/license/*, /3rdapp/install, OAuth),
 * suite-control.ts (/_sim/wecom/suites|customers|market). Pushes: suite-push.ts.
 */
import { randomBytes } from 'node:crypto';
import type { SimContext, SimRequest, SimResponse } from '../core/contract';
import { INSTALL_STATE_PATTERN } from './request-schemas';
import { handleSuiteApi } from './suite-api';
import { handleSuiteControl } from './suite-control';
import { AppIdTranslator } from './suite-ids';
import { dataUrlFor, pushCommand, pushDataEvent, verifySuiteUrl, type CommandField, type PushOutcome, type UrlCheckResult } from './suite-push';
import {
  LICENSE_YEAR_MS,
  SuiteConfigError,
  SuiteConflictError,
  SuiteNotFoundError,
  SuiteStore,
  TRIAL_MS,
  type AuthCode,
  type CustomerCorp,
  type SuiteAuthorization,
  type SuiteConfig,
  type SuiteCorpHost,
} from './suite-state';

const MINUTE_MS = 60_000;
/** Auth code of an install: "10分钟内有效", single use (DOC-100964, DOC-90597). */
export const AUTH_CODE_TTL_MS = 10 * MINUTE_MS;
/** "suite_ticket实际有效期为30分钟" (DOC-90600, DOC-90628). */
export const TICKET_VALIDITY_MS = 30 * MINUTE_MS;
/** Tickets kept per suite (only the newest and those younger than 30 min matter). */
const TICKETS_KEPT = 10;
/** How often the simulator looks whether a ticket push is due (the clock may also be advanced). */
const TICKET_TIMER_MS = 1000;
/** Agent ids of installed apps: 1000001, 1000002, … (agentids of WeCom apps start at 1000001). */
const FIRST_AGENT_ID = 1000001;

/** Third-party app ids start ww/wx (legacy tj), 代开发 templates dk (DOC-90600). */
const THIRD_PARTY_SUITE_ID = /^(ww|wx|tj)[A-Za-z0-9]{1,62}$/;
const DEVELOPER_HOSTED_SUITE_ID = /^dk[A-Za-z0-9]{1,62}$/;
/** UserID: letters, digits, "-", "_", "." (and "@" in practice), 1..64 (DOC-90455 40003 help). */
const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;

export interface SuiteInput {
  suiteSecret?: unknown;
  token?: unknown;
  encodingAesKey?: unknown;
  providerCorpId?: unknown;
  providerSecret?: unknown;
  commandUrl?: unknown;
  dataUrl?: unknown;
  ticketIntervalSeconds?: unknown;
  tokenTtlSeconds?: unknown;
  developerHosted?: unknown;
  name?: unknown;
  trustedDomain?: unknown;
  redirectDomain?: unknown;
}

export interface TicketPush extends PushOutcome {
  readonly ticket: string;
  readonly timestamp: number;
}

/** A 代开发 app's secret, which is its permanent_code (DOC-97163): 43 URL-safe characters like a corp app secret. */
function newDeveloperHostedSecret(): string {
  return randomBytes(32).toString('base64url').slice(0, 43);
}

function text(value: unknown, field: string, pattern?: RegExp, hint?: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new SuiteConfigError(`${field} is required`);
  if (pattern && !pattern.test(value)) throw new SuiteConfigError(`${field} ${hint ?? `must match ${pattern}`}`);
  return value;
}

function optionalUrl(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SuiteConfigError(`${field} must be a string`);
  try {
    const parsed = new URL(value.split('$CORPID$').join('CORPID'));
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new SuiteConfigError(`${field} must be an absolute http(s) URL`);
  }
  return value;
}

function positiveInteger(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new SuiteConfigError(`${field} must be a positive integer`);
  return value;
}

export class WeComSuiteSim {
  readonly store = new SuiteStore();
  private nextTicketDueMs = new Map<string, number>();
  private ticketPushing = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private timerCtx: SimContext | undefined;
  private agentSeq = 0;

  constructor(
    readonly host: SuiteCorpHost,
    /** The simulated client's "signed in as" cookie (WeComModule's WECOM_CLIENT_COOKIE). */
    readonly clientCookie: string,
  ) {}

  handle(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
    return handleSuiteApi(this, req, ctx);
  }

  handleControl(req: SimRequest, ctx: SimContext): Promise<SimResponse | undefined> {
    return handleSuiteControl(this, req, ctx);
  }

  reset(): void {
    this.stop();
    this.store.clear();
    this.nextTicketDueMs.clear();
    this.ticketPushing.clear();
    this.agentSeq = 0;
  }

  /** Stops the ticket timer (the simulator is stopping). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether a member of a customer corp (plain userid) may sign in to the simulated client. */
  isCustomerUser(userId: string): boolean {
    return [...this.store.customers.values()].some((c) => c.users.some((u) => u.userId.toLowerCase() === userId.toLowerCase()));
  }

  // ------------------------------------------------------------------ configuration

  async configureSuite(suiteId: string, input: SuiteInput, ctx: SimContext): Promise<{ suite: SuiteConfig; ticketPush?: TicketPush }> {
    const developerHosted = input.developerHosted ?? false;
    if (typeof developerHosted !== 'boolean') throw new SuiteConfigError('developerHosted must be a boolean');
    if (!(developerHosted ? DEVELOPER_HOSTED_SUITE_ID : THIRD_PARTY_SUITE_ID).test(suiteId)) {
      throw new SuiteConfigError(developerHosted ? 'a developer-hosted template id starts with dk (DOC-90600)' : 'a third-party suite id starts with ww, wx or tj, then letters/digits (DOC-90600)');
    }
    const providerCorpId = text(input.providerCorpId, 'providerCorpId', /^[A-Za-z0-9]{1,64}$/, 'must be 1..64 letters/digits');
    const providerSecret = text(input.providerSecret, 'providerSecret');
    for (const other of this.store.suites.values()) {
      if (other.suiteId !== suiteId && other.providerCorpId.toLowerCase() === providerCorpId.toLowerCase() && other.providerSecret !== providerSecret) {
        throw new SuiteConfigError(`providerSecret differs from that of suite ${other.suiteId} of the same provider (one provider_secret per provider, DOC-91200)`);
      }
    }
    const name = input.name === undefined ? 'dutybridge' : text(input.name, 'name');
    const domain = (value: unknown, field: string) => (value === undefined ? undefined : text(value, field, /^[A-Za-z0-9.-]+(:\d+)?$/, 'must be host[:port]'));
    const suite: SuiteConfig = {
      suiteId,
      suiteSecret: text(input.suiteSecret, 'suiteSecret'),
      // Token ≤ 32 letters/digits, EncodingAESKey 43 (DOC-90930, the same rule for app callbacks).
      token: text(input.token, 'token', /^[A-Za-z0-9]{1,32}$/, 'must be 1..32 letters/digits'),
      encodingAesKey: text(input.encodingAesKey, 'encodingAesKey', /^[A-Za-z0-9]{43}$/, 'must be 43 letters/digits'),
      providerCorpId,
      providerSecret,
      commandUrl: optionalUrl(input.commandUrl, 'commandUrl'),
      dataUrl: optionalUrl(input.dataUrl, 'dataUrl'),
      ticketIntervalSeconds: positiveInteger(input.ticketIntervalSeconds, 'ticketIntervalSeconds', 600),
      tokenTtlSeconds: positiveInteger(input.tokenTtlSeconds, 'tokenTtlSeconds', 7200),
      developerHosted,
      name,
      trustedDomain: domain(input.trustedDomain, 'trustedDomain'),
      redirectDomain: domain(input.redirectDomain, 'redirectDomain'),
    };
    this.store.suites.set(suiteId, suite);
    // Installed corps follow the app's new Token/key/data URL.
    for (const authorization of this.store.authorizations) {
      if (authorization.suiteId === suiteId && !authorization.cancelled) this.registerCorp(authorization, ctx);
    }
    if (!suite.commandUrl) {
      this.nextTicketDueMs.delete(suiteId);
      return { suite };
    }
    this.ensureTimer(ctx);
    return { suite, ticketPush: await this.pushTicket(suiteId, ctx) };
  }

  configureCustomer(corpId: string, input: { corpName?: unknown; users?: unknown; historical?: unknown }, ctx: SimContext): CustomerCorp {
    if (!/^[A-Za-z0-9]{1,64}$/.test(corpId)) throw new SuiteConfigError('corpId must be 1..64 letters/digits');
    const corpName = text(input.corpName, 'corpName');
    const historical = input.historical ?? false;
    if (typeof historical !== 'boolean') throw new SuiteConfigError('historical must be a boolean');
    if (!Array.isArray(input.users)) throw new SuiteConfigError('users must be an array');
    const previous = this.store.customer(corpId);
    const now = ctx.clock.now();
    const seen = new Set<string>();
    const users = input.users.map((raw: unknown) => {
      const u = (raw ?? {}) as Record<string, unknown>;
      const userId = text(u.userId, 'users[].userId', USER_ID, 'must be 1..64 of letters, digits, _ . @ -');
      if (seen.has(userId.toLowerCase())) throw new SuiteConfigError(`userId ${userId} appears twice`);
      seen.add(userId.toLowerCase());
      if (u.unlicensed !== undefined && typeof u.unlicensed !== 'boolean') throw new SuiteConfigError('users[].unlicensed must be a boolean');
      const kept = previous?.users.find((p) => p.userId.toLowerCase() === userId.toLowerCase())?.license;
      const license = u.unlicensed === true ? undefined : kept?.active ? kept : { active: true, activeTimeMs: now, expireTimeMs: now + LICENSE_YEAR_MS };
      return { userId, name: text(u.name, 'users[].name'), mobile: text(u.mobile, 'users[].mobile'), email: text(u.email, 'users[].email'), ...(license ? { license } : {}) };
    });
    const customer: CustomerCorp = { corpId, corpName, users, historical };
    this.store.customers.set(corpId.toLowerCase(), customer);
    this.refreshCustomerCorps(customer, ctx);
    return customer;
  }

  /** Activates or deactivates a member's basic license (DOC-95652); a deactivated one stays listed as expired (DOC-95544). */
  setLicense(corpId: string, userId: string, active: unknown, ctx: SimContext): void {
    if (typeof active !== 'boolean') throw new SuiteConfigError('active must be a boolean');
    const customer = this.store.customer(corpId);
    if (!customer) throw new SuiteNotFoundError(`unknown customer corp ${corpId}`);
    const user = customer.users.find((u) => u.userId.toLowerCase() === userId.toLowerCase());
    if (!user) throw new SuiteNotFoundError(`user ${userId} is not a member of ${corpId}`);
    const now = ctx.clock.now();
    if (active) user.license = user.license?.active ? user.license : { active: true, activeTimeMs: now, expireTimeMs: now + LICENSE_YEAR_MS };
    else if (user.license) user.license = { ...user.license, active: false, expireTimeMs: Math.min(user.license.expireTimeMs, now) };
    this.refreshCustomerCorps(customer, ctx);
  }

  private refreshCustomerCorps(customer: CustomerCorp, ctx: SimContext): void {
    for (const authorization of this.store.authorizations) {
      if (!authorization.cancelled && authorization.plainCorpId.toLowerCase() === customer.corpId.toLowerCase()) this.registerCorp(authorization, ctx);
    }
  }

  /** Registers (or refreshes) the corp an authorization works with in WeComModule. */
  private registerCorp(authorization: SuiteAuthorization, ctx: SimContext): void {
    const suite = this.store.suite(authorization.suiteId);
    const corpId = authorization.ids.corpId;
    this.host.configureCorp(
      corpId,
      {
        agentId: authorization.agentId,
        // A third-party app has no corpsecret (its token comes from get_corp_token, DOC-90605); a
        // 代开发 app's secret is its permanent_code (DOC-97163).
        secret: suite.developerHosted ? authorization.permanentCode : randomBytes(24).toString('base64url'),
        token: suite.token,
        encodingAesKey: suite.encodingAesKey,
        ...(suite.dataUrl ? { callbackUrl: dataUrlFor(suite.dataUrl, corpId) } : {}),
        appName: suite.name,
        tokenTtlSeconds: suite.tokenTtlSeconds,
        ...(suite.trustedDomain ? { trustedDomain: suite.trustedDomain } : {}),
        users: this.store.appUsers(authorization),
        thirdParty: { suiteId: suite.suiteId, providerCorpId: suite.providerCorpId, developerHosted: suite.developerHosted, encryptedIds: authorization.ids.encrypted },
      },
      ctx,
    );
  }

  // ------------------------------------------------------------------ suite_ticket

  /** Issues a new suite_ticket and pushes it to the command URL (DOC-90628). */
  async pushTicket(suiteId: string, ctx: SimContext): Promise<TicketPush> {
    const suite = this.store.suite(suiteId);
    if (!suite.commandUrl) throw new SuiteConflictError(`suite ${suiteId} has no commandUrl to push a suite_ticket to`);
    const now = ctx.clock.now();
    const ticket = { ticket: randomBytes(48).toString('base64url'), issuedAtMs: now };
    const tickets = [...(this.store.tickets.get(suiteId) ?? []), ticket].slice(-TICKETS_KEPT);
    this.store.tickets.set(suiteId, tickets);
    this.nextTicketDueMs.set(suiteId, now + suite.ticketIntervalSeconds * 1000);
    const timestamp = Math.floor(now / 1000);
    const outcome = await pushCommand(suite, 'suite_ticket', [['SuiteTicket', ticket.ticket]], ctx);
    return { ticket: ticket.ticket, timestamp, ...outcome };
  }

  /**
   * Pushes the tickets that are due on the simulator's clock ("每十分钟", DOC-90628). When the
   * clock jumped over several intervals only one ticket is pushed: the app keeps the newest anyway.
   */
  async tick(ctx: SimContext): Promise<void> {
    const now = ctx.clock.now();
    const due = [...this.nextTicketDueMs].filter(([suiteId, at]) => now >= at && !this.ticketPushing.has(suiteId));
    await Promise.all(
      due.map(async ([suiteId]) => {
        this.ticketPushing.add(suiteId);
        try {
          if (this.store.suites.get(suiteId)?.commandUrl) await this.pushTicket(suiteId, ctx);
          else this.nextTicketDueMs.delete(suiteId);
        } finally {
          this.ticketPushing.delete(suiteId);
        }
      }),
    );
  }

  private ensureTimer(ctx: SimContext): void {
    this.timerCtx = ctx;
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.timerCtx) void this.tick(this.timerCtx).catch((error: Error) => this.timerCtx?.log(`wecom suite ticket timer: ${error.message}`));
    }, TICKET_TIMER_MS);
    this.timer.unref?.();
  }

  /** get_suite_token's rule: the newest ticket, or an older one younger than 30 min (DOC-90600). */
  ticketProblem(suiteId: string, ticket: string, nowMs: number): string | undefined {
    const tickets = this.store.tickets.get(suiteId) ?? [];
    const newest = tickets.at(-1);
    if (newest?.ticket === ticket) return undefined;
    const older = tickets.find((t) => t.ticket === ticket);
    if (!older) return tickets.length === 0 ? 'no suite_ticket was ever pushed for this suite (set a commandUrl)' : 'suite_ticket unknown for this suite';
    if (nowMs - older.issuedAtMs >= TICKET_VALIDITY_MS) return `suite_ticket is ${Math.round((nowMs - older.issuedAtMs) / MINUTE_MS)} min old; valid 30 min, use the newest (DOC-90600)`;
    return undefined;
  }

  // ------------------------------------------------------------------ installs

  /**
   * A customer admin authorizes the app: the authorization (permanent code, agent) exists from
   * now on; the single-use auth code (10 min) reveals it (DOC-90597, DOC-100776).
   */
  install(
    suiteId: string,
    plainCorpId: string,
    options: { state?: string; via: 'market' | 'site'; authType?: 0 | 1; adminUserId?: string },
    ctx: SimContext,
  ): { authorization: SuiteAuthorization; authCode: string } {
    const suite = this.store.suite(suiteId);
    const customer = this.store.customer(plainCorpId);
    if (!customer) throw new SuiteNotFoundError(`unknown customer corp ${plainCorpId} (PUT /_sim/wecom/customers/{corpId} first)`);
    const state = options.state ?? '';
    if (!INSTALL_STATE_PATTERN.test(state)) throw new SuiteConfigError('state must be 0..128 characters of a-zA-Z0-9 (DOC-90597)');
    if (this.store.activeAuthorization(suiteId, customer.corpId)) throw new SuiteConflictError(`${customer.corpId} has already authorized ${suiteId}; cancel first`);
    const sameProvider = this.store.providerAuthorizations(suite.providerCorpId, customer.corpId);
    if (sameProvider.length > 0) {
      // Both apps would be the same corp id in WeComModule, which holds one app per corp.
      throw new SuiteConflictError(`${customer.corpId} already has ${sameProvider[0]!.suiteId} of the same provider; the simulator plays one app per provider and corp`);
    }
    const admin = options.adminUserId ? customer.users.find((u) => u.userId.toLowerCase() === options.adminUserId!.toLowerCase()) : customer.users[0];
    if (options.adminUserId && !admin) throw new SuiteNotFoundError(`admin ${options.adminUserId} is not a member of ${customer.corpId}`);
    const ids = new AppIdTranslator(suite.providerCorpId, customer.corpId, !customer.historical);
    // A retired (uninstalled) app's corp may be replaced; a live one (self-built, or another provider's app on plain ids) may not.
    const existing = this.host.corp(ids.corpId);
    if (existing && !(existing.thirdParty && existing.retired)) {
      throw new SuiteConflictError(`corp id ${ids.corpId} is already a live app's corp in the simulator (${existing.thirdParty ? `suite ${existing.thirdParty.suiteId}` : 'self-built, PUT /_sim/wecom/corps'})`);
    }
    const now = ctx.clock.now();
    const authorization: SuiteAuthorization = {
      suiteId,
      providerCorpId: suite.providerCorpId,
      plainCorpId: customer.corpId,
      ids,
      corpName: customer.corpName,
      agentId: FIRST_AGENT_ID + this.agentSeq++,
      // 代开发: permanent_code is the app's secret (DOC-97163); else an opaque ≤512-byte code (DOC-100776).
      permanentCode: suite.developerHosted ? newDeveloperHostedSecret() : randomBytes(48).toString('base64url'),
      installedAtMs: now,
      state,
      authType: options.authType ?? 0,
      via: options.via,
      ...(admin ? { adminPlainUserId: admin.userId } : {}),
      cancelled: false,
    };
    this.store.authorizations.push(authorization);
    const trialKey = `${suiteId}/${customer.corpId.toLowerCase()}`;
    if (!this.store.firstInstallMs.has(trialKey)) this.store.firstInstallMs.set(trialKey, now);
    this.registerCorp(authorization, ctx);
    return { authorization, authCode: this.issueAuthCode(authorization, now) };
  }

  /** A single-use auth code, 10 min, that get_permanent_code exchanges for the authorization's code (DOC-100776). */
  private issueAuthCode(authorization: SuiteAuthorization, nowMs: number): string {
    // auth_code: "长度为64至512个字节" (DOC-100776).
    const authCode = randomBytes(48).toString('base64url');
    const record: AuthCode = { suiteId: authorization.suiteId, authorization, expiresAtMs: nowMs + AUTH_CODE_TTL_MS, used: false };
    this.store.authCodes.set(authCode, record);
    return authCode;
  }

  /** An install from the app market: create_auth goes to the command URL (DOC-100964). */
  async marketInstall(suiteId: string, corpId: string, options: { state?: string; adminUserId?: string }, ctx: SimContext): Promise<{ authCode: string; push: PushOutcome }> {
    const suite = this.store.suite(suiteId);
    if (!suite.commandUrl) throw new SuiteConflictError(`suite ${suiteId} has no commandUrl for create_auth`);
    const { authorization, authCode } = this.install(suiteId, corpId, { ...options, via: 'market' }, ctx);
    const fields: CommandField[] = [['AuthCode', authCode]];
    if (authorization.state) fields.push(['State', authorization.state]);
    fields.push(['ExtraInfo', '']);
    return { authCode, push: await pushCommand(suite, 'create_auth', fields, ctx) };
  }

  trialEndMs(suiteId: string, plainCorpId: string): number | undefined {
    const start = this.store.firstInstallMs.get(`${suiteId}/${plainCorpId.toLowerCase()}`);
    return start === undefined ? undefined : start + TRIAL_MS;
  }

  /**
   * The customer removes the app: cancel_auth to the command URL, its corp tokens die and
   * get_corp_token answers 40084 (DOC-100964, DOC-90455). When no app of the provider is left the
   * corp is "new" again: a later install gets encrypted ids (DOC-96516 FAQ 3).
   */
  async cancel(suiteId: string, corpId: string, ctx: SimContext): Promise<PushOutcome | undefined> {
    const suite = this.store.suite(suiteId);
    const authorization = this.store.activeAuthorization(suiteId, corpId);
    if (!authorization) throw new SuiteNotFoundError(`${corpId} has no live authorization of ${suiteId}`);
    authorization.cancelled = true;
    this.host.retireCorp(authorization.ids.corpId);
    for (const code of this.store.authCodes.values()) if (code.authorization === authorization) code.used = true;
    const customer = this.store.customer(authorization.plainCorpId);
    if (customer?.historical && this.store.providerAuthorizations(suite.providerCorpId, customer.corpId).length === 0) {
      customer.historical = false;
      ctx.log(`wecom suite: ${customer.corpId} removed every app of provider ${suite.providerCorpId}; its next install is new (encrypted ids, DOC-96516 FAQ 3)`);
    }
    if (!suite.commandUrl) return undefined;
    return pushCommand(suite, 'cancel_auth', [['AuthCorpId', authorization.ids.corpId]], ctx);
  }

  /** change_auth (visible range, permissions, auth mode changed): the app re-reads auth info (DOC-100964). */
  async change(suiteId: string, corpId: string, ctx: SimContext): Promise<PushOutcome> {
    const suite = this.store.suite(suiteId);
    const authorization = this.store.activeAuthorization(suiteId, corpId);
    if (!authorization) throw new SuiteNotFoundError(`${corpId} has no live authorization of ${suiteId}`);
    if (!suite.commandUrl) throw new SuiteConflictError(`suite ${suiteId} has no commandUrl for change_auth`);
    return pushCommand(suite, 'change_auth', [['AuthCorpId', authorization.ids.corpId], ['State', authorization.state], ['ExtraInfo', '']], ctx);
  }

  /**
   * The customer's admin clicks "重新获取secret" on a 代开发 app: WeCom pushes reset_permanent_code
   * (SuiteId, AuthCode, InfoType, TimeStamp) to the template's command URL, and get_permanent_code
   * exchanges that AuthCode for the new secret (DOC-94758, DOC-97163). Only 代开发 apps have a secret
   * to reset: a third-party app's corp token comes from get_corp_token (DOC-90605).
   *
   * When the old secret stops working is not written down (UNCONFIRMED). The simulator plays the
   * strict reading: from the reset on, gettoken answers 40001 to the old secret, even before the
   * provider has exchanged the code, so a provider that is slow to exchange finds out here. Access
   * tokens issued before the reset stay valid until they expire (tokens are independent of the
   * secret once issued; WeCom may still revoke them early, DOC-91039, which /_sim/wecom/tokens/invalidate plays).
   */
  async resetSecret(suiteId: string, corpId: string, ctx: SimContext): Promise<{ authCode: string; push: PushOutcome }> {
    const suite = this.store.suite(suiteId);
    if (!suite.developerHosted) {
      throw new SuiteConflictError(`suite ${suiteId} is a third-party app: only a 代开发 (developer-hosted, dk…) app has a secret to reset (reset_permanent_code, DOC-94758)`);
    }
    const authorization = this.store.activeAuthorization(suiteId, corpId);
    if (!authorization) throw new SuiteNotFoundError(`${corpId} has no live authorization of ${suiteId}`);
    if (!suite.commandUrl) throw new SuiteConflictError(`suite ${suiteId} has no commandUrl for reset_permanent_code`);
    authorization.permanentCode = newDeveloperHostedSecret();
    // Re-registering the corp replaces the secret gettoken checks; WeComModule keeps issued tokens.
    this.registerCorp(authorization, ctx);
    const authCode = this.issueAuthCode(authorization, ctx.clock.now());
    return { authCode, push: await pushCommand(suite, 'reset_permanent_code', [['AuthCode', authCode]], ctx) };
  }

  /** An unlicensed member opened the app: unlicensed_notify on the data URL (DOC-95716). */
  async unlicensedNotify(suiteId: string, corpId: string, userId: string, ctx: SimContext): Promise<PushOutcome> {
    const suite = this.store.suite(suiteId);
    const authorization = this.store.activeAuthorization(suiteId, corpId);
    if (!authorization) throw new SuiteNotFoundError(`${corpId} has no live authorization of ${suiteId}`);
    if (!suite.dataUrl) throw new SuiteConflictError(`suite ${suiteId} has no dataUrl`);
    const customer = this.store.customer(authorization.plainCorpId)!;
    const plainIds = customer.users.map((u) => u.userId);
    const plain = plainIds.find((id) => id.toLowerCase() === userId.toLowerCase()) ?? authorization.ids.plainUserId(userId, plainIds);
    const user = customer.users.find((u) => u.userId === plain);
    if (!user) throw new SuiteNotFoundError(`user ${userId} is not a member of ${corpId}`);
    // "当许可帐号失效（未激活或已过期）的企业成员访问应用" (DOC-95716): only members without a license.
    if (user.license?.active) throw new SuiteConflictError(`user ${user.userId} has an active license; WeCom sends unlicensed_notify only for members without one`);
    const appCorpId = authorization.ids.corpId;
    const xml =
      `<xml><ToUserName><![CDATA[${appCorpId}]]></ToUserName><FromUserName><![CDATA[${authorization.ids.userId(user.userId)}]]></FromUserName>` +
      `<CreateTime>${Math.floor(ctx.clock.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[unlicensed_notify]]></Event><AgentID>${authorization.agentId}</AgentID></xml>`;
    return pushDataEvent(suite, appCorpId, authorization.agentId, 'unlicensed_notify', xml, ctx);
  }

  verify(suiteId: string, which: unknown, ctx: SimContext): Promise<UrlCheckResult> {
    if (which !== 'command' && which !== 'data') throw new SuiteConfigError("which must be 'command' or 'data'");
    const suite = this.store.suite(suiteId);
    if (!(which === 'command' ? suite.commandUrl : suite.dataUrl)) throw new SuiteConflictError(`suite ${suiteId} has no ${which}Url`);
    return verifySuiteUrl(suite, which, ctx);
  }

  // ------------------------------------------------------------------ inspection

  describe(suiteId: string, ctx: SimContext): Record<string, unknown> {
    const suite = this.store.suite(suiteId);
    const newest = this.store.newestTicket(suiteId);
    return {
      suiteId,
      providerCorpId: suite.providerCorpId,
      developerHosted: suite.developerHosted,
      commandUrl: suite.commandUrl ?? null,
      dataUrl: suite.dataUrl ?? null,
      ticket: newest ? { ticket: newest.ticket, timestamp: Math.floor(newest.issuedAtMs / 1000) } : null,
      nextTicketAtMs: this.nextTicketDueMs.get(suiteId) ?? null,
      nowMs: ctx.clock.now(),
      authorizations: this.store.authorizations
        .filter((a) => a.suiteId === suiteId)
        .map((a) => {
          const customer = this.store.customer(a.plainCorpId);
          return {
            plainCorpId: a.plainCorpId,
            corpId: a.ids.corpId,
            corpName: a.corpName,
            agentId: a.agentId,
            permanentCode: a.permanentCode,
            cancelled: a.cancelled,
            encryptedIds: a.ids.encrypted,
            via: a.via,
            state: a.state,
            authType: a.authType,
            installedAtMs: a.installedAtMs,
            trialEndMs: this.trialEndMs(suiteId, a.plainCorpId) ?? null,
            users: (customer?.users ?? []).map((u) => ({ plainUserId: u.userId, userId: a.ids.userId(u.userId), openUserId: a.ids.openUserId(u.userId), unlicensed: !u.license?.active })),
          };
        }),
    };
  }
}
