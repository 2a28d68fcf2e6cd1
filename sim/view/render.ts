/**
 * Browser view of the simulator: server-rendered HTML drawn from the platform-neutral
 * ConversationItems of both platforms, plus a call-log panel. A few lines of vanilla JS poll
 * `/_sim/state` every second, swap in the freshly rendered fragment, and POST `/_sim/click` when a
 * card button is pressed. No frameworks and no external assets (it must work offline).
 */
import { CallRecord, ConversationItem, FaultRule, RenderedCard, SimUser } from '../core/contract';
import { truncateAtWordBoundary } from '../../shared/domain/text-budget';
import { CardInsight, cardRefKey, cardStaleness, UpdateBudget } from './insight';

export interface ViewModel {
  readonly items: readonly ConversationItem[];
  readonly calls: readonly CallRecord[];
  readonly faults: readonly FaultRule[];
  /** Directory per org, to show names and to pick who clicks in a group. */
  readonly usersByOrg: Readonly<Record<string, readonly SimUser[]>>;
  /** Orgs per platform (WeCom corpIds, DingTalk corpIds). */
  readonly orgsByPlatform: Readonly<Record<'wecom' | 'dingtalk', readonly string[]>>;
  /** Now on the simulator's clock (staleness); Date.now() when absent. */
  readonly nowMs?: number;
  /** What dutybridge did about each card (operation log, actions, the incident), keyed by cardRefKey. */
  readonly insight?: ReadonlyMap<string, CardInsight>;
  /** WeCom update budget per card, keyed by cardRefKey. */
  readonly budgets?: Readonly<Record<string, UpdateBudget>>;
  /** How long a change may take to reach a card before it is marked stale (see cardStaleness). */
  readonly staleGraceMs?: number;
  /** The newest messages of the simulator's mailbox (sim/mail), newest first. */
  readonly mail?: readonly { readonly id: string; readonly receivedAt: string; readonly to: string; readonly subject: string; readonly text: string }[];
}

const platforms = [
  { id: 'wecom', label: 'WeCom 企业微信' },
  { id: 'dingtalk', label: 'DingTalk 钉钉' },
] as const;

/** Both clients fold a card's custom/markdown area after 8 lines. */
export const CARD_BODY_MAX_LINES = 8;
const CALLS_SHOWN = 60;
/** Conversation previews in the side list are cut to this many characters, between words. */
export const PREVIEW_MAX_CHARS = 40;
/** Request and response bodies shown when a call-log row is expanded. */
const CALL_DETAIL_MAX_CHARS = 20_000;
/** Operation-log lines shown per card. */
const OPLOG_SHOWN = 20;
/** What to do first when nothing has arrived yet. */
export const EMPTY_HINT = 'npx dutybridge demo-incident';

/** China Standard Time (UTC+8, no daylight saving): the time zone both clients show in China. */
const CHINA_OFFSET_MS = 8 * 3600_000;

/** "10:02:07" in China time. */
export function chinaClock(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(11, 19);
}

/** One time zone on screen (China time); the UTC instant on hover. */
export function renderTime(epochMs: number): string {
  const utc = new Date(epochMs).toISOString();
  return `<time datetime="${utc}" title="${utc.slice(0, 19).replace('T', ' ')} UTC">${chinaClock(epochMs)}</time>`;
}

