import { ConversationItem } from '../../../sim/core/contract';
import { resolveSimPort, SimPortError } from '../../../sim/server';
import { renderApp, renderPage, ViewModel } from '../../../sim/view/render';

const users = [
  { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000004', email: 'alice@example.com' },
  { userId: 'zhangwei', name: '张伟', mobile: '+86-13800000001', email: 'zhangwei@example.com' },
];

function model(items: ConversationItem[]): ViewModel {
  return { items, calls: [], faults: [], usersByOrg: { ww1: users, ding1: users }, orgsByPlatform: { wecom: ['ww1'], dingtalk: ['ding1'] } };
}

const cardItem = (over: Partial<ConversationItem['card']> = {}): ConversationItem => ({
  id: 'm1',
  at: 0,
  platform: 'wecom',
  orgId: 'ww1',
  conversation: 'user:alice',
  kind: 'card',
  card: { cardId: 'T1', title: 'P1 <b>latency</b>', fields: [{ key: 'Sev', value: 'P1' }], body: Array.from({ length: 10 }, (_, i) => `line${i + 1}`).join('\n'), buttons: [{ key: 'ack', text: 'Ack' }], ...over },
});

describe('simulator view rendering', () => {
  it('renders a card: escaped title, fields, body cut at 8 lines, clickable buttons addressed to the card', () => {
    const html = renderApp(model([cardItem()]));
    expect(html).toContain('P1 &lt;b&gt;latency&lt;/b&gt;');
    expect(html).toContain('line8');
    expect(html).not.toContain('line9');
    expect(html).toContain('展开');
    expect(html).toMatch(/<button class="btn" +data-platform="wecom" data-org="ww1" data-card="T1" data-key="ack" data-conv="user:alice">Ack<\/button>/);
    expect(html).toContain('<span class="k">Sev</span><span class="v">P1</span>');
  });

  it('shows replaced text as one greyed disabled button and disabled buttons greyed', () => {
    const replaced = renderApp(model([cardItem({ replacedText: '已处理' })]));
    expect(replaced).toContain('<button class="btn greyed" disabled>已处理</button>');
    expect(replaced).not.toContain('data-key="ack"');
    const disabled = renderApp(model([cardItem({ buttons: [{ key: 'ack', text: 'Ack', disabled: true }] })]));
    expect(disabled).toMatch(/class="btn greyed" disabled data-platform/);
  });

  it('highlights mentions from inline <@userid> and from the mentions list, and both platforms get a tab', () => {
    const items: ConversationItem[] = [
      { id: 'a', at: 1, platform: 'wecom', orgId: 'ww1', conversation: 'group:ops', kind: 'markdown', text: '**P1** <@alice> <script>x</script>', mentions: ['alice'] },
      { id: 'b', at: 2, platform: 'dingtalk', conversation: 'group:cid1', kind: 'text', text: 'hello', mentions: ['zhangwei'] },
    ];
    const html = renderApp(model(items));
    expect(html).toContain('<strong>P1</strong> <span class="mention">@Alice Chen</span>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('<span class="mention">@张伟</span>');
    expect(html).toContain('data-platform="wecom"');
    expect(html).toContain('data-platform="dingtalk"');
    expect(html).toContain('click as');
  });

  it('embeds the poller and no external assets', () => {
    const page = renderPage(model([]), 'v1');
    expect(page).toContain("fetch('/_sim/state'");
    expect(page).toContain('setInterval(poll,1000)');
    expect(page).not.toMatch(/src="http|href="http/);
  });

  it('reads SIM_PORT with a default of 8788', () => {
    expect(resolveSimPort({})).toBe(8788);
    expect(resolveSimPort({ SIM_PORT: '9000' })).toBe(9000);
    expect(() => resolveSimPort({ SIM_PORT: 'eighty' })).toThrow(SimPortError);
  });
});
