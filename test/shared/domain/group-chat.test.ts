import { groupChangeFromEvent } from '../../../shared/domain/group-chat';
import { normaliseDingTalkEvent } from '../../../shared/application/dingtalk-events';

describe('groupChangeFromEvent', () => {
  it('maps cool-app and chat events to registry states, both casings', () => {
    expect(groupChangeFromEvent('i', 'im_cool_app_install', { openConversationId: 'cid', title: 't', coolAppCode: 'c', robotCode: 'r' }, 5)).toEqual({
      integrationId: 'i',
      openConversationId: 'cid',
      title: 't',
      coolAppCode: 'c',
      robotCode: 'r',
      state: 'active',
      eventTime: 5,
    });
    expect(groupChangeFromEvent('i', 'chat_update_title', { OpenConversationId: 'cid', Title: 'New' }, 6)).toMatchObject({ title: 'New', state: 'active' });
    expect(groupChangeFromEvent('i', 'im_cool_app_uninstall', { openConversationId: 'cid' }, 7)?.state).toBe('uninstalled');
    expect(groupChangeFromEvent('i', 'chat_disband', { openConversationId: 'cid' }, 8)?.state).toBe('disbanded');
  });

  it('ignores other events and events without a conversation id', () => {
    expect(groupChangeFromEvent('i', 'user_add_org', { openConversationId: 'cid' }, 1)).toBeUndefined();
    expect(groupChangeFromEvent('i', 'chat_disband', { chatId: 'chat1' }, 1)).toBeUndefined();
  });
});

describe('normaliseDingTalkEvent', () => {
  it('reads the new camelCase and the legacy PascalCase payloads', () => {
    expect(normaliseDingTalkEvent({ EventType: 'chat_update_title', eventId: 'e1', EventTime: 1663143335567, CorpId: 'ding1' }, 9)).toMatchObject({
      eventType: 'chat_update_title',
      eventId: 'e1',
      eventTime: 1663143335567,
      corpId: 'ding1',
    });
    expect(normaliseDingTalkEvent({ EventType: 'user_modify_org', TimeStamp: '1623060875680', CorpId: 'dingc' }, 9)).toMatchObject({ eventTime: 1623060875680, eventId: undefined });
    expect(normaliseDingTalkEvent({ eventType: 'x' }, 9).eventTime).toBe(9);
  });

  it('refuses an event without EventType', () => {
    expect(() => normaliseDingTalkEvent({ eventId: 'e' }, 1)).toThrow('no EventType');
  });
});