/** A one-line preview cut between words (or Chinese characters), never inside a number. */
export function previewText(text: string, maxChars = PREVIEW_MAX_CHARS): string {
  return truncateAtWordBoundary(text.replace(/\s+/g, ' ').trim(), { maxChars });
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function displayName(model: ViewModel, orgId: string | undefined, userId: string): string {
  const pools = orgId ? [model.usersByOrg[orgId] ?? []] : Object.values(model.usersByOrg);
  for (const users of pools) {
    const user = users.find((u) => u.userId.toLowerCase() === userId.toLowerCase());
    if (user) return user.name;
  }
  return userId;
}

/** Minimal markdown of the chat clients: headings, bold, links, code, quotes, font colours, <@userid>. */
function renderRichText(text: string, model: ViewModel, orgId: string | undefined, markdown: boolean): string {
  const mentionTokens: string[] = [];
  let source = text.replace(/<@([^>]+)>/g, (_m, id: string) => {
    mentionTokens.push(id);
    return `\u0000${mentionTokens.length - 1}\u0000`;
  });
  const colours: Record<string, string> = { info: '#07c160', comment: '#888', warning: '#fa9d3b' };
  const fontSpans: string[] = [];
  if (markdown) {
    source = source.replace(/<font color="(info|comment|warning)">([\s\S]*?)<\/font>/g, (_m, colour: string, inner: string) => {
      fontSpans.push(`<span style="color:${colours[colour]}">${escapeHtml(inner)}</span>`);
      return `\u0001${fontSpans.length - 1}\u0001`;
    });
  }
  let html = escapeHtml(source);
  if (markdown) {
    html = html
      .replace(/^#{1,6} (.*)$/gm, '<strong class="h">$1</strong>')
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/^&gt; ?(.*)$/gm, '<span class="quote">$1</span>')
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>');
  }
  html = html
    .replace(/\u0001(\d+)\u0001/g, (_m, i: string) => fontSpans[Number(i)]!)
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => `<span class="mention">@${escapeHtml(displayName(model, orgId, mentionTokens[Number(i)]!))}</span>`);
  return html.replace(/\n/g, '<br>');
}

function renderCard(card: RenderedCard, item: ConversationItem, model: ViewModel): string {
  const lines = card.body ? card.body.split('\n') : [];
  const shown = lines.slice(0, CARD_BODY_MAX_LINES);
  const folded = lines.length > CARD_BODY_MAX_LINES;
  const fields = card.fields
    .map((f) => `<div class="field"><span class="k">${escapeHtml(f.key)}</span><span class="v">${escapeHtml(f.value)}</span></div>`)
    .join('');
  const attrs = (key: string) =>
    `data-platform="${item.platform}" data-org="${escapeHtml(item.orgId ?? '')}" data-card="${escapeHtml(card.cardId)}" data-key="${escapeHtml(key)}" data-conv="${escapeHtml(item.conversation)}"`;
  let actions: string;
  if (card.replacedText) {
    actions = `<button class="btn greyed" disabled>${escapeHtml(card.replacedText)}</button>`;
  } else {
    actions = card.buttons
      .map((b) => `<button class="btn${b.disabled ? ' greyed' : ''}" ${b.disabled ? 'disabled' : ''} ${attrs(b.key)}>${escapeHtml(b.text)}</button>`)
      .join('');
  }
  const menu = card.menu?.length
    ? `<details class="menu"><summary>⋯</summary>${card.menu.map((m) => `<button class="btn small" ${attrs(m.key)}>${escapeHtml(m.text)}</button>`).join('')}</details>`
    : '';
  // WeCom button_selection: the choice made here travels with the next button click (SelectedItems).
  const selection =
    card.selection && !card.replacedText
      ? `<label class="selection">${escapeHtml(card.selection.title ?? card.selection.questionKey)} <select class="card-select" data-question-key="${escapeHtml(card.selection.questionKey)}">${card.selection.options
          .map((o) => `<option value="${escapeHtml(o.id)}"${o.id === card.selection!.selectedId ? ' selected' : ''}>${escapeHtml(o.text)}</option>`)
          .join('')}</select></label>`
      : '';
  const { stale } = staleness(card, item, model);
  return (
    `<div class="card${stale ? ' stale' : ''}" data-card-id="${escapeHtml(card.cardId)}">${menu}` +
    (stale ? `<div class="stale-badge" title="see the side panel">stale · not updated</div>` : '') +
    `<div class="title">${escapeHtml(card.title)}</div>` +
    (card.subtitle ? `<div class="subtitle">${escapeHtml(card.subtitle)}</div>` : '') +
    (shown.length ? `<div class="body">${renderRichText(shown.join('\n'), model, item.orgId, true)}${folded ? '<div class="fold">展开 ▾</div>' : ''}</div>` : '') +
    (fields ? `<div class="fields">${fields}</div>` : '') +
    (card.url ? `<div class="link">${escapeHtml(card.url)}</div>` : '') +
    selection +
    (actions ? `<div class="actions">${actions}</div>` : '') +
    `</div>`
  );
}

