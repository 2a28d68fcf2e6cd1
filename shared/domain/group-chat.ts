/**
 * DingTalk group chats known to an integration, learned from cool-app and chat events. This is the
 * list that escalation rules pick group targets from.
 */
export type GroupChatState = 'active' | 'uninstalled' | 'disbanded';

export interface GroupChat {
  readonly integrationId: string;
  readonly openConversationId: string;
  readonly title?: string;
  readonly coolAppCode?: string;
  readonly robotCode?: string;
  readonly state: GroupChatState;
  /** Event time (ms) of the last applied change; older events never overwrite newer ones. */
  readonly eventTime: number;
}

/** Fields a DingTalk event contributes to the registry, or undefined when it is not a group event. */
export function groupChangeFromEvent(
  integrationId: string,
  eventType: string,
  data: Record<string, unknown>,
  eventTime: number,
): GroupChat | undefined {
  const str = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = data[k];
      if (typeof v === 'string' && v.length > 0) return v;
    }
    return undefined;
  };
  const openConversationId = str('openConversationId', 'OpenConversationId');
  if (!openConversationId) return undefined;
  const base = {
    integrationId,
    openConversationId,
    title: str('title', 'Title'),
    coolAppCode: str('coolAppCode', 'CoolAppCode'),
    robotCode: str('robotCode', 'RobotCode'),
    eventTime,
  };
  switch (eventType) {
    case 'im_cool_app_install':
    case 'chat_update_title':
      return { ...base, state: 'active' };
    case 'im_cool_app_uninstall':
      return { ...base, state: 'uninstalled' };
    case 'chat_disband':
      return { ...base, state: 'disbanded' };
    default:
      return undefined;
  }
}
