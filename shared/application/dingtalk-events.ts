/**
 * DingTalk HTTP-push events (dingtalk.md §1, §3): verify and decrypt, answer `check_url` and every
 * other event with the encrypted "success" map, de-duplicating on eventId (DingTalk retries at
 * +10 s and +30 s) and enqueueing the event for process-inbound.
 */
import { createHash } from 'node:crypto';
import { DingTalkCrypto } from '../crypto';
import { BadRequestError } from '../domain/errors';
import type { DingTalkEvent } from '../domain/inbound';
import type { DingTalkIntegration } from '../domain/integration';
import { rejectionForCryptoError } from './crypto-errors';
import { jsonResponse, parseQueryOnce, type CallbackRequest, type CallbackResponse } from './http-types';
import { checkSha1SignedQuery } from './callback-auth';
import { findDingTalkIntegration, PerKeyCache } from './integration-lookup';
import type { Clock, DedupeStore, InboundCallbackQueue, IntegrationRepository, IntegrationSecretsReader } from './ports';
import { onceOnly } from './callback-dedupe';

export interface DingTalkEventDeps {
  readonly integrations: IntegrationRepository;
  readonly secrets: IntegrationSecretsReader;
  readonly dedupe: DedupeStore;
  readonly inbound: InboundCallbackQueue;
  readonly clock: Clock;
}

export type DingTalkEventOutcome = 'check_url' | 'enqueued' | 'duplicate';

function firstString(data: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = data[k];
    if (typeof v === 'string' && v.length > 0) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

/** Normalises both casings: legacy PascalCase (EventType, TimeStamp) and the new camelCase. */
export function normaliseDingTalkEvent(data: Record<string, unknown>, nowMs: number): DingTalkEvent {
  const eventType = firstString(data, 'EventType', 'eventType');
  if (!eventType) throw new BadRequestError('missing_event_type', 'decrypted event has no EventType');
  const time = Number(firstString(data, 'EventTime', 'eventTime', 'eventBornTime', 'TimeStamp', 'timeStamp'));
  return {
    eventType,
    eventId: firstString(data, 'eventId', 'EventId'),
    corpId: firstString(data, 'CorpId', 'corpId', 'eventCorpId'),
    eventTime: Number.isFinite(time) && time > 0 ? time : nowMs,
    data,
  };
}

export class DingTalkEventUseCase {
  private readonly cryptos = new PerKeyCache<DingTalkCrypto>();

  constructor(private readonly deps: DingTalkEventDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: DingTalkEventOutcome }> {
    const params = parseQueryOnce(request.rawQuery);
    // DingTalk sends msg_signature and/or signature, timestamp and/or timeStamp (dingtalk.md §1.2).
    const signature = params.get('msg_signature') || params.get('signature');
    const timestamp = params.get('timestamp') || params.get('timeStamp');
    const nonce = params.get('nonce');
    const missing = [!signature && 'msg_signature', !timestamp && 'timestamp', !nonce && 'nonce'].filter(Boolean);
    if (missing.length > 0) throw new BadRequestError('missing_parameter', `missing query parameter(s): ${missing.join(', ')}`);
    // Authenticate before work: shape and freshness (timestamp in ms, or s) before any lookup; an
    // unknown id and a wrong signature then get the same 401.
    checkSha1SignedQuery({ signature: signature!, timestamp: timestamp!, nonce: nonce! }, this.deps.clock.nowMs());
    const integration = await findDingTalkIntegration(this.deps.integrations, request.integrationId);
    const encrypt = this.bodyEncrypt(request.body);
    const crypto = await this.cryptoFor(integration);
    let plaintext: string;
    try {
      plaintext = crypto.decryptEvent({ signature: signature!, timestamp: timestamp!, nonce: nonce!, encrypt });
    } catch (error) {
      throw rejectionForCryptoError(error) ?? error;
    }
    let data: unknown;
    try {
      data = JSON.parse(plaintext);
    } catch {
      throw new BadRequestError('invalid_event_json', 'decrypted event is not JSON');
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new BadRequestError('invalid_event_json', 'decrypted event is not a JSON object');
    const nowMs = this.deps.clock.nowMs();
    const event = normaliseDingTalkEvent(data as Record<string, unknown>, nowMs);
    // dingtalk.md §1.8: a 13-digit millisecond timeStamp; "749"-style values are rejected.
    const success = jsonResponse(200, crypto.successResponse(nowMs));
    if (event.eventType === 'check_url') return { response: success, outcome: 'check_url' };

    const dedupeKey = `dingtalk:${integration.id}:event:${event.eventId ?? createHash('sha256').update(plaintext).digest('hex')}`;
    const result = await onceOnly(this.deps.dedupe, dedupeKey, () =>
      this.deps.inbound.publish({
        kind: 'dingtalk.event',
        integrationId: integration.id,
        dedupeKey,
        receivedAt: new Date(nowMs).toISOString(),
        event,
      }),
    );
    return { response: success, outcome: result.kind === 'duplicate' ? 'duplicate' : 'enqueued' };
  }

  private bodyEncrypt(body: Buffer): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BadRequestError('invalid_json', 'body is not valid JSON');
    }
    const encrypt = (parsed as { encrypt?: unknown } | null)?.encrypt;
    if (typeof encrypt !== 'string' || encrypt.length === 0) throw new BadRequestError('missing_encrypt', 'JSON body has no "encrypt" string');
    return encrypt;
  }

  private async cryptoFor(integration: DingTalkIntegration): Promise<DingTalkCrypto> {
    const secrets = await this.deps.secrets.dingTalk(integration);
    const key = `${integration.id}\u0000${integration.settings.clientId}\u0000${secrets.token}\u0000${secrets.aesKey}`;
    // Owner key = the app's Client ID (AppKey) for console-configured HTTP push (dingtalk.md §1.7).
    return this.cryptos.get(key, () => new DingTalkCrypto({ token: secrets.token, aesKey: secrets.aesKey, ownerKey: integration.settings.clientId }));
  }
}
