import { mergeParams, renderCard } from '../../../sim/dingtalk/cards';

describe('DingTalk sim: the card template’s private note and link', () => {
  const publicData = { title: 'Disk full', status: 'Triggered', detailUrl: 'https://incidents.example.com/1', buttons: '[{"key":"acknowledge","text":"Start Processing"}]' };

  it('shows a user’s private note as the subtitle and their linkUrl as the card’s link', () => {
    const card = renderCard('o1', mergeParams(publicData, { note: '账号未绑定 Not linked yet', linkUrl: 'https://api.example.com/link/dingtalk/d1?pending=a.b' }));
    expect(card.subtitle).toBe('账号未绑定 Not linked yet');
    expect(card.url).toBe('https://api.example.com/link/dingtalk/d1?pending=a.b');
  });

  it('others see no note and the detail link', () => {
    const card = renderCard('o1', mergeParams(publicData, undefined));
    expect(card.subtitle).toBeUndefined();
    expect(card.url).toBe('https://incidents.example.com/1');
  });
});
