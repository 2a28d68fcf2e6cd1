/**
 * The simulated WeCom client's view of smart bot conversations (issue 15), at
 * `GET /_sim/wecom/bots/view`: each message a user sent a bot, the bot's stream as it grew (every
 * refresh's content, in order: the client shows the latest), how the conversation ended and why a
 * reply was refused. A few lines of script re-fetch `?fragment=1` and swap it in, so a stream is
 * seen growing; a small form sends a text message as a user.
 */
import type { BotConversation, BotConversationStatus } from '../wecom/smart-bot';
import { escapeHtml, renderTime } from './render';

/** A bot as the page may show it (never its token or key). */
export interface BotSummary {
  readonly botId: string;
  readonly name: string;
}

/** Conversations drawn, newest first; older ones stay in `GET /_sim/wecom/bots/{botId}/conversations`. */
export const BOT_VIEW_MAX_CONVERSATIONS = 30;
/** How often the page re-fetches the fragment. */
const POLL_MS = 700;

const statusLabels: Record<BotConversationStatus, string> = {
  streaming: 'streaming…',
  finished: 'finished',
  timed_out: 'timed out (WeCom stops polling after 6 min)',
  rejected: 'rejected (WeCom would not take a reply)',
  empty: 'no answer (empty reply)',
};

/** Consecutive equal snapshots (a refresh that added nothing) are drawn once with a count. */
function groupSnapshots(contents: readonly string[]): { content: string; times: number }[] {
  const groups: { content: string; times: number }[] = [];
  for (const content of contents) {
    const last = groups.at(-1);
    if (last && last.content === content) last.times += 1;
    else groups.push({ content, times: 1 });
  }
  return groups;
}

function renderConversation(conversation: BotConversation, botName: string): string {
  const where = conversation.chatType === 'group' ? `group ${escapeHtml(conversation.chatId ?? '')}` : '1:1';
  const asked = conversation.text !== '' ? escapeHtml(conversation.text) : `<i>${escapeHtml(conversation.msgtype)}</i>`;
  const snapshots = groupSnapshots(conversation.contents);
  const stream =
    snapshots.length === 0
      ? '<p class="none">no stream content yet</p>'
      : `<ol class="snapshots">${snapshots
          .map((s, index) => `<li class="${index === snapshots.length - 1 ? 'latest' : ''}"><pre>${escapeHtml(s.content)}</pre>${s.times > 1 ? `<span class="times">×${s.times}</span>` : ''}</li>`)
          .join('')}</ol>`;
  const violations =
    conversation.violations.length === 0 ? '' : `<ul class="violations">${conversation.violations.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>`;
  const replies = conversation.envelopes
    .map(
      (e) =>
        `<tr class="${e.violations.length > 0 ? 'bad' : ''}"><td>${e.phase}</td><td>${renderTime(e.at)}</td><td>HTTP ${e.status}</td>` +
        `<td>${e.empty ? 'empty' : (e.timestampType ?? '')}</td><td>${e.violations.length}</td></tr>`,
    )
    .join('');
  return (
    `<section class="conversation status-${conversation.status}" data-id="${escapeHtml(conversation.id)}">` +
    `<header><b>${escapeHtml(conversation.userId)}</b> → ${escapeHtml(botName)} · ${where} · ${renderTime(conversation.startedAt)}` +
    `<span class="status">${escapeHtml(statusLabels[conversation.status])}</span></header>` +
    `<div class="asked">${asked}</div>` +
    `<div class="meta">${conversation.contents.length} content(s), ${conversation.refreshes} refresh(es)${conversation.feedbackId ? `, feedback id ${escapeHtml(conversation.feedbackId)}` : ''}</div>` +
    stream +
    violations +
    (replies ? `<details><summary>replies</summary><table><tr><th>phase</th><th>at</th><th>status</th><th>timestamp</th><th>violations</th></tr>${replies}</table></details>` : '') +
    `</section>`
  );
}

/** The part the page re-fetches. */
export function renderBotConversations(conversations: readonly BotConversation[], bots: readonly BotSummary[]): string {
  if (conversations.length === 0) return '<p class="none">No bot conversations yet. Send a message below, or POST /_sim/wecom/bots/{botId}/messages.</p>';
  const names = new Map(bots.map((b) => [b.botId, b.name]));
  return conversations
    .slice(0, BOT_VIEW_MAX_CONVERSATIONS)
    .map((c) => renderConversation(c, names.get(c.botId) ?? c.botId))
    .join('');
}

