/**
 * The suite's command callback (指令回调URL, DOC-90613): suite_ticket, create_auth, change_auth,
 * cancel_auth, reset_permanent_code. WeCom wants the literal `success` (anything else is logged as
 * an error on its side) and, for authorization events, within 1000 ms (DOC-100964). So the callback
 * only authenticates, stores the ticket (a conditional write) and queues the rest for the suite-auth
 * worker; no WeCom call happens here.
 *
 * receiveid: the suite id on POST (DOC-90613, DOC-91144). On GET (URL verification) WeCom's pages
 * do not say and peers disagree (wecom-suite research §1.2: UNCONFIRMED), so both the suite id and
 * the provider's corp id are accepted.
 */
import { BadRequestError } from '../domain/errors';
import { LICENSE_EVENT_TYPES, suiteCommandSchema, type SuiteAuthJob, type SuiteCommand, type SuiteRecord } from '../domain/wecom-suite';
import { rejectionForCryptoError } from './crypto-errors';
import type { CallbackRequest, CallbackResponse } from './http-types';
import { openSuiteCallback, verifiedUrl, verifyWithEither } from './suite-callback';
import type { Clock, OperationLog } from './ports';
import type { SuiteSecretsStore, SuiteStore } from './suite-ports';

/** Queues work for the suite-auth worker (SQS `wecom-suite-auth`). */
export interface SuiteAuthJobQueue {
  publish(job: SuiteAuthJob): Promise<void>;
}

/** Reads the decrypted command XML into flat fields (shared/adapters/wecom/callback-xml.ts). */
export type SuiteCommandXmlReader = (xml: string) => Record<string, string | undefined>;

export interface WeComSuiteCommandDeps {
  readonly suites: SuiteStore;
  readonly secrets: SuiteSecretsStore;
  readonly jobs: SuiteAuthJobQueue;
  readonly operationLog: OperationLog;
  readonly readXml: SuiteCommandXmlReader;
  readonly parseEnvelope: (xml: string) => { encrypt: string; toUserName?: string };
  readonly clock: Clock;
  readonly record?: (outcome: string, details: Record<string, unknown>) => void;
}

export type SuiteCommandOutcome = 'verified' | 'ticket_saved' | 'ticket_stale' | 'queued' | 'duplicate' | 'ignored' | 'license_recorded';

/** DOC-90613: the body must be exactly `success`. */
const SUCCESS: CallbackResponse = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'success' };

export class WeComSuiteCommandUseCase {
  constructor(private readonly deps: WeComSuiteCommandDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: SuiteCommandOutcome }> {
    const { suite, echostr, signed, crypto } = await openSuiteCallback(this.deps, request);
    try {
      if (echostr !== undefined) {
        return { response: verifiedUrl(verifyWithEither([suite.suiteId, suite.providerCorpId], (id) => crypto(id).verifyUrl({ ...signed, echostr }))), outcome: 'verified' };
      }
      const envelope = this.deps.parseEnvelope(bodyText(request.body));
      // Suite events carry receiveid = suite id; the provider-wide license events (system URL) the
      // provider's corp id (UNCONFIRMED, research §1.1): both are accepted here.
      const xml = verifyWithEither([suite.suiteId, suite.providerCorpId], (id) => crypto(id).decryptMessage({ ...signed, encrypt: envelope.encrypt }));
      return { response: SUCCESS, outcome: await this.accept(suite, parseCommand(this.deps.readXml(xml))) };
    } catch (error) {
      throw rejectionForCryptoError(error) ?? error;
    }
  }

