/**
 * WeCom app callback (DOC-90930): GET verifies the URL and answers the bare echostr; POST verifies,
 * decrypts, parses, de-duplicates and enqueues the event, then answers 200 with an empty body well
 * inside WeCom's 5 s deadline (WeCom retries up to 3 times on timeout, so duplicates are normal).
 */
import { createHash } from 'node:crypto';
import { WeComCrypto } from '../crypto';
import { BadRequestError } from '../domain/errors';
import { onceOnly } from './callback-dedupe';
import { recognisedWeComEvents, type WeComCallbackEvent } from '../domain/inbound';
import type { WeComIntegration } from '../domain/integration';
import { rejectionForCryptoError } from './crypto-errors';
import { emptyOk, parseQueryOnce, requireParams, type CallbackRequest, type CallbackResponse } from './http-types';
import { checkSha1SignedQuery } from './callback-auth';
import { findWeComIntegration, PerKeyCache } from './integration-lookup';
import type { Clock, DedupeStore, InboundCallbackQueue, IntegrationRepository, IntegrationSecretsReader, WeComCallbackXml } from './ports';

export interface WeComCallbackDeps {
  readonly integrations: IntegrationRepository;
  readonly secrets: IntegrationSecretsReader;
  readonly dedupe: DedupeStore;
  readonly inbound: InboundCallbackQueue;
  /** The hardened XML reader (shared/adapters/wecom/callback-xml.ts). */
  readonly xml: WeComCallbackXml;
  readonly clock: Clock;
  readonly record?: (outcome: string, details: Record<string, unknown>) => void;
}

export type WeComCallbackOutcome = 'verified' | 'enqueued' | 'duplicate' | 'ignored';

/** MsgId for messages; for events FromUserName + CreateTime (+ Event, TaskId, EventKey) per DOC-90238. */
export function weComDedupeKey(integrationId: string, event: WeComCallbackEvent): string {
  if (event.msgId) return `wecom:${integrationId}:msg:${event.msgId}`;
  const composite = [event.fromUserName, event.createTime, event.event ?? '', event.taskId ?? '', event.eventKey ?? ''].join('\u0000');
  return `wecom:${integrationId}:event:${createHash('sha256').update(composite).digest('hex')}`;
}

/**
 * Recognised events are de-duplicated and queued for process-inbound; anything else is answered
 * 200 and dropped (WeCom would retry an error). Shared by the custom app's callback and the
 * suite's data callback: after decryption both carry the same events (DOC-90376).
 */
export async function enqueueWeComEvent(
  deps: Pick<WeComCallbackDeps, 'dedupe' | 'inbound' | 'clock' | 'record'>,
  integration: WeComIntegration,
  event: WeComCallbackEvent,
): Promise<{ response: CallbackResponse; outcome: 'enqueued' | 'duplicate' | 'ignored' }> {
  const kind = event.msgType === 'event' ? (event.event ?? '') : event.msgType;
  if (event.msgType !== 'event' || !recognisedWeComEvents.has(kind)) {
    deps.record?.('ignored', { integrationId: integration.id, msgType: event.msgType, event: event.event });
    return { response: emptyOk, outcome: 'ignored' };
  }
  const dedupeKey = weComDedupeKey(integration.id, event);
  const result = await onceOnly(deps.dedupe, dedupeKey, () =>
    deps.inbound.publish({
      kind: 'wecom.event',
      integrationId: integration.id,
      dedupeKey,
      receivedAt: new Date(deps.clock.nowMs()).toISOString(),
      event,
    }),
  );
  return { response: emptyOk, outcome: result.kind === 'duplicate' ? 'duplicate' : 'enqueued' };
}

export class WeComCallbackUseCase {
  private readonly cryptos = new PerKeyCache<WeComCrypto>();

  constructor(private readonly deps: WeComCallbackDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: WeComCallbackOutcome }> {
    const params = parseQueryOnce(request.rawQuery);
    const q = requireParams(params, ['msg_signature', 'timestamp', 'nonce']);
    // Authenticate before work: shape and freshness (timestamp in seconds) before any lookup; an
    // unknown id and a wrong signature then get the same 401.
    checkSha1SignedQuery({ signature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce }, this.deps.clock.nowMs());
    const echostr = request.method === 'GET' ? requireParams(params, ['echostr']).echostr : undefined;
    const integration = await findWeComIntegration(this.deps.integrations, request.integrationId);
    const crypto = await this.cryptoFor(integration);
    try {
      if (echostr !== undefined) {
        const plain = crypto.verifyUrl({ msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, echostr });
        // DOC-90930: the bare plaintext — no quotes, no BOM, no newline.
        return { response: { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: plain }, outcome: 'verified' };
      }
      const encrypt = this.envelopeEncrypt(request.body);
      const plaintext = crypto.decryptMessage({ msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, encrypt });
      return await this.accept(integration, this.deps.xml.parseEvent(plaintext));
    } catch (error) {
      throw rejectionForCryptoError(error) ?? error;
    }
  }

  private envelopeEncrypt(body: Buffer): string {
    const text = body.toString('utf8').trim();
    if (text.length === 0) throw new BadRequestError('empty_body', 'POST body is empty');
    if (text.startsWith('{')) {
      // JSON-format callbacks carry {"tousername","encrypt","agentid"} (WeCom §1.9).
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new BadRequestError('invalid_json', 'body is not valid JSON');
      }
      const encrypt = (parsed as { encrypt?: unknown } | null)?.encrypt;
      if (typeof encrypt !== 'string' || encrypt.length === 0) throw new BadRequestError('missing_encrypt', 'JSON body has no "encrypt" string');
      return encrypt;
    }
    if (!text.startsWith('<')) throw new BadRequestError('unsupported_body', 'body is neither XML nor JSON');
    return this.deps.xml.parseEnvelope(text).encrypt;
  }

  private async accept(integration: WeComIntegration, event: WeComCallbackEvent) {
    return enqueueWeComEvent(this.deps, integration, event);
  }

  private async cryptoFor(integration: WeComIntegration): Promise<WeComCrypto> {
    const secrets = await this.deps.secrets.weCom(integration);
    const cacheKey = `${integration.id}\u0000${integration.settings.corpId}\u0000${secrets.token}\u0000${secrets.encodingAesKey}`;
    return this.cryptos.get(cacheKey, () => new WeComCrypto({ token: secrets.token, encodingAesKey: secrets.encodingAesKey, receiveId: integration.settings.corpId }));
  }
}