function staleness(card: RenderedCard, item: ConversationItem, model: ViewModel) {
  const key = cardRefKey({ platform: item.platform, cardId: card.cardId });
  return cardStaleness({
    platform: item.platform,
    renderedAtMs: item.updatedAt ?? item.at,
    nowMs: model.nowMs ?? Date.now(),
    ...(model.staleGraceMs !== undefined ? { graceMs: model.staleGraceMs } : {}),
    ...(model.budgets?.[key] ? { budget: model.budgets[key] } : {}),
    ...(model.insight?.get(key)?.incident ? { incident: model.insight.get(key)!.incident } : {}),
  });
}

/** A card that was never sent (template preview): the view's card renderer on an empty model. */
export function renderPreviewCard(card: RenderedCard, platform: 'wecom' | 'dingtalk'): string {
  const model: ViewModel = { items: [], calls: [], faults: [], usersByOrg: {}, orgsByPlatform: { wecom: [], dingtalk: [] } };
  const now = Date.now();
  return renderCard(card, { id: 'preview', at: now, platform, conversation: 'user:preview', kind: 'card', card }, model);
}

/** Ids of the items the view greys as stale; the poller redraws when this set changes. */
export function staleCardIds(model: ViewModel): string[] {
  return model.items.filter((i) => i.kind === 'card' && i.card && staleness(i.card, i, model).stale).map((i) => i.id);
}

const actionWords: Record<string, string> = { acknowledge: 'Start Processing (acknowledge)', resolve: 'Close (resolve)', snooze: 'Snooze' };

/** Side panel entry for one card: freshness and why, the incident.action messages and the operation log. */
function renderInspector(card: RenderedCard, item: ConversationItem, model: ViewModel): string {
  const key = cardRefKey({ platform: item.platform, cardId: card.cardId });
  const insight = model.insight?.get(key);
  const { stale, notes } = staleness(card, item, model);
  const convKey = `${item.orgId ?? ''}|${item.conversation}`;
  const head =
    `<div class="ins-head"><b>${escapeHtml(previewText(card.title))}</b> <span class="ins-id">${escapeHtml(card.cardId)}</span>` +
    `<span class="fresh ${stale ? 'is-stale' : 'is-fresh'}">${stale ? 'stale' : 'current'}</span></div>` +
    `<div class="ins-line">drawn ${renderTime(item.updatedAt ?? item.at)}${insight ? ` · incident <b>${escapeHtml(insight.incidentId)}</b>${insight.incident ? ` ${escapeHtml(insight.incident.status)} r${insight.incident.revision}` : ''}` : ''}</div>`;
  const why = notes.length ? `<ul class="why">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  let body: string;
  if (!insight) {
    body = `<div class="ins-none">No operation log or actions for this card${model.insight ? ' (dutybridge does not know it)' : ' (the simulator runs without the local stack)'}.</div>`;
  } else {
    const actions = insight.actions.length
      ? insight.actions
          .map(
            (a) =>
              `<li class="action">${renderTime(Date.parse(a.at))} <b>incident.action</b> ${escapeHtml(actionWords[a.action] ?? a.action)}${a.snoozeMinutes !== undefined ? ` ${a.snoozeMinutes} min` : ''} by ${escapeHtml(a.actor.email)}${a.actor.platform ? ` (${escapeHtml(a.actor.platform)})` : ''}</li>`,
          )
          .join('')
      : '<li class="none">no incident.action published yet</li>';
    const oplog = insight.oplog.length
      ? insight.oplog
          .slice(0, OPLOG_SHOWN)
          .map(
            (r) =>
              `<li class="op op-${escapeHtml(r.result)}">${renderTime(r.atMs)} <b>${escapeHtml(r.result)}</b> ${escapeHtml(r.reasonCode)}${r.recipient ? ` → ${escapeHtml(r.recipient)}` : ''}${r.requestKind ? ` · ${escapeHtml(r.requestKind)}` : ''}${r.platformCode !== undefined ? ` · code ${escapeHtml(String(r.platformCode))}` : ''}<div class="op-reason">${escapeHtml(r.reason)}</div></li>`,
          )
          .join('')
      : '<li class="none">no operation-log lines yet</li>';
    body = `<div class="ins-sub">Actions out</div><ul class="ins-actions">${actions}</ul><div class="ins-sub">Operation log (newest first)</div><ul class="ins-oplog">${oplog}</ul>`;
  }
  return `<div class="inspect${stale ? ' stale' : ''}" data-conv-key="${escapeHtml(convKey)}" data-platform="${item.platform}" data-card-id="${escapeHtml(card.cardId)}">${head}${why}${body}</div>`;
}

function renderInspectors(model: ViewModel): string {
  const cards = model.items.filter((i) => i.kind === 'card' && i.card);
  const entries = cards.map((i) => renderInspector(i.card!, i, model)).join('');
  return `<section class="inspectors"><h4>Cards in this chat</h4>${entries}<div class="ins-empty">No card in this chat.</div></section>`;
}

function renderItem(item: ConversationItem, model: ViewModel): string {
  const time = renderTime(item.at);
  let content: string;
  if (item.kind === 'card' && item.card) content = renderCard(item.card, item, model);
  else content = `<div class="bubble">${renderRichText(item.text ?? '', model, item.orgId, item.kind === 'markdown')}</div>`;
  const mentions = (item.mentions ?? []).filter((m) => !(item.text ?? '').includes(`<@${m}>`));
  const mentionLine = mentions.length
    ? `<div class="mentions">${mentions.map((m) => `<span class="mention">@${escapeHtml(m === '@all' ? '所有人' : displayName(model, item.orgId, m))}</span>`).join(' ')}</div>`
    : '';
  return `<div class="msg"><div class="meta">${escapeHtml(item.sender ?? (item.platform === 'wecom' ? 'app' : 'robot'))} · ${time}</div>${content}${mentionLine}</div>`;
}

function conversationTitle(model: ViewModel, item: ConversationItem): string {
  const [kind, ...rest] = item.conversation.split(':');
  const id = rest.join(':');
  return kind === 'user' ? displayName(model, item.orgId, id) : `# ${id}`;
}

