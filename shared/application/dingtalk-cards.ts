/**
 * DingTalk interactive-card callbacks (dingtalk.md §3.3): plain JSON authenticated by
 * x-ddpaas-signature = base64(HMAC-SHA256(apiSecret, timestamp)). The answer must come back within
 * 2 s and is the synchronous card update for the clicking user; other copies are updated later
 * through the API, never from inside the callback.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { verifyDingTalkCardSignature } from '../crypto';
import { BadRequestError, RequestRejectedError } from '../domain/errors';
import { NotAuthenticatedError, requireFresh, SHA256_BASE64_PATTERN } from './callback-auth';
import { rejectionForCryptoError } from './crypto-errors';
import { jsonResponse, type CallbackRequest, type CallbackResponse } from './http-types';
import { findDingTalkIntegration } from './integration-lookup';
import type { Clock, DedupeStore, IntegrationRepository, IntegrationSecretsReader } from './ports';
import { CALLBACK_DEDUPE_TTL_SECONDS, CALLBACK_PENDING_SECONDS, CallbackInProgressError } from './callback-dedupe';

/**
 * Card callbacks whose timestamp is further than this from now are refused (replay window; the
 * signature covers only the timestamp). Per deployment: DINGTALK_CARD_CALLBACK_WINDOW_SECONDS.
 */
export const DEFAULT_CARD_CALLBACK_MAX_SKEW_MS = 5 * 60_000;
/** x-ddpaas-signature-timestamp: epoch milliseconds, 13 digits. */
const CARD_TIMESTAMP_PATTERN = /^[0-9]{13}$/;

/** A signature (timestamp + x-ddpaas-signature) that already carried another body. */
export class CardSignatureReusedError extends RequestRejectedError {
  constructor() {
    super(409, 'signature_reused', 'this signature was already used for another request; every click is signed afresh');
    this.name = 'CardSignatureReusedError';
  }
}

const cardCallbackBodySchema = z.object({
  type: z.optional(z.string()),
  outTrackId: z.string().check(z.minLength(1), z.maxLength(256)),
  corpId: z.optional(z.string().check(z.maxLength(128))),
  userId: z.string().check(z.minLength(1), z.maxLength(128)),
  content: z.string().check(z.maxLength(32 * 1024)),
});

const cardContentSchema = z.object({
  cardPrivateData: z.optional(
    z.object({
      actionIds: z._default(z.array(z.string()), []),
      params: z._default(z.record(z.string(), z.unknown()), {}),
    }),
  ),
});

export interface CardClick {
  readonly integrationId: string;
  readonly outTrackId: string;
  readonly userId: string;
  readonly corpId?: string;
  readonly actionIds: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly receivedAtMs: number;
  /** Identifies this click across redeliveries (the callback's de-duplication key). */
  readonly clickKey: string;
}

/** What the clicking user's card becomes; `noChange` leaves it as it is. */
export type CardCallbackAnswer =
  | { readonly kind: 'noChange' }
  | {
      readonly kind: 'update';
      readonly cardParamMap?: Record<string, string>;
      readonly userPrivateParamMap?: Record<string, string>;
    };

/** The use-case port the DingTalk notification work implements (apply the action, answer the card). */
export interface CardClickPort {
  onClick(click: CardClick): Promise<CardCallbackAnswer>;
}

export function cardCallbackResponseBody(answer: CardCallbackAnswer): Record<string, unknown> {
  if (answer.kind === 'noChange') return {};
  return {
    ...(answer.cardParamMap ? { cardData: { cardParamMap: answer.cardParamMap } } : {}),
    ...(answer.userPrivateParamMap ? { userPrivateData: { cardParamMap: answer.userPrivateParamMap } } : {}),
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
  };
}

export interface DingTalkCardDeps {
  readonly integrations: IntegrationRepository;
  readonly secrets: IntegrationSecretsReader;
  readonly dedupe: DedupeStore;
  readonly clicks: CardClickPort;
  readonly clock: Clock;
  /** The replay window (default 5 min): older or later timestamps are refused with stale_timestamp. */
  readonly maxSkewMs?: number;
}