const css = `
body{margin:0;font:14px/1.45 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#ededed;color:#191919}
nav{background:#2e3238;color:#fff;padding:8px 12px}nav a{color:#9fd;margin-right:12px}
main{max-width:820px;margin:0 auto;padding:8px 12px}
.conversation{background:#fff;border-radius:8px;padding:10px 14px;margin:10px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.conversation header{display:flex;gap:6px;align-items:baseline}.status{margin-left:auto;border-radius:3px;padding:0 6px;color:#fff;background:#999;font-size:12px}
.status-streaming .status{background:#07c160}.status-finished .status{background:#576b95}.status-rejected .status{background:#c00}.status-timed_out .status{background:#fa9d3b}
.asked{background:#95ec69;border-radius:6px;padding:6px 10px;margin:6px 0;display:inline-block}.meta,.none,.times{color:#999;font-size:12px}
.snapshots{margin:4px 0;padding-left:22px}.snapshots li{color:#999}.snapshots pre{white-space:pre-wrap;word-break:break-word;margin:2px 0;color:#666;max-height:160px;overflow:auto;font:13px/1.4 inherit}
.snapshots li.latest pre{color:#191919;background:#f7f7f7;border-radius:4px;padding:4px 6px}
.violations{color:#c00;margin:6px 0;padding-left:18px}table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #eee;padding:1px 6px;text-align:left}tr.bad{color:#c00}
form{background:#fff;border-radius:8px;padding:10px 14px;margin:10px 0}form input,form select{margin:2px 6px 2px 0}form textarea{width:100%}#result{color:#576b95;font-size:12px}
`;

function renderSendForm(bots: readonly BotSummary[]): string {
  if (bots.length === 0) return '<p class="none">No bot configured: PUT /_sim/wecom/bots/{botId} {token, encodingAesKey, callbackUrl, name?}.</p>';
  return (
    `<form id="send"><b>Send as a user</b><br>` +
    `<select name="botId">${bots.map((b) => `<option value="${escapeHtml(b.botId)}">${escapeHtml(b.name)} (${escapeHtml(b.botId)})</option>`).join('')}</select>` +
    `<input name="userId" placeholder="userid" required>` +
    `<select name="chatType"><option>single</option><option>group</option></select>` +
    `<input name="chatId" placeholder="chatid (group)">` +
    `<textarea name="text" rows="2" placeholder="message" required></textarea>` +
    `<button type="submit">Send</button> <span id="result"></span></form>`
  );
}

const script = `
(function(){
  var box=document.getElementById('conversations');var last=box.innerHTML;
  function poll(){fetch(location.pathname+'?fragment=1').then(function(r){return r.text();}).then(function(html){if(html!==last){last=html;box.innerHTML=html;}}).catch(function(){});}
  setInterval(poll,${POLL_MS});
  var form=document.getElementById('send');if(!form)return;
  form.addEventListener('submit',function(ev){ev.preventDefault();var f=new FormData(form);
    var body={userId:f.get('userId'),chatType:f.get('chatType'),msgtype:'text',text:f.get('text')};if(f.get('chatId'))body.chatId=f.get('chatId');
    fetch('/_sim/wecom/bots/'+encodeURIComponent(f.get('botId'))+'/messages',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)})
      .then(function(r){return r.json().then(function(j){document.getElementById('result').textContent=r.ok?('sent: '+j.conversationId):('refused: '+j.error);});})
      .then(poll);
  });
})();
`;

export function renderBotConversationsPage(conversations: readonly BotConversation[], bots: readonly BotSummary[]): string {
  return (
    `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>WeCom smart bot · dutybridge simulator</title><style>${css}</style></head>` +
    `<body><nav><a href="/">← simulator</a>WeCom smart bot (智能机器人) conversations</nav><main>` +
    `${renderSendForm(bots)}<div id="conversations">${renderBotConversations(conversations, bots)}</div></main>` +
    `<script>${script}</script></body></html>`
  );
}