function renderPlatform(platform: 'wecom' | 'dingtalk', model: ViewModel): string {
  const items = model.items.filter((i) => i.platform === platform);
  const conversations = new Map<string, ConversationItem[]>();
  for (const item of items) {
    const key = `${item.orgId ?? ''}|${item.conversation}`;
    conversations.set(key, [...(conversations.get(key) ?? []), item]);
  }
  const ordered = [...conversations.entries()].sort(
    (a, b) => Math.max(...b[1].map((i) => i.at)) - Math.max(...a[1].map((i) => i.at)),
  );
  const orgs = model.orgsByPlatform[platform];
  const clickers = orgs.flatMap((org) => (model.usersByOrg[org] ?? []).map((u) => ({ org, user: u })));
  const side = ordered.length
    ? ordered
        .map(([key, list]) => {
          const last = list[list.length - 1]!;
          const preview = last.kind === 'card' ? `[card] ${last.card?.title ?? ''}` : (last.text ?? '');
          return `<li class="conv" data-conv-key="${escapeHtml(key)}"><div class="name">${escapeHtml(conversationTitle(model, last))}</div><div class="preview">${escapeHtml(previewText(preview))}</div></li>`;
        })
        .join('')
    : '<li class="empty">no conversations yet</li>';
  if (ordered.length === 0) {
    const hint =
      `<div class="first-run"><h3>Nothing here yet</h3><p>dutybridge has not sent anything to ${platform === 'wecom' ? 'WeCom' : 'DingTalk'}. ` +
      `With <code>npm start</code> running, run this in another terminal:</p><pre>${EMPTY_HINT}</pre>` +
      `<p>The incident arrives here as a card for each responder. Click Start Processing and watch the card, the API calls and the operation log on the right.</p></div>`;
    return `<div class="platform" data-platform="${platform}"><ul class="convs">${side}</ul><div class="panes">${hint}</div></div>`;
  }
  const panes = ordered
    .map(([key, list]) => {
      const isGroup = list[0]!.conversation.startsWith('group:');
      const actAs = isGroup
        ? `<label class="actas">click as <select class="actas-select">${clickers
            .filter((c) => !list[0]!.orgId || c.org === list[0]!.orgId)
            .map((c) => `<option value="${escapeHtml(c.user.userId)}">${escapeHtml(c.user.name)}</option>`)
            .join('')}</select></label>`
        : '';
      return `<section class="pane" data-conv-key="${escapeHtml(key)}"><header>${escapeHtml(conversationTitle(model, list[0]!))}${actAs}</header><div class="msgs">${list.map((i) => renderItem(i, model)).join('')}</div></section>`;
    })
    .join('');
  return `<div class="platform" data-platform="${platform}"><ul class="convs">${side}</ul><div class="panes">${panes}</div></div>`;
}

