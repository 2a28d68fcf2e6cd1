/**
 * DingTalk interactive-card callbacks (dingtalk.md §3.3): plain JSON authenticated by
 * x-ddpaas-signature = base64(HMAC-SHA256(apiSecret, timestamp)). The answer must come back within
 * 2 s and is the synchronous card update for the clicking user; other copies are updated later
 * through the API, never from inside the callback.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { verifyDingTalkCardSignature } from '../crypto';
import { BadRequestError } from '../domain/errors';
import { rejectionForCryptoError } from './crypto-errors';
import { jsonResponse, type CallbackRequest, type CallbackResponse } from './http-types';
import { findDingTalkIntegration } from './integration-lookup';
import type { Clock, DedupeStore, IntegrationRepository, IntegrationSecretsReader } from './ports';
import { onceOnly } from './callback-dedupe';

/** Card callbacks whose timestamp is further than this from now are refused (replay window). */
export const CARD_CALLBACK_MAX_SKEW_MS = 3600_000;

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
}

export class DingTalkCardCallbackUseCase {
  constructor(private readonly deps: DingTalkCardDeps) {}

  async handle(request: CallbackRequest): Promise<{ response: CallbackResponse; outcome: 'handled' | 'duplicate' }> {
    const integration = await findDingTalkIntegration(this.deps.integrations, request.integrationId);
    const secrets = await this.deps.secrets.dingTalk(integration);
    const timestamp = request.headers['x-ddpaas-signature-timestamp'];
    const nowMs = this.deps.clock.nowMs();
    try {
      verifyDingTalkCardSignature({
        apiSecret: secrets.cardApiSecret,
        timestamp,
        signature: request.headers['x-ddpaas-signature'],
        nowMs,
        maxSkewMs: CARD_CALLBACK_MAX_SKEW_MS,
      });
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
    const result = await onceOnly(this.deps.dedupe, dedupeKey, () =>
      this.deps.clicks.onClick({
        integrationId: integration.id,
        outTrackId: body.data.outTrackId,
        userId: body.data.userId,
        corpId: body.data.corpId,
        actionIds: content.data.cardPrivateData?.actionIds ?? [],
        params: content.data.cardPrivateData?.params ?? {},
        receivedAtMs: nowMs,
        clickKey: dedupeKey,
      }),
    );
    if (result.kind === 'duplicate') return { response: jsonResponse(200, {}), outcome: 'duplicate' };
    return { response: jsonResponse(200, cardCallbackResponseBody(result.value)), outcome: 'handled' };
  }
}
