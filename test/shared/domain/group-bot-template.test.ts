/** Group-bot messages from a rendered bot template (issue 13): mentions and the keyword stay in code. */
import { renderDingTalkBotAlert, renderWeComBotAlert } from '../../../shared/domain/group-bot';
import { templateSampleIncidents } from '../../../shared/domain/templates';

const incident = templateSampleIncidents()[0]!;

it('WeCom markdown: the template text, mentions appended, <@ in the template defused', () => {
  const { body } = renderWeComBotAlert({ incident, event: 'incident.triggered', mentions: { userIds: ['alice'], mobiles: [] }, template: { text: 'Custom <@bob> alert' } } as never);
  const content = (body.markdown as { content: string }).content;
  expect(content.startsWith('Custom <\u200B@bob> alert')).toBe(true);
  expect(content).toContain('<@alice>');
});

it('WeCom text keeps mentioned_mobile_list', () => {
  const { body } = renderWeComBotAlert({ incident, event: 'incident.triggered', mentions: { userIds: [], mobiles: ['13800000001'] }, template: { text: 'Plain' } } as never);
  expect(body).toMatchObject({ msgtype: 'text', text: { content: 'Plain', mentioned_mobile_list: ['13800000001'] } });
});

it('DingTalk markdown: template title and text, the keyword added when the template lacks it', () => {
  const { body } = renderDingTalkBotAlert({ incident, event: 'incident.triggered', mentions: { userIds: [], mobiles: [] }, keyword: 'ALERT', template: { text: 'Hello', title: 'T1' } } as never);
  expect(body.markdown).toEqual({ title: 'T1', text: 'Hello\nALERT' });
});