/** Mails the SMTP mailbox received (one-time codes), newest first; nothing until the first one. */
function renderMail(model: ViewModel): string {
  if (!model.mail || model.mail.length === 0) return '';
  const rows = model.mail
    .map((m) => `<tr title="${escapeHtml(m.text)}"><td>${renderTime(Date.parse(m.receivedAt))}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.subject)}</td><td>${escapeHtml(previewText(m.text.replace(/\s+/g, ' '), 80))}</td></tr>`)
    .join('');
  return `<section class="mailbox"><h4>Mailbox</h4><table><thead><tr><th>time</th><th>to</th><th>subject</th><th>text</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function renderCalls(model: ViewModel): string {
  const summary = (['wecom', 'dingtalk'] as const)
    .map((p) => {
      const calls = model.calls.filter((c) => c.platform === p);
      const errors = calls.filter((c) => c.resultCode !== 0 && c.resultCode !== 'ok').length;
      const throttled = calls.filter((c) => c.resultCode === 45009 || /throttl|qps|freq/i.test(String(c.resultCode)) || /limit/i.test(c.reason ?? '')).length;
      const dropped = calls.filter((c) => /dropped/i.test(c.reason ?? '')).length;
      const metered = calls.filter((c) => c.metered).length;
      return `<div class="sum"><b>${p}</b> calls ${calls.length} · errors ${errors} · throttled ${throttled} · dropped ${dropped} · quota used ${metered}</div>`;
    })
    .join('');
  const faults = model.faults.length
    ? `<div class="faults">faults: ${model.faults.map((f) => escapeHtml(`${f.platform}/${f.endpoint} ${f.kind} ${f.nextN !== undefined ? `next ${f.nextN}` : `${f.percent}%`}`)).join(', ')}</div>`
    : '';
  const rows = model.calls
    .slice(-CALLS_SHOWN)
    .reverse()
    .map((c) => {
      const ok = c.resultCode === 0 || c.resultCode === 'ok';
      return (
        `<tr class="call ${ok ? 'ok' : 'err'}" data-seq="${c.seq}" title="click for the request and the response"><td>${c.seq}</td><td>${renderTime(c.at)}</td><td>${c.platform}</td><td>${escapeHtml(c.endpoint)}</td><td>${c.status}</td><td class="code">${escapeHtml(String(c.resultCode))}</td><td>${escapeHtml(c.reason ?? '')}</td></tr>` +
        `<tr class="detail" data-seq="${c.seq}"><td colspan="7">${renderCallDetail(c)}</td></tr>`
      );
    })
    .join('');
  return `<aside class="calls">${renderInspectors(model)}${renderMail(model)}<h4>API calls</h4>${summary}${faults}<table><thead><tr><th>#</th><th title="China time (UTC+8); UTC on hover">time</th><th>platform</th><th>endpoint</th><th>HTTP</th><th>code</th><th>reason</th></tr></thead><tbody>${rows}</tbody></table></aside>`;
}

function showBody(body: unknown): string {
  let text: string;
  if (body === undefined) text = '(none)';
  else if (typeof body === 'string') text = body === '' ? '(empty)' : body;
  else {
    const plaintext = (body as { plaintext?: unknown }).plaintext;
    text = typeof plaintext === 'string' && Object.keys(body as object).length === 1 ? plaintext : JSON.stringify(body, null, 2);
  }
  return text.length > CALL_DETAIL_MAX_CHARS ? `${text.slice(0, CALL_DETAIL_MAX_CHARS)}\n… (${text.length - CALL_DETAIL_MAX_CHARS} more characters)` : text;
}