  private async accept(suite: SuiteRecord, command: SuiteCommand): Promise<SuiteCommandOutcome> {
    if (LICENSE_EVENT_TYPES.has(command.infoType)) return this.licenseEvent(suite, command);
    if (command.suiteId !== suite.suiteId) {
      // Encrypted with our key and receiveid but naming another suite: not something WeCom sends.
      throw new BadRequestError('suite_mismatch', 'the command has no SuiteId or names a different one than its URL');
    }
    const nowMs = this.deps.clock.nowMs();
    switch (command.infoType) {
      case 'suite_ticket': {
        if (!command.suiteTicket) throw new BadRequestError('missing_ticket', 'suite_ticket event without <SuiteTicket>');
        const saved = await this.deps.suites.saveTicketIfNewer(suite.suiteId, { ticket: command.suiteTicket, timestamp: command.timeStamp, receivedAtMs: nowMs });
        if (saved) return 'ticket_saved';
        // An older push arriving late (WeCom retries): the stored ticket is newer and stays.
        this.deps.record?.('ticket_stale', { suiteId: suite.suiteId, timeStamp: command.timeStamp });
        await this.log(nowMs, 'suite_ticket_stale', `suite ${suite.suiteId}: a suite_ticket with TimeStamp ${command.timeStamp} arrived after a newer one; the newer one is kept (DOC-90628: always use the newest)`);
        return 'ticket_stale';
      }
      case 'create_auth':
      case 'reset_permanent_code': {
        if (!command.authCode) throw new BadRequestError('missing_auth_code', `${command.infoType} event without <AuthCode>`);
        // Single use: a WeCom retry of the same push (it retries when our answer is late) or a
        // replayed request must not exchange the code twice.
        if (!(await this.deps.suites.claimAuthCode(suite.suiteId, command.authCode, nowMs))) {
          this.deps.record?.('duplicate_auth_code', { suiteId: suite.suiteId, infoType: command.infoType });
          return 'duplicate';
        }
        try {
          await this.deps.jobs.publish({ kind: 'exchange', suiteId: suite.suiteId, authCode: command.authCode, source: command.infoType });
        } catch (error) {
          await this.deps.suites.releaseAuthCode(suite.suiteId, command.authCode);
          throw error;
        }
        return 'queued';
      }
      case 'change_auth':
      case 'cancel_auth': {
        if (!command.authCorpId) throw new BadRequestError('missing_corp', `${command.infoType} event without <AuthCorpId>`);
        await this.deps.jobs.publish(
          command.infoType === 'change_auth'
            ? { kind: 'refresh', suiteId: suite.suiteId, corpId: command.authCorpId }
            : { kind: 'cancel', suiteId: suite.suiteId, corpId: command.authCorpId, atMs: command.timeStamp * 1000 },
        );
        return 'queued';
      }
      default:
        // change_contact, share_agent_change, corp_arch_auth…: not used by dutybridge.
        this.deps.record?.('ignored', { suiteId: suite.suiteId, infoType: command.infoType });
        return 'ignored';
    }
  }

  /** Recorded for the operator (licenses are bought and activated in the provider console, DOC-95652). */
  private async licenseEvent(suite: SuiteRecord, command: SuiteCommand): Promise<SuiteCommandOutcome> {
    // WeCom retries a push it thinks we missed: record each event once (the same single-use claim
    // as auth codes, keyed by what identifies the event).
    const eventKey = `license:${command.infoType}:${command.authCorpId ?? ''}:${command.orderId ?? ''}:${command.timeStamp}`;
    if (!(await this.deps.suites.claimAuthCode(suite.suiteId, eventKey, this.deps.clock.nowMs()))) return 'duplicate';
    const corp = command.authCorpId ? await this.deps.suites.getAuthorization(suite.suiteId, command.authCorpId) : undefined;
    const who = corp ? `${corp.corpName} (${corp.corpId})` : (command.authCorpId ?? 'an unknown corp');
    const order = command.orderId ? ` order ${command.orderId}` : '';
    const reason =
      command.infoType === 'license_pay_success'
        ? `WeCom: API access licenses paid for ${who}${order}; activate them for the members who get cards (provider console → 接口调用许可)`
        : command.infoType === 'license_refund'
          ? `WeCom: refund of license${order} for ${who} ${command.orderStatus === '1' ? 'accepted' : command.orderStatus === '2' ? 'rejected' : `status ${command.orderStatus ?? 'unknown'}`}`
          : `WeCom activated API access licenses automatically for ${who} (scene ${command.scene ?? 'unknown'})`;
    await this.deps.operationLog
      .append([{ atMs: this.deps.clock.nowMs(), result: 'done', reasonCode: 'license_event', reason, platform: 'wecom', channel: 'event', ...(corp?.integrationId ? { integrationId: corp.integrationId } : {}) }])
      .catch(() => undefined);
    return 'license_recorded';
  }

  private async log(atMs: number, reasonCode: 'suite_ticket_stale', reason: string): Promise<void> {
    await this.deps.operationLog.append([{ atMs, result: 'dropped', reasonCode, reason, platform: 'wecom', channel: 'event' }]).catch(() => undefined);
  }
}

function bodyText(body: Buffer): string {
  const text = body.toString('utf8').trim();
  if (text.length === 0) throw new BadRequestError('empty_body', 'POST body is empty');
  if (!text.startsWith('<')) throw new BadRequestError('unsupported_body', 'the command callback body must be XML');
  return text;
}

function parseCommand(fields: Record<string, string | undefined>): SuiteCommand {
  const timeStamp = Number(fields.TimeStamp);
  const parsed = suiteCommandSchema.safeParse({
    infoType: fields.InfoType,
    suiteId: fields.SuiteId,
    timeStamp: Number.isFinite(timeStamp) ? timeStamp : undefined,
    suiteTicket: fields.SuiteTicket || undefined,
    authCode: fields.AuthCode || undefined,
    authCorpId: fields.AuthCorpId || undefined,
    state: fields.State || undefined,
    orderId: fields.OrderId || undefined,
    orderStatus: fields.OrderStatus || undefined,
    scene: fields.Scene || undefined,
  });
  if (!parsed.success) throw new BadRequestError('invalid_command', 'command event lacks InfoType or a numeric TimeStamp, or a field is malformed');
  return parsed.data;
}
