/**
 * A person clicks a card button: DingTalk POSTs plain JSON (not encrypted) to the route's
 * callbackUrl, signed with `x-ddpaas-signature = base64(HmacSHA256(apiSecret, ts))`, and applies
 * the synchronous answer (`cardData` / `userPrivateData` + `cardUpdateOptions`) to the card
 * (event-callback-card). The answer must come within 2 s.
 */
import { dingTalkCardSignature } from '../../shared/crypto';
import { ClickRequest, SimContext } from '../core/contract';
import { applyParamUpdate, cardButtons, cardParamMapProblems, mergeParams } from './cards';
import { deliverCard } from './delivery';
import { CardParamMap, CardState } from './model';
import { DingTalkState } from './state';
import { isRecord, parseJson } from './util';

/** "请在 2 秒内完成业务处理并响应" (event-callback-card). */
export const CARD_CALLBACK_DEADLINE_MS = 2000;

/** The click could not even be sent; returned as status 0 with the reason as body. */
function notSent(ctx: SimContext, reason: string): { status: number; body: string } {
  ctx.log(`dingtalk click: ${reason}`);
  return { status: 0, body: `not sent: ${reason}` };
}

function findCard(state: DingTalkState, request: ClickRequest): CardState | undefined {
  return [...state.cards.values()].find((card) => card.outTrackId === request.cardId && card.corpId === request.orgId);
}

/** Where the user sees the card: their 1:1 robot chat or a group they are in. */
function visibleTo(state: DingTalkState, card: CardState, request: ClickRequest): string | undefined {
  const inGroup = (openConversationId: string) => {
    const group = state.groups.get(openConversationId);
    return group !== undefined && group.members.has(request.userId) && !group.disbanded;
  };
  if (request.conversation?.startsWith('group:')) {
    const id = request.conversation.slice('group:'.length);
    if (!card.spaces.some((space) => space.kind === 'group' && space.openConversationId === id)) return `card ${card.outTrackId} was not delivered to ${request.conversation}`;
    if (!inGroup(id)) return `${request.userId} is not a member of ${request.conversation}`;
    return undefined;
  }
  const oneToOne = card.spaces.some((space) => space.kind === 'robot' && space.userId === request.userId);
  if (request.conversation !== undefined && request.conversation !== `user:${request.userId}`) return `conversation ${request.conversation} is not ${request.userId}'s`;
  if (oneToOne) return undefined;
  if (request.conversation === undefined && card.spaces.some((space) => space.kind === 'group' && inGroup(space.openConversationId))) return undefined;
  return `${request.userId} cannot see card ${card.outTrackId}`;
}

export async function performClick(state: DingTalkState, request: ClickRequest, ctx: SimContext, deadlineMs: number): Promise<{ status: number; body: string }> {
  const card = findCard(state, request);
  if (!card) return notSent(ctx, `no card ${request.cardId} in org ${request.orgId}`);
  const app = state.apps.get(card.clientId);
  if (!app) return notSent(ctx, `app ${card.clientId} is gone`);
  const user = state.findUser(app, ctx, request.userId);
  if (!user) return notSent(ctx, `${request.userId} is not in org ${request.orgId}`);
  const invisible = visibleTo(state, card, request);
  if (invisible) return notSent(ctx, invisible);
  const params = mergeParams(card.publicData, card.privateData.get(user.userId));
  const button = cardButtons(params).find((candidate) => candidate.key === request.buttonKey);
  if (!button) return notSent(ctx, `card ${card.outTrackId} has no button ${request.buttonKey} for ${user.userId}`);
  if (button.disabled) return notSent(ctx, `button ${button.key} is disabled`);
  if (!card.callbackRouteKey) return notSent(ctx, `card ${card.outTrackId} was created without callbackRouteKey; the click goes nowhere`);
  const route = app.cardRoutes.get(card.callbackRouteKey);
  if (!route) return notSent(ctx, `route ${card.callbackRouteKey} is not registered`);

  const callbackUserId = card.userIdType === 2 ? user.unionId ?? user.userId : user.userId;
  const body = JSON.stringify({
    type: 'actionCallback',
    outTrackId: card.outTrackId,
    corpId: card.corpId,
    userId: callbackUserId,
    // `content` is a JSON *string*, not an object.
    content: JSON.stringify({ cardPrivateData: { actionIds: [button.key], params: button.params } }),
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (route.apiSecret) {
    const timestamp = String(ctx.clock.now());
    headers['x-ddpaas-signature-timestamp'] = timestamp;
    headers['x-ddpaas-signature'] = dingTalkCardSignature(route.apiSecret, timestamp);
  }
  let status = 0;
  let text = '';
  let failure: string | undefined;
  try {
    const response = await ctx.fetch(route.callbackUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(deadlineMs), redirect: 'manual' });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const name = (error as Error).name;
    failure = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${deadlineMs} ms` : `connection failed: ${(error as Error).message}`;
  }
  const notes: string[] = [];
  if (failure) notes.push(failure);
  else if (status !== 200) notes.push(`callback answered HTTP ${status}; the card is not updated`);
  else notes.push(...applyCallbackAnswer(card, user.userId, text));
  if (notes.length === 0) deliverCard(card, ctx);
  notes.forEach((note) => ctx.log(`dingtalk card click ${card.outTrackId}: ${note}`));
  ctx.record({
    platform: 'dingtalk',
    endpoint: 'push:card/callback',
    method: 'POST',
    path: new URL(route.callbackUrl).pathname,
    query: {},
    requestBody: JSON.parse(body) as unknown,
    status,
    resultCode: failure || status !== 200 ? 'fail' : 'ok',
    responseBody: text,
    reason: notes.length > 0 ? notes.join('; ') : undefined,
    metered: false,
  });
  return { status, body: failure ?? text };
}

/** Applies `{cardData, userPrivateData, cardUpdateOptions}`; returns problems (empty = applied). */
function applyCallbackAnswer(card: CardState, userId: string, text: string): string[] {
  if (text.trim() === '') return [];
  const parsed = parseJson(text);
  if (!parsed.ok || !isRecord(parsed.value)) return ['callback answer is not a JSON object; the card is not updated'];
  const answer = parsed.value;
  const options = isRecord(answer.cardUpdateOptions) ? answer.cardUpdateOptions : {};
  const updates: { map: CardParamMap; target: 'public' | 'private' }[] = [];
  const problems: string[] = [];
  for (const [field, target] of [['cardData', 'public'], ['userPrivateData', 'private']] as const) {
    const section = answer[field];
    if (section === undefined) continue;
    if (!isRecord(section)) {
      problems.push(`${field} must be {cardParamMap:{...}}`);
      continue;
    }
    const found = cardParamMapProblems(section.cardParamMap, `${field}.cardParamMap`);
    if (found.length > 0) problems.push(...found);
    else updates.push({ map: section.cardParamMap as CardParamMap, target });
  }
  if (problems.length > 0) return [...problems.map((problem) => `${problem}; the card is not updated`)];
  for (const update of updates) {
    if (update.target === 'public') card.publicData = applyParamUpdate(card.publicData, update.map, options.updateCardDataByKey === true);
    else card.privateData.set(userId, applyParamUpdate(card.privateData.get(userId), update.map, options.updatePrivateDataByKey === true));
  }
  return [];
}