/** What an expanded call-log row shows: the request as sent and the answer as received. */
export function renderCallDetail(call: CallRecord): string {
  const query = new URLSearchParams(call.query).toString();
  return (
    `<div class="detail-box"><div class="dh">request</div><pre class="req">${escapeHtml(`${call.method} ${call.path}${query ? `?${query}` : ''}\n\n${showBody(call.requestBody)}`)}</pre>` +
    `<div class="dh">response · HTTP ${call.status}${call.answerLost ? ' · answer lost (fault)' : ''}</div><pre class="res">${escapeHtml(showBody(call.responseBody))}</pre></div>`
  );
}

/** The fragment swapped in by the poller. */
export function renderApp(model: ViewModel): string {
  const tabs = platforms.map((p) => `<button class="tab" data-tab="${p.id}">${p.label}</button>`).join('');
  return `<nav class="tabs">${tabs}<a class="tab" href="/_sim/wecom/bots/view">WeCom smart bot</a></nav><main>${platforms.map((p) => renderPlatform(p.id, model)).join('')}${renderCalls(model)}</main>`;
}

const css = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#ededed;color:#191919}
.tabs{display:flex;gap:4px;background:#2e3238;padding:6px 8px}.tab{background:none;border:0;color:#bbb;padding:6px 14px;font-size:14px;cursor:pointer;border-radius:4px}
.tab.active{background:#07c160;color:#fff}a.tab{margin-left:auto;text-decoration:none}main{display:flex;height:calc(100vh - 42px)}
.platform{display:none;flex:1;min-width:0}.platform.active{display:flex}
.convs{list-style:none;margin:0;padding:0;width:220px;background:#f7f7f7;border-right:1px solid #ddd;overflow:auto}
.conv{padding:10px 12px;border-bottom:1px solid #eee;cursor:pointer}.conv.active{background:#dcdcdc}.conv .name{font-weight:600}.conv .preview{color:#888;font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.empty{padding:12px;color:#999}.panes{flex:1;overflow:auto;min-width:0}.pane{display:none}.pane.active{display:block}
.pane header{position:sticky;top:0;background:#f5f5f5;border-bottom:1px solid #ddd;padding:10px 16px;font-weight:600;display:flex;justify-content:space-between}
.actas{font-weight:normal;font-size:12px}.msgs{padding:12px 16px}.msg{margin:10px 0;max-width:460px}.meta{font-size:12px;color:#999;margin-bottom:3px}
.bubble{background:#fff;border-radius:6px;padding:8px 12px;display:inline-block;max-width:100%;word-wrap:break-word}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08);position:relative}
.card .title{font-size:16px;font-weight:600}.card .subtitle{color:#888;font-size:13px}.card .body{margin:8px 0;color:#333}
.fold{color:#576b95;font-size:12px}.fields{margin:8px 0;border-top:1px solid #f0f0f0;padding-top:6px}.field{display:flex;gap:12px;font-size:13px}.field .k{color:#888;min-width:70px}
.link{font-size:12px;color:#576b95;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.actions{display:flex;gap:8px;margin-top:10px;flex-wrap:wrap}.btn{flex:1;border:1px solid #07c160;color:#07c160;background:#fff;border-radius:4px;padding:6px 10px;cursor:pointer;font-size:14px}
.btn:hover{background:#f0fff5}.btn.greyed,.btn:disabled{border-color:#ddd;color:#aaa;background:#f5f5f5;cursor:default}.btn.small{flex:none;font-size:12px;padding:3px 8px;display:block;margin:3px 0}
.menu{position:absolute;right:10px;top:6px}.menu summary{list-style:none;cursor:pointer;color:#999}
.mention{color:#576b95;background:#e8eef8;border-radius:3px;padding:0 2px}.quote{display:block;border-left:3px solid #ddd;padding-left:6px;color:#666}code{background:#f3f3f3;padding:0 3px}
.calls{width:460px;background:#fff;border-left:1px solid #ddd;overflow:auto;font-size:12px;padding:0 8px}.calls h4{margin:10px 0 4px}
.sum{color:#444}.faults{color:#c00;margin:4px 0}.calls table{border-collapse:collapse;width:100%;margin-top:6px}.calls td,.calls th{border-bottom:1px solid #f0f0f0;padding:2px 4px;text-align:left;vertical-align:top}
tr.err .code{color:#c00;font-weight:600}tr.ok .code{color:#07a050}
tr.call{cursor:pointer}tr.call:hover{background:#f6f9ff}tr.call.open{background:#eef3ff}tr.detail{display:none}tr.detail.open{display:table-row}
.detail-box{background:#fafafa;border:1px solid #e5e5e5;border-radius:4px;padding:4px 6px}.detail-box pre{margin:2px 0 6px;white-space:pre-wrap;word-break:break-all;max-height:280px;overflow:auto;font-size:11px}.dh{color:#888;font-size:11px}
.selection{display:flex;align-items:center;gap:6px;margin-top:10px;font-size:13px;color:#555}.card-select{flex:1;padding:4px;border:1px solid #ccc;border-radius:4px;background:#fff;font-size:13px}
.card.stale{filter:grayscale(1);opacity:.6}.stale-badge{display:inline-block;font-size:11px;color:#fff;background:#999;border-radius:3px;padding:0 5px;margin-bottom:4px}
.inspectors{border-bottom:1px solid #ddd;padding-bottom:6px}.inspect{display:none;border:1px solid #eee;border-radius:6px;padding:6px 8px;margin:6px 0}.inspect.active{display:block}.inspect.stale{border-color:#bbb;background:#f6f6f6}
.ins-empty{display:none;color:#999}.ins-empty.active{display:block}.ins-id{color:#999}.fresh{float:right;border-radius:3px;padding:0 5px;color:#fff}.is-fresh{background:#07c160}.is-stale{background:#999}
.ins-line{color:#666}.why{margin:4px 0;padding-left:16px;color:#444}.ins-sub{font-weight:600;margin-top:4px}.inspect ul{margin:2px 0;padding-left:16px}.ins-none,.none{color:#999}
.op-failed b,.op-dropped b{color:#c00}.op-sent b{color:#07a050}.op-retrying b,.op-deferred b{color:#fa9d3b}.op-reason{color:#666}
.first-run{max-width:520px;margin:40px auto;background:#fff;border-radius:8px;padding:16px 20px}.first-run pre{background:#2e3238;color:#fff;padding:8px 12px;border-radius:4px;font-size:14px}#toast{position:fixed;bottom:12px;left:12px;background:#333;color:#fff;padding:6px 12px;border-radius:4px;display:none}
`;

const script = `
(function(){
  var ui={tab:'wecom',conv:{},actAs:{},sel:{},open:{}};var version=null;
  function selKey(s){var c=s.closest('.card');var p=s.closest('.pane');return (p?p.dataset.convKey:'')+'|'+(c?c.dataset.cardId:'')+'|'+s.dataset.questionKey;}
  function qsa(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));}
  function toast(t){var e=document.getElementById('toast');e.textContent=t;e.style.display='block';clearTimeout(toast.t);toast.t=setTimeout(function(){e.style.display='none';},4000);}
  function apply(){
    qsa('.tab').forEach(function(b){b.classList.toggle('active',b.dataset.tab===ui.tab);});
    qsa('.platform').forEach(function(p){
      var on=p.dataset.platform===ui.tab;p.classList.toggle('active',on);
      var convs=qsa('.conv',p);var key=ui.conv[p.dataset.platform];
      if(!convs.some(function(c){return c.dataset.convKey===key;})){key=convs.length?convs[0].dataset.convKey:null;ui.conv[p.dataset.platform]=key;}
      convs.forEach(function(c){c.classList.toggle('active',c.dataset.convKey===key);});
      qsa('.pane',p).forEach(function(s){s.classList.toggle('active',s.dataset.convKey===key);
        var sel=s.querySelector('.actas-select');if(sel&&ui.actAs[s.dataset.convKey])sel.value=ui.actAs[s.dataset.convKey];});
    });
    qsa('.card-select').forEach(function(s){var v=ui.sel[selKey(s)];if(v!==undefined)s.value=v;});
    qsa('tr.call').forEach(function(r){r.classList.toggle('open',!!ui.open[r.dataset.seq]);});
    qsa('tr.detail').forEach(function(r){r.classList.toggle('open',!!ui.open[r.dataset.seq]);});
    var any=false;var active=ui.conv[ui.tab];
    qsa('.inspect').forEach(function(i){var on=i.dataset.platform===ui.tab&&i.dataset.convKey===active;i.classList.toggle('active',on);any=any||on;});
    qsa('.ins-empty').forEach(function(e){e.classList.toggle('active',!any);});
  }
  document.addEventListener('click',function(ev){
    var t=ev.target.closest('button,li.conv,tr.call');if(!t)return;
    if(t.classList.contains('call')){ui.open[t.dataset.seq]=!ui.open[t.dataset.seq];apply();return;}
    if(t.classList.contains('tab')){ui.tab=t.dataset.tab;apply();return;}
    if(t.classList.contains('conv')){ui.conv[ui.tab]=t.dataset.convKey;apply();return;}
    if(t.dataset.key&&!t.disabled){
      var conv=t.dataset.conv;var user;var pane=t.closest('.pane');
      if(conv.indexOf('user:')===0){user=conv.slice(5);}else{var sel=pane&&pane.querySelector('.actas-select');user=sel?sel.value:'';}
      var req={platform:t.dataset.platform,orgId:t.dataset.org,userId:user,cardId:t.dataset.card,buttonKey:t.dataset.key};
      if(conv.indexOf('group:')===0)req.conversation=conv;
      var card=t.closest('.card');var picks=card?qsa('.card-select',card):[];
      if(picks.length)req.selectedItems=picks.map(function(s){return {questionKey:s.dataset.questionKey,optionIds:[s.value]};});
      t.disabled=true;
      fetch('/_sim/click',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(req)})
        .then(function(r){return r.json().then(function(j){toast(r.ok?('callback sent: HTTP '+j.status):('click refused: '+(j.error||r.status)));});})
        .catch(function(e){toast('click failed: '+e);}).then(function(){t.disabled=false;poll(true);});
    }
  });
  document.addEventListener('change',function(ev){if(ev.target.classList.contains('actas-select')){ui.actAs[ev.target.closest('.pane').dataset.convKey]=ev.target.value;}
    if(ev.target.classList.contains('card-select')){ui.sel[selKey(ev.target)]=ev.target.value;}});
  function poll(force){
    fetch('/_sim/state'+(force?'':'?since='+encodeURIComponent(version||''))).then(function(r){return r.json();}).then(function(s){
      if(s.version!==version||force){version=s.version;if(s.html!==undefined){var app=document.getElementById('app');var panes=qsa('.panes',app).map(function(p){return p.scrollTop;});app.innerHTML=s.html;qsa('.panes',app).forEach(function(p,i){p.scrollTop=panes[i]||0;});apply();}}
    }).catch(function(){});
  }
  version=document.body.dataset.version;apply();setInterval(poll,1000);
})();
`;

/**
 * Template preview (issue 13, sim/view/template-preview.ts): a channel, a template file, Preview;
 * the card appears below. Outside #app, so the poller's redraw keeps what was typed.
 */
const PREVIEW_CHANNELS = ['wecom.card', 'wecom.bot.markdown', 'wecom.bot.text', 'dingtalk.card', 'dingtalk.robot.markdown'];
const previewForm =
  `<details class="tpl-preview"><summary>Template preview (nothing is sent)</summary>` +
  `<select id="tpl-channel">${PREVIEW_CHANNELS.map((c) => `<option>${c}</option>`).join('')}</select><br>` +
  `<textarea id="tpl-source" rows="10" cols="60" placeholder="--- title ---"></textarea><br>` +
  `<button id="tpl-preview" type="button">Preview</button><div id="tpl-out"></div></details>`;
const previewScript = `
document.getElementById('tpl-preview').addEventListener('click', async () => {
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const r = await fetch('/_sim/preview', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: document.getElementById('tpl-channel').value, source: document.getElementById('tpl-source').value }) });
  const b = await r.json();
  const out = document.getElementById('tpl-out');
  if (!r.ok) { out.innerHTML = '<div class="warn">' + esc(b.error) + '</div>'; return; }
  out.innerHTML = b.html + (b.templateError ? '<div class="warn">template error: ' + esc(b.templateError.message) + '</div>' : '') + b.warnings.map((w) => '<div>' + esc(w) + '</div>').join('');
});`;

export function renderPage(model: ViewModel, version: string): string {
  return `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>dutybridge platform simulator</title><style>${css}</style></head><body data-version="${escapeHtml(version)}"><div id="app">${renderApp(model)}</div>${previewForm}<div id="toast"></div><script>${script}${previewScript}</script></body></html>`;
}
