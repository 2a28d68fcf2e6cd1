import { ConversationItem } from '../../../sim/core/contract';
import { resolveSimPort, SimPortError } from '../../../sim/server';
import { EMPTY_HINT, previewText, renderApp, renderCallDetail, renderPage, renderTime, ViewModel } from '../../../sim/view/render';
import { CardInsight, cardStaleness } from '../../../sim/view/insight';

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

  it('draws a WeCom button_selection as a dropdown with its preselection, and none on a greyed card', () => {
    const selection = { questionKey: 'snooze', title: 'Snooze for', options: [{ id: 'snooze:30', text: '30 min' }, { id: 'snooze:1440', text: '24h' }], selectedId: 'snooze:1440' };
    const html = renderApp(model([cardItem({ selection })]));
    expect(html).toContain('<select class="card-select" data-question-key="snooze"><option value="snooze:30">30 min</option><option value="snooze:1440" selected>24h</option></select>');
    expect(html).toContain('Snooze for');
    expect(renderApp(model([cardItem({ selection, replacedText: 'Closed' })]))).not.toContain('card-select');
    // The click handler sends the dropdown's choice with the button (WeCom SelectedItems).
    expect(renderPage(model([]), 'v')).toContain('req.selectedItems=picks.map');
  });

  it('shows times in China time with the UTC instant on hover', () => {
    expect(renderTime(Date.UTC(2026, 10, 22, 2, 7, 12))).toBe('<time datetime="2026-11-22T02:07:12.000Z" title="2026-11-22 02:07:12 UTC">10:07:12</time>');
    const html = renderApp(model([{ ...cardItem(), at: Date.UTC(2026, 0, 1, 23, 30) }]));
    expect(html).toContain('title="2026-01-01 23:30:00 UTC">07:30:00</time>');
    expect(html).not.toContain('>23:30:00<');
  });

  it('cuts conversation previews between words, never inside a number', () => {
    expect(previewText('[card] Checkout error rate above 50% for 10 minutes')).toBe('[card] Checkout error rate above 50%…');
    expect(previewText('[card] Payments API p99 latency 1234567890123 ms')).toBe('[card] Payments API p99 latency…');
    expect(previewText('[card] 支付接口错误率超过百分之五十持续十分钟以上影响华北二区所有用户请立即处理谢谢大家')).toHaveLength(40);
    const html = renderApp(model([cardItem({ title: 'Checkout error rate above 50% for 10 minutes' })]));
    expect(html).toContain('<div class="preview">[card] Checkout error rate above 50%…</div>');
  });

  it('an empty view says what to run next', () => {
    const html = renderApp(model([]));
    expect(html).toContain(`<pre>${EMPTY_HINT}</pre>`);
    expect(EMPTY_HINT).toBe('npx dutybridge demo-incident');
    expect(renderApp(model([cardItem(), { ...cardItem(), id: 'd1', platform: 'dingtalk', orgId: 'ding1' }]))).not.toContain('first-run');
  });

  it('expands a call-log row to its request and response (escaped), toggled by a click on the row', () => {
    const call = {
      seq: 7, at: 0, platform: 'wecom' as const, endpoint: 'message/send', method: 'POST', path: '/cgi-bin/message/send', query: { access_token: 'tok' },
      requestBody: { touser: 'alice', msgtype: 'text', text: { content: '<b>hi</b>' } }, status: 200, resultCode: 81013, responseBody: { errcode: 81013, errmsg: 'no valid recipient' },
    };
    const html = renderApp({ ...model([]), calls: [call] });
    expect(html).toMatch(/<tr class="call err" data-seq="7"[^>]*>/);
    expect(html).toContain('<tr class="detail" data-seq="7"><td colspan="7">');
    const detail = renderCallDetail(call);
    expect(detail).toContain('POST /cgi-bin/message/send?access_token=tok');
    expect(detail).toContain('&quot;content&quot;: &quot;&lt;b&gt;hi&lt;/b&gt;&quot;');
    expect(detail).toContain('response · HTTP 200');
    expect(detail).toContain('&quot;errcode&quot;: 81013');
    expect(renderPage(model([]), 'v')).toContain("t.classList.contains('call')");
    expect(renderCallDetail({ ...call, requestBody: { plaintext: '<xml>x</xml>' }, responseBody: '' })).toContain('&lt;xml&gt;x&lt;/xml&gt;');
  });

  it('greys a card whose incident changed after it was drawn and explains why in the side panel, with its actions and log', () => {
    const insight: CardInsight = {
      incidentId: 'INC-1',
      incident: { status: 'Closed', revision: 4, updatedAtMs: 50_000 },
      oplog: [{ atMs: 40_000, result: 'sent', reasonCode: 'delivered', reason: 'card sent to alice', recipient: 'alice@example.com', requestKind: 'message/send', platformCode: 0 }],
      actions: [{ type: 'incident.action', incidentId: 'INC-1', action: 'snooze', snoozeMinutes: 1440, actor: { email: 'alice@example.com', platform: 'wecom' }, at: new Date(45_000).toISOString(), idempotencyKey: 'k' }],
    };
    const item = { ...cardItem(), at: 10_000, updatedAt: 20_000 };
    const base = { ...model([item]), insight: new Map([['wecom|T1', insight]]), budgets: { 'wecom|T1': { usable: 0, spent: 2, expired: 0 } } };
    const stale = renderApp({ ...base, nowMs: 70_000 });
    expect(stale).toContain('<div class="card stale" data-card-id="T1">');
    expect(stale).toContain('stale · not updated');
    expect(stale).toContain('class="inspect stale" data-conv-key="ww1|user:alice" data-platform="wecom" data-card-id="T1"');
    expect(stale).toContain('The incident changed (now Closed, revision 4) after this card was last drawn');
    expect(stale).toContain('No update budget left: 0 response codes usable, 2 spent, 0 expired');
    expect(stale).toContain('<b>incident.action</b> Snooze 1440 min by alice@example.com (wecom)');
    expect(stale).toContain('<b>sent</b> delivered → alice@example.com · message/send · code 0<div class="op-reason">card sent to alice</div>');
    // Within the grace period the change may still be on its way: not stale yet.
    const fresh = renderApp({ ...base, nowMs: 55_000 });
    expect(fresh).not.toContain('card stale');
    expect(fresh).toContain('an update is on its way');
  });

  it('decides staleness from the incident’s last change and the card’s budget', () => {
    const incident = { status: 'Processing', revision: 2, updatedAtMs: 1_000 };
    expect(cardStaleness({ platform: 'wecom', renderedAtMs: 2_000, nowMs: 60_000, incident, budget: { usable: 0, spent: 2, expired: 0 } })).toEqual({
      stale: false,
      notes: ['No update budget left: 0 response codes usable, 2 spent, 0 expired (single use, 72 h). The card is current, but the next change will leave it stale until someone clicks it.'],
    });
    expect(cardStaleness({ platform: 'wecom', renderedAtMs: 500, nowMs: 60_000, incident, budget: { usable: 1, spent: 0, expired: 0 } }).stale).toBe(true);
    expect(cardStaleness({ platform: 'dingtalk', renderedAtMs: 500, nowMs: 60_000, incident }).stale).toBe(true);
    expect(cardStaleness({ platform: 'wecom', renderedAtMs: 500, nowMs: 5_000, incident }).stale).toBe(false);
    expect(cardStaleness({ platform: 'wecom', renderedAtMs: 500, nowMs: 5_000, graceMs: 0, incident }).stale).toBe(true);
    expect(cardStaleness({ platform: 'wecom', renderedAtMs: 500, nowMs: 60_000 }).stale).toBe(false);
  });

  it('reads SIM_PORT with a default of 8788', () => {
    expect(resolveSimPort({})).toBe(8788);
    expect(resolveSimPort({ SIM_PORT: '9000' })).toBe(9000);
    expect(() => resolveSimPort({ SIM_PORT: 'eighty' })).toThrow(SimPortError);
  });
});