export class DingTalkCardCallbackUseCase {
  constructor(private readonly deps: DingTalkCardDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: 'handled' | 'duplicate' }> {
    const timestamp = request.headers['x-ddpaas-signature-timestamp'];
    const signature = request.headers['x-ddpaas-signature'];
    const nowMs = this.deps.clock.nowMs();
    const maxSkewMs = this.deps.maxSkewMs ?? DEFAULT_CARD_CALLBACK_MAX_SKEW_MS;
    // Authenticate before work: header shape and freshness before any lookup; an unknown id and a
    // wrong signature then get the same 401.
    if (!timestamp || !signature || !CARD_TIMESTAMP_PATTERN.test(timestamp) || !SHA256_BASE64_PATTERN.test(signature)) throw new NotAuthenticatedError();
    requireFresh(Number(timestamp), nowMs, maxSkewMs);
    const integration = await findDingTalkIntegration(this.deps.integrations, request.integrationId);
    const secrets = await this.deps.secrets.dingTalk(integration);
    try {
      verifyDingTalkCardSignature({ apiSecret: secrets.cardApiSecret, timestamp, signature, nowMs, maxSkewMs });
    } catch (error) {
      throw rejectionForCryptoError(error) ?? error;
    }
    let json: unknown;
    try {
      json = JSON.parse(request.body.toString('utf8'));
    } catch {
      throw new BadRequestError('invalid_json', 'body is not valid JSON');
    }
    const body = cardCallbackBodySchema.safeParse(json);
    if (!body.success) throw new BadRequestError('invalid_card_callback', 'body is not a card callback (outTrackId, userId, content)');
    let contentJson: unknown;
    try {
      contentJson = JSON.parse(body.data.content);
    } catch {
      throw new BadRequestError('invalid_content', '"content" is not a JSON string');
    }
    const content = cardContentSchema.safeParse(contentJson);
    if (!content.success) throw new BadRequestError('invalid_content', '"content" has an unexpected shape');

    // An exact replay (same signed timestamp, card, user and content) is answered without acting twice.
    const dedupeKey = `dingtalk:${integration.id}:card:${createHash('sha256')
      .update([timestamp, body.data.outTrackId, body.data.userId, body.data.content].join('\u0000'))
      .digest('hex')}`;
    // Each signature is accepted once: the signature covers only the timestamp, so a leaked header
    // pair with another body (another user, card or button) is refused with 409 and changes nothing.
    // The claim lives as long as the timestamp could pass the window check.
    const signatureKey = `dingtalk:${integration.id}:cardsig:${createHash('sha256').update(`${timestamp}\u0000${signature}`).digest('hex')}`;
    const signatureTtlSeconds = Math.ceil((2 * maxSkewMs) / 1000) + 60;
    // Both claims in one round trip (DingTalk wants the answer within 2 s). Then, as in onceOnly:
    // a finished duplicate is answered without acting, one still in flight gets 503.
    const [claim, signatureClaim] = await Promise.all([this.deps.dedupe.claim(dedupeKey, CALLBACK_PENDING_SECONDS), this.deps.dedupe.claim(signatureKey, signatureTtlSeconds)]);
    const releaseSignature = () => this.deps.dedupe.release(signatureKey).catch(() => undefined);
    if (claim !== 'claimed') {
      // Only a claim of our own is released: the request that holds the signature keeps it.
      if (signatureClaim === 'claimed') await releaseSignature();
      if (claim === 'done') return { response: jsonResponse(200, {}), outcome: 'duplicate' };
      throw new CallbackInProgressError();
    }
    if (signatureClaim !== 'claimed') {
      await this.deps.dedupe.release(dedupeKey).catch(() => undefined);
      throw new CardSignatureReusedError();
    }
    let answer: CardCallbackAnswer;
    try {
      answer = await this.deps.clicks.onClick({
        integrationId: integration.id,
        outTrackId: body.data.outTrackId,
        userId: body.data.userId,
        corpId: body.data.corpId,
        actionIds: content.data.cardPrivateData?.actionIds ?? [],
        params: content.data.cardPrivateData?.params ?? {},
        receivedAtMs: nowMs,
        clickKey: dedupeKey,
      });
    } catch (error) {
      // The click did not happen: the platform's retry (same headers, same body) may do it.
      await Promise.all([this.deps.dedupe.release(dedupeKey).catch(() => undefined), releaseSignature()]);
      throw error;
    }
    await this.deps.dedupe.complete(dedupeKey, CALLBACK_DEDUPE_TTL_SECONDS);
    return { response: jsonResponse(200, cardCallbackResponseBody(answer)), outcome: 'handled' };
  }
}
