/**
 * The suite's data callback (数据回调URL, DOC-90595): the app events of every corp that installed
 * the suite, each encrypted with the suite's Token/EncodingAESKey and receiveid = that corp's id as
 * the suite sees it (plain for historical corps, encrypted for newer ones; DOC-91144). The outer
 * `ToUserName` names the corp; the decryption then proves it (the receiveid trailer must equal it).
 *
 * Card events go down the custom app's path (enqueueWeComEvent) under the corp's integration;
 * `unlicensed_notify` (DOC-95716) goes to the operation log with what to do. A corp that authorized
 * the suite but has no integration yet, or whose integration is disabled, gets 200 (WeCom would
 * retry anything else) and a log line: the event has nowhere to go.
 *
 * GET verification: receiveid = the provider's corp id, because WeCom replaces `$CORPID$` with it
 * when checking the URL (DOC-90595); the suite id is accepted too (UNCONFIRMED, research §1.2).
 */
import { BadRequestError } from '../domain/errors';
import { corpIdPattern, type SuiteRecord } from '../domain/wecom-suite';
import type { WeComCallbackEvent } from '../domain/inbound';
import type { WeComIntegration } from '../domain/integration';
import { rejectionForCryptoError } from './crypto-errors';
import { emptyOk, type CallbackRequest, type CallbackResponse } from './http-types';
import { enqueueWeComEvent, type WeComCallbackDeps } from './wecom-callback';
import { openSuiteCallback, verifiedUrl, verifyWithEither } from './suite-callback';
import type { OperationLog } from './ports';
import type { SuiteSecretsStore, SuiteStore } from './suite-ports';

export interface WeComSuiteDataDeps extends Pick<WeComCallbackDeps, 'integrations' | 'dedupe' | 'inbound' | 'xml' | 'clock' | 'record'> {
  readonly suites: SuiteStore;
  readonly secrets: SuiteSecretsStore;
  readonly operationLog: OperationLog;
}

export type SuiteDataOutcome = 'verified' | 'enqueued' | 'duplicate' | 'ignored' | 'no_integration' | 'integration_disabled' | 'unlicensed_recorded';

export class WeComSuiteDataUseCase {
  constructor(private readonly deps: WeComSuiteDataDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: SuiteDataOutcome }> {
    const { suite, echostr, signed, crypto } = await openSuiteCallback(this.deps, request);
    try {
      if (echostr !== undefined) {
        return { response: verifiedUrl(verifyWithEither([suite.providerCorpId, suite.suiteId], (id) => crypto(id).verifyUrl({ ...signed, echostr }))), outcome: 'verified' };
      }
      const text = request.body.toString('utf8').trim();
      if (!text.startsWith('<')) throw new BadRequestError('unsupported_body', 'the data callback body must be XML');
      const envelope = this.deps.xml.parseEnvelope(text);
      const corpId = envelope.toUserName ?? '';
      if (!corpIdPattern.test(corpId)) throw new BadRequestError('missing_corp', 'the envelope has no usable <ToUserName> (the corp id)');
      const event = this.deps.xml.parseEvent(crypto(corpId).decryptMessage({ ...signed, encrypt: envelope.encrypt }));
      return await this.route(suite, corpId, event);
    } catch (error) {
      throw rejectionForCryptoError(error) ?? error;
    }
  }

  private async route(suite: SuiteRecord, corpId: string, event: WeComCallbackEvent): Promise<{ response: CallbackResponse; outcome: SuiteDataOutcome }> {
    const authorization = await this.deps.suites.getAuthorization(suite.suiteId, corpId);
    const integration = authorization?.integrationId ? await this.deps.integrations.get(authorization.integrationId) : undefined;
    if (!integration || integration.platform !== 'wecom' || integration.settings.suite?.suiteId !== suite.suiteId || integration.settings.corpId !== corpId) {
      this.deps.record?.('no_integration', { suiteId: suite.suiteId, corpId, event: event.event });
      return { response: emptyOk, outcome: 'no_integration' };
    }
    if (integration.disabled) {
      this.deps.record?.('integration_disabled', { integrationId: integration.id, event: event.event });
      return { response: emptyOk, outcome: 'integration_disabled' };
    }
    if (event.msgType === 'event' && event.event === 'unlicensed_notify') return this.recordUnlicensed(integration, event);
    return enqueueWeComEvent(this.deps, integration, event);
  }

  /** DOC-95716: an unlicensed member opened the app. Tell the operator who, and what to do. */
  private async recordUnlicensed(integration: WeComIntegration, event: WeComCallbackEvent) {
    await this.deps.operationLog.append([
      {
        atMs: this.deps.clock.nowMs(),
        result: 'failed',
        reasonCode: 'license_unlicensed_notify',
        reason:
          `WeCom license not activated: member ${event.fromUserName} opened the app in corp ${integration.settings.corpId} without an API access license, ` +
          'so WeCom withholds messages and cards from them. Activate a basic account (基础账号) for them in the provider console (接口调用许可); ' +
          '`npx dutybridge licenses show --integration ' + integration.id + '` shows the trial end and the active accounts.',
        integrationId: integration.id,
        platform: 'wecom',
        channel: 'event',
        recipient: event.fromUserName,
      },
    ]);
    return { response: emptyOk, outcome: 'unlicensed_recorded' as const };
  }
}
