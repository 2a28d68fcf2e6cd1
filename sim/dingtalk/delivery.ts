/** Puts robot messages and cards into the conversations people see (via ctx.deliver). */
import { SimContext, SimUser } from '../core/contract';
import { mergeParams, renderCard } from './cards';
import { CardState, mobileMatches } from './model';

/** At most 50 members can be @-ed in one message (robot-message-type). */
export const MAX_MENTIONS = 50;

export interface MentionRequest {
  /** Text the @ must appear in; undefined for message types that cannot @ (link, feedCard). */
  readonly text: string | undefined;
  readonly atUserIds: readonly string[];
  readonly atMobiles: readonly string[];
  readonly isAtAll: boolean;
  readonly members: readonly SimUser[];
}

/**
 * DingTalk highlights an @ only when the member's userId / mobile also appears as `@<id>` inside
 * the text ("被@人的手机号或userId需要在content中添加@…"); non-members are not highlighted.
 * Returns the highlighted userIds and a note for every @ that is not.
 */
export function resolveMentions(request: MentionRequest): { mentions: string[]; notes: string[] } {
  const notes: string[] = [];
  const mentions = new Set<string>();
  const memberIds = new Set(request.members.map((member) => member.userId));
  if (request.text === undefined && (request.atUserIds.length > 0 || request.atMobiles.length > 0 || request.isAtAll)) {
    notes.push('this message type cannot @ anyone; the @ list is ignored');
    return { mentions: [], notes };
  }
  const text = request.text ?? '';
  if (request.isAtAll) for (const id of memberIds) mentions.add(id);
  for (const userId of request.atUserIds) {
    if (!memberIds.has(userId)) notes.push(`@${userId} is not a member of the group; not highlighted`);
    else if (!text.includes(`@${userId}`)) notes.push(`atUserIds has ${userId} but the text lacks "@${userId}"; not highlighted`);
    else mentions.add(userId);
  }
  for (const mobile of request.atMobiles) {
    const member = request.members.find((candidate) => mobileMatches(candidate, mobile));
    if (!member) notes.push(`@${mobile} is not the mobile of a group member; not highlighted`);
    else if (!text.includes(`@${mobile}`)) notes.push(`atMobiles has ${mobile} but the text lacks "@${mobile}"; not highlighted`);
    else mentions.add(member.userId);
  }
  const list = [...mentions];
  if (!request.isAtAll && list.length > MAX_MENTIONS) {
    notes.push(`${list.length} members @-ed; DingTalk highlights at most ${MAX_MENTIONS}`);
    return { mentions: list.slice(0, MAX_MENTIONS), notes };
  }
  return { mentions: list, notes };
}

/** (Re)delivers a card to every space it was delivered to, with each 1:1 user's private data. */
export function deliverCard(card: CardState, ctx: SimContext): void {
  for (const space of card.spaces) {
    if (space.kind === 'group') {
      ctx.deliver({
        platform: 'dingtalk',
        conversation: `group:${space.openConversationId}`,
        kind: 'card',
        card: renderCard(card.outTrackId, card.publicData),
        mentions: card.groupMentions.get(space.openConversationId) ?? [],
      });
    } else {
      ctx.deliver({
        platform: 'dingtalk',
        conversation: `user:${space.userId}`,
        kind: 'card',
        card: renderCard(card.outTrackId, mergeParams(card.publicData, card.privateData.get(space.userId))),
      });
    }
  }
}
