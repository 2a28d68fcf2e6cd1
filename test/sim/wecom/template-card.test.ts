import { validateTemplateCard, WeComApiError } from '../../../sim/wecom';

const url = 'https://example.com/inc/1';

function rejection(card: unknown, channel: 'app' | 'webhook' = 'app'): { errcode: number; reason: string } {
  try {
    validateTemplateCard(card, channel);
  } catch (error) {
    if (error instanceof WeComApiError) return { errcode: error.errcode, reason: error.reason };
    throw error;
  }
  throw new Error('card was accepted');
}

describe('template_card validation (five card types)', () => {
  it('accepts a text_notice and renders emphasis, quote, sub title, fields and jumps', () => {
    const card = validateTemplateCard(
      {
        card_type: 'text_notice',
        source: { desc: 'OnCall', desc_color: 2 },
        main_title: { title: 'Disk 95%', desc: 'db-1' },
        emphasis_content: { title: '95%', desc: 'usage' },
        quote_area: { type: 0, title: 'Runbook', quote_text: 'free space\nrotate logs' },
        sub_title_text: 'since 10:02',
        horizontal_content_list: [{ keyname: 'Host', value: 'db-1' }, { keyname: 'Owner', type: 3, userid: 'lisi' }],
        jump_list: [{ type: 1, title: 'Dashboard', url }],
        card_action: { type: 1, url },
      },
      'app',
    );
    expect(card.issuesResponseCode).toBe(false);
    expect(card.rendered.body!.split('\n')).toEqual(['**95%** usage', '> Runbook', '> free space', '> rotate logs', 'since 10:02', '→ Dashboard']);
    expect(card.rendered.fields).toEqual([{ key: 'Host', value: 'db-1' }, { key: 'Owner', value: 'lisi' }]);
    expect(card.rendered.url).toBe(url);
  });

  it('accepts a news_notice with image and vertical content, and requires an image', () => {
    const base = { card_type: 'news_notice', main_title: { title: 'Postmortem' }, card_action: { type: 1, url } };
    const card = validateTemplateCard({ ...base, card_image: { url: 'https://example.com/i.png', aspect_ratio: 2 }, vertical_content_list: [{ title: 'Impact', desc: '5 min' }] }, 'app');
    expect(card.rendered.body).toBe('[image]\n**Impact** 5 min');
    expect(rejection(base).reason).toMatch(/card_image or image_text_area is required/);
    expect(rejection({ ...base, card_image: { url, aspect_ratio: 2.3 } }).reason).toMatch(/aspect_ratio/);
    expect(rejection({ ...base, card_image: { url }, vertical_content_list: new Array(5).fill({ title: 't' }) }).reason).toMatch(/1?0\.\.4 entries|0\.\.4/);
  });

  it('accepts a button_interaction with a selection and issues a response code', () => {
    const card = validateTemplateCard(
      {
        card_type: 'button_interaction',
        main_title: { title: 'P1' },
        task_id: 'T-1',
        button_selection: { question_key: 'who', title: 'Assign', option_list: [{ id: 'a', text: 'Alice' }, { id: 'b', text: 'Bob' }], selected_id: 'b' },
        button_list: [{ text: 'Ack', key: 'ack', style: 1 }, { text: 'Open', type: 1, url }],
      },
      'app',
    );
    expect(card.issuesResponseCode).toBe(true);
    expect(card.buttonKeys).toEqual(['ack']);
    expect(card.defaultSelections).toEqual([{ questionKey: 'who', optionIds: ['b'] }]);
  });

  it('accepts vote_interaction and multiple_interaction with submit buttons', () => {
    const vote = validateTemplateCard(
      {
        card_type: 'vote_interaction',
        main_title: { title: 'Severity?' },
        task_id: 'V-1',
        checkbox: { question_key: 'sev', mode: 1, option_list: [{ id: 'p1', text: 'P1', is_checked: true }, { id: 'p2', text: 'P2' }] },
        submit_button: { text: 'Submit', key: 'submit' },
      },
      'app',
    );
    expect(vote.buttonKeys).toEqual(['submit']);
    expect(vote.rendered.body).toBe('☑ P1\n☐ P2');
    const multiple = validateTemplateCard(
      {
        card_type: 'multiple_interaction',
        main_title: { title: 'Route' },
        task_id: 'M-1',
        select_list: [{ question_key: 'team', title: 'Team', option_list: [{ id: 'db', text: 'DB' }, { id: 'net', text: 'Net' }], selected_id: 'net' }],
        submit_button: { text: 'OK', key: 'ok' },
      },
      'app',
    );
    expect(multiple.defaultSelections).toEqual([{ questionKey: 'team', optionIds: ['net'] }]);
  });

  it('enforces documented limits at their boundaries', () => {
    const button = (extra: Record<string, unknown>) => ({
      card_type: 'button_interaction', main_title: { title: 'x' }, task_id: 'T', button_list: [{ text: 'a', key: 'a' }], ...extra,
    });
    expect(() => validateTemplateCard(button({ main_title: { title: '字'.repeat(36) } }), 'app')).not.toThrow();
    expect(rejection(button({ main_title: { title: '字'.repeat(37) } })).errcode).toBe(40058);
    expect(rejection(button({ main_title: { title: 't', desc: 'd'.repeat(45) } })).reason).toMatch(/main_title.desc exceeds 44/);
    expect(rejection(button({ sub_title_text: 's'.repeat(161) })).reason).toMatch(/sub_title_text exceeds 160/);
    expect(() => validateTemplateCard(button({ task_id: 'a'.repeat(128) }), 'app')).not.toThrow();
    expect(rejection(button({ task_id: 'a'.repeat(129) })).reason).toMatch(/task_id/);
    expect(rejection(button({ task_id: 'bad id' })).reason).toMatch(/task_id has invalid characters/);
    expect(rejection(button({ task_id: undefined })).reason).toMatch(/task_id is required/);
    const seven = Array.from({ length: 7 }, (_, i) => ({ text: `b${i}`, key: `k${i}` }));
    expect(rejection(button({ button_list: seven })).reason).toMatch(/button_list must have 1\.\.6 entries/);
    expect(rejection(button({ button_list: [] })).reason).toMatch(/button_list must have 1\.\.6/);
    expect(rejection(button({ button_list: [{ text: 'a', key: 'k' }, { text: 'b', key: 'k' }] })).reason).toMatch(/not unique/);
    expect(rejection(button({ button_list: [{ text: 'a', key: 'k'.repeat(1025) }] })).reason).toMatch(/exceeds 1024 bytes/);
    // "目前可填1~4，不填或错填默认1" (DOC-90236): a wrong style falls back to 1, it is not refused.
    expect(() => validateTemplateCard(button({ button_list: [{ text: 'a', key: 'k', style: 5 }] }), 'app')).not.toThrow();
    expect(rejection(button({ button_list: [{ text: 'a', key: 'k', style: '1' }] })).reason).toMatch(/style must be an integer/);
    expect(rejection(button({ button_list: [{ text: 'a', type: 1 }] })).reason).toMatch(/url is required/);
    expect(rejection(button({ horizontal_content_list: new Array(7).fill({ keyname: 'k', value: 'v' }) })).reason).toMatch(/0\.\.6/);
    expect(rejection(button({ horizontal_content_list: [{ keyname: 'k', type: 1 }] })).reason).toMatch(/url is required/);
    expect(rejection(button({ jump_list: new Array(4).fill({ title: 't' }) })).reason).toMatch(/0\.\.3/);
    expect(rejection(button({ checkbox: {} })).reason).toMatch(/only allowed on vote_interaction/);
    expect(rejection({ card_type: 'text_notice', main_title: { title: 't' } }).reason).toMatch(/card_action is required/);
    expect(rejection({ card_type: 'text_notice', card_action: { type: 1, url } }).reason).toMatch(/main_title.title or sub_title_text/);
    expect(rejection({ card_type: 'text_notice', main_title: { title: 't' }, card_action: { type: 1, url }, action_menu: { action_list: [{ text: 'a', key: 'a' }] } }).reason).toMatch(/task_id is required/);
    expect(rejection({ card_type: 'vote_interaction', main_title: { title: 't' }, task_id: 'V', checkbox: { question_key: 'q', option_list: new Array(21).fill(0).map((_, i) => ({ id: `o${i}`, text: 't' })) }, submit_button: { text: 's', key: 's' } }).reason).toMatch(/1\.\.20/);
    expect(rejection({ card_type: 'vote_interaction', main_title: { title: 't' }, task_id: 'V', checkbox: { question_key: 'q', option_list: [{ id: 'a', text: 'a' }] } }).reason).toMatch(/submit_button is required/);
    expect(rejection({ card_type: 'multiple_interaction', main_title: { title: 't' }, task_id: 'M', select_list: new Array(4).fill({ question_key: 'q', option_list: [{ id: 'a', text: 'a' }] }), submit_button: { text: 's', key: 's' } }).reason).toMatch(/1\.\.3/);
    expect(rejection({ card_type: 'poll' }).reason).toMatch(/card_type must be one of/);
  });

  it('limits group robots to notice cards without action_menu', () => {
    const notice = { card_type: 'text_notice', main_title: { title: 't' }, card_action: { type: 1, url } };
    expect(() => validateTemplateCard(notice, 'webhook')).not.toThrow();
    expect(rejection({ ...notice, task_id: 'x', action_menu: { action_list: [{ text: 'a', key: 'a' }] } }, 'webhook').reason).toMatch(/not supported by group robots/);
    expect(rejection({ card_type: 'vote_interaction' }, 'webhook').reason).toMatch(/text_notice or news_notice/);
  });
});
