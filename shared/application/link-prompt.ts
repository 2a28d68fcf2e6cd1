/**
 * The link prompt of an unlinked click (issue 11 item 2): the clicked action travels in a signed
 * `pending` token (10 minutes, HMAC keyed per integration from its app secret, see
 * shared/crypto/signed-token.ts) inside the linking page's URL,
 * `<PUBLIC_API_URL>/link/<platform>/<integrationId>?pending=<token>`. After the person links, the
 * page hands the token to PendingActions (pending-actions.ts), which applies the action once.
 */
import { createHash } from 'node:crypto';
import { signToken, SignedTokenError, verifyToken, linkTokenKey, type SignedTokenClaims } from '../crypto/signed-token';
import { actionKey, parseActionKey, type IncidentAction } from '../domain/incident';
import type { Integration, Platform } from '../domain/integration';
import type { Clock, IntegrationSecretsReader } from './ports';

export const PENDING_ACTION_KIND = 'pending';
/** A pending action is valid this long after the click (issue 11: "valid 10 minutes"). */
export const PENDING_ACTION_TTL_MS = 10 * 60_000;

export interface PendingActionBody {
  readonly integrationId: string;
  readonly platform: Platform;
  /** The clicker's IM userid: only the person who clicked may apply it. */
  readonly userId: string;
  readonly incidentId: string;
  readonly action: IncidentAction;
  /**
   * The click that asked for it, as a 22-character digest of its de-duplication key (see
   * `clickDigest`): for the record only (the apply uses `pending:<jti>`), and short, because a
   * DingTalk card value — the link — is at most 1 KB.
   */
  readonly clickKey: string;
}
export type PendingActionClaims = PendingActionBody & SignedTokenClaims;

/** A short, stable digest of a click's de-duplication key (base64url SHA-256, 22 characters). */
export function clickDigest(clickKey: string): string {
  return createHash('sha256').update(clickKey).digest('base64url').slice(0, 22);
}

/** The key of an integration's link tokens: from the WeCom `secret` / DingTalk `clientSecret`. */
export async function linkTokenKeyFor(secrets: IntegrationSecretsReader, integration: Integration): Promise<Buffer> {
  const appSecret = integration.platform === 'wecom' ? (await secrets.weCom(integration)).secret : (await secrets.dingTalk(integration)).clientSecret;
  return linkTokenKey(appSecret, integration.id);
}

export function signPendingAction(key: Buffer, body: PendingActionBody, nowMs: number): { token: string; claims: PendingActionClaims } {
  return signToken(key, PENDING_ACTION_KIND, body, PENDING_ACTION_TTL_MS, nowMs);
}

/** Verifies MAC, kind and expiry (SignedTokenError), then the body's shape ('malformed'). */
export function verifyPendingAction(key: Buffer, token: string, nowMs: number): PendingActionClaims {
  const claims = verifyToken<Partial<PendingActionBody>>(key, PENDING_ACTION_KIND, token, nowMs);
  const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 256;
  const action = claims.action && typeof claims.action === 'object' ? parseActionKey(actionKey(claims.action)) : undefined;
  if (!text(claims.integrationId) || (claims.platform !== 'wecom' && claims.platform !== 'dingtalk') || !text(claims.userId) || !text(claims.incidentId) || !text(claims.clickKey) || !action) {
    throw new SignedTokenError('malformed');
  }
  return { ...(claims as PendingActionClaims), action };
}

/** The linking page's URL carrying the pending action. */
export function linkPromptUrl(publicApiUrl: string, platform: Platform, integrationId: string, token: string): string {
  return `${publicApiUrl.replace(/\/+$/, '')}/link/${platform}/${encodeURIComponent(integrationId)}?pending=${encodeURIComponent(token)}`;
}

/** What the button was, both languages. */
export function actionLabels(action: IncidentAction): { zh: string; en: string } {
  switch (action.kind) {
    case 'acknowledge':
      return { zh: '开始处理', en: 'Start Processing' };
    case 'resolve':
      return { zh: '关闭', en: 'Close' };
    case 'snooze':
      return { zh: `暂缓 ${action.minutes} 分钟`, en: `Snooze ${action.minutes} min` };
    case 'refresh':
      return { zh: '刷新状态', en: 'Refresh Status' };
  }
}

/** The short label a clicked WeCom button is replaced with for that person (button.replace_name). */
export const LINK_FIRST_BUTTON_TEXT = '请先绑定账号 Link your account first';

/** The prompt's text, Chinese first, then English; the URL on its own line so clients make it a link. */
export function linkPromptText(platform: Platform, action: IncidentAction, url: string): string {
  const labels = actionLabels(action);
  const app = platform === 'wecom' ? { zh: '企业微信', en: 'WeCom' } : { zh: '钉钉', en: 'DingTalk' };
  return [
    `你的${app.zh}账号尚未绑定值班系统，「${labels.zh}」未执行。请在 10 分钟内打开下面的链接完成绑定，绑定后将自动执行该操作。`,
    `Your ${app.en} account is not linked to the incident system yet, so "${labels.en}" was not applied. Open the link below within 10 minutes to link it; the action is then applied for you.`,
    url,
  ].join('\n\n');
}

/**
 * The short note on the clicker's DingTalk card (private data, beside the "绑定账号 / Link account"
 * link bound to `linkUrl`): every card value is at most 1 KB (instructions-for-filling-in-api-card-data).
 */
export function linkPromptNote(action: IncidentAction): string {
  const labels = actionLabels(action);
  return [
    `账号未绑定，「${labels.zh}」未执行。请在 10 分钟内点击「绑定账号」，绑定后自动执行。`,
    `Not linked yet: "${labels.en}" was not applied. Tap "Link account" within 10 minutes; it is applied once you are linked.`,
  ].join('\n');
}

export interface LinkPrompt {
  readonly url: string;
  readonly text: string;
  /** The token's id (never the token itself: it is a bearer credential for 10 minutes). */
  readonly jti: string;
}

/** Builds the prompt of an unlinked click: signs the pending action, returns its URL and text. */
export class LinkPrompts {
  constructor(private readonly deps: { readonly secrets: IntegrationSecretsReader; readonly publicApiUrl: string; readonly clock: Clock }) {}

  async issue(integration: Integration, click: { readonly userId: string; readonly incidentId: string; readonly action: IncidentAction; readonly clickKey: string }): Promise<LinkPrompt> {
    const key = await linkTokenKeyFor(this.deps.secrets, integration);
    const body = { integrationId: integration.id, platform: integration.platform, ...click, clickKey: clickDigest(click.clickKey) };
    const { token, claims } = signPendingAction(key, body, this.deps.clock.nowMs());
    const url = linkPromptUrl(this.deps.publicApiUrl, integration.platform, integration.id, token);
    return { url, text: linkPromptText(integration.platform, click.action, url), jti: claims.jti };
  }
}
