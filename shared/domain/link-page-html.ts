/**
 * The account-linking pages as HTML (issue 11 item 1): pure functions of a view, a language and a
 * CSP nonce. Mobile-first for the in-app browsers of WeCom and DingTalk: viewport meta, system
 * fonts, one column, tap targets ≥ 48 px, inputs at 17 px (no zoom on focus). No external asset
 * except the DingTalk jsapi; every value is escaped; a strict Content-Security-Policy allows only
 * the inline style and script carrying this response's nonce.
 */
/** How a link was made (people-ports.ts LinkMethod; the domain does not import the application). */
type LinkMethod = 'admin' | 'login' | 'sso' | 'code' | 'one_click';
import { appName, refusalText, t, type Lang, type RefusalCode } from './link-page-text';

export type PendingOutcome =
  | { readonly applied: true; readonly action: string; readonly incident: string; readonly state: string }
  | { readonly applied: false; readonly reason: string };

export type LinkPageView =
  | {
      readonly kind: 'dingtalk_login';
      readonly corpId: string;
      readonly clientId: string;
      readonly jsapiUrl: string;
      /** POST target of the in-client auth code. */
      readonly callbackPath: string;
      readonly state: string;
      /** The browser OAuth start, outside the client. */
      readonly browserLoginPath: string;
    }
  | {
      readonly kind: 'prove';
      readonly user: string;
      /** Auto-match was tried and found nobody. */
      readonly autoMatchMissed: boolean;
      readonly ssoPath?: string;
      readonly codePath?: string;
      readonly notice?: string;
    }
  | { readonly kind: 'code_entry'; readonly email: string; readonly codePath: string; readonly notice?: string }
  | {
      readonly kind: 'result';
      readonly outcome: 'linked' | 'relinked' | 'already';
      readonly user: string;
      readonly email: string;
      readonly method?: LinkMethod;
      /** For `login`: which field matched. */
      readonly matchedBy?: 'mobile' | 'email';
      /** For a relink: the previous userid or email. */
      readonly previous?: string;
      /** SSO linked an email the directory does not have (yet). */
      readonly memberUnknown?: boolean;
      readonly pending?: PendingOutcome;
    }
  | { readonly kind: 'error'; readonly code: RefusalCode; readonly params?: Readonly<Record<string, string | number>>; readonly startAgainPath?: string };

export interface RenderedPage {
  readonly html: string;
  readonly headers: Record<string, string>;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

const STYLE = [
  '*{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%}',
  'body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;font-size:17px;line-height:1.55;color:#1f2328;background:#f6f7f9;overflow-wrap:anywhere}',
  'main{max-width:32rem;margin:0 auto;padding:24px 16px 40px}',
  'h1{font-size:22px;line-height:1.3;margin:8px 0 16px}',
  'p{margin:0 0 14px}',
  '.card{background:#fff;border-radius:12px;padding:18px 16px;margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}',
  '.ok{border-left:4px solid #1a7f37}.bad{border-left:4px solid #cf222e}.note{color:#57606a;font-size:15px}',
  'label{display:block;font-weight:600;margin:0 0 6px}',
  'input{display:block;width:100%;min-height:48px;padding:10px 12px;font-size:17px;border:1px solid #8c959f;border-radius:8px;margin:0 0 12px;background:#fff;color:inherit}',
  '.btn{display:block;width:100%;min-height:48px;padding:12px 16px;font-size:17px;font-weight:600;text-align:center;text-decoration:none;border:0;border-radius:8px;background:#0969da;color:#fff;cursor:pointer;margin:0 0 12px}',
  '.btn.secondary{background:#eaeef2;color:#1f2328}',
].join('');

function page(lang: Lang, nonce: string, title: string, body: string, extra: { script?: string; scriptSrc?: string } = {}): string {
  const scripts = `${extra.scriptSrc ? `<script src="${escapeHtml(extra.scriptSrc)}"></script>` : ''}${extra.script ? `<script nonce="${escapeHtml(nonce)}">${extra.script}</script>` : ''}`;
  return (
    `<!doctype html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">' +
    '<meta name="referrer" content="no-referrer">' +
    `<title>${escapeHtml(title)}</title><style nonce="${escapeHtml(nonce)}">${STYLE}</style></head>` +
    `<body><main>${body}</main>${scripts}</body></html>`
  );
}

const p = (text: string, cls?: string) => `<p${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</p>`;
const button = (href: string, label: string, secondary = false) => `<a class="btn${secondary ? ' secondary' : ''}" href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;

/** Script of the DingTalk page: the in-client auth code (dd.requestAuthCode), else the browser OAuth. */
const DINGTALK_SCRIPT = [
  '(function(){',
  'var f=document.getElementById("dt-code"),away=document.getElementById("dt-browser").getAttribute("href");',
  'var dd=window.dd,ua=navigator.userAgent||"";',
  'var ask=dd&&(dd.requestAuthCode||(dd.runtime&&dd.runtime.permission&&dd.runtime.permission.requestAuthCode));',
  'var inClient=!!ask&&(/DingTalk/i.test(ua)||!!(dd.env&&dd.env.platform&&dd.env.platform!=="notInDingTalk"));',
  'if(!inClient){location.replace(away);return;}',
  'var done=false;',
  'function ok(r){if(done)return;var c=r&&(r.code||r.authCode);if(!c){return no();}done=true;f.elements.code.value=c;f.submit();}',
  'function no(){if(done)return;done=true;location.replace(away);}',
  // dd.requestAuthCode({corpId, clientId}) (dingtalk.md §4.6), or the older runtime.permission form; inside dd.ready when the jsapi has it.
  'function go(){try{var r=ask.call(dd.requestAuthCode?dd:dd.runtime.permission,{corpId:f.getAttribute("data-corp-id"),clientId:f.getAttribute("data-client-id"),success:ok,fail:no,onSuccess:ok,onFail:no});if(r&&typeof r.then==="function")r.then(ok,no);}catch(e){no();}}',
  'if(typeof dd.ready==="function"){dd.ready(go);}else{go();}',
  'setTimeout(no,15000);',
  '})();',
].join('');

function methodLine(lang: Lang, view: Extract<LinkPageView, { kind: 'result' }>, app: string): string | undefined {
  switch (view.method) {
    case 'login':
      return t(lang, 'howLogin', { app, field: t(lang, view.matchedBy === 'email' ? 'fieldEmail' : 'fieldMobile') });
    case 'sso':
      return t(lang, 'howSso', { email: view.email });
    case 'code':
      return t(lang, 'howCode', { email: view.email });
    default:
      return undefined;
  }
}

function pendingLine(lang: Lang, pending: PendingOutcome): string {
  return pending.applied
    ? t(lang, 'pendingApplied', { action: pending.action, incident: pending.incident, state: pending.state })
    : t(lang, 'pendingNotApplied', { reason: pending.reason });
}

function body(view: LinkPageView, lang: Lang, platform: 'wecom' | 'dingtalk'): { title: string; html: string } {
  const app = appName(lang, platform);
  switch (view.kind) {
    case 'dingtalk_login':
      return {
        title: t(lang, 'title'),
        html:
          `<h1>${escapeHtml(t(lang, 'title'))}</h1><div class="card">${p(t(lang, 'signingIn', { app }))}` +
          `<noscript>${p(t(lang, 'noScript'), 'note')}</noscript>` +
          `<form id="dt-code" method="post" action="${escapeHtml(view.callbackPath)}" data-corp-id="${escapeHtml(view.corpId)}" data-client-id="${escapeHtml(view.clientId)}">` +
          `<input type="hidden" name="state" value="${escapeHtml(view.state)}"><input type="hidden" name="code" value=""></form>` +
          `<a id="dt-browser" class="btn secondary" href="${escapeHtml(view.browserLoginPath)}">${escapeHtml(t(lang, 'continueBrowser'))}</a></div>`,
      };
    case 'prove': {
      const parts = [`<h1>${escapeHtml(t(lang, 'proveTitle'))}</h1>`, '<div class="card">', p(t(lang, 'chatAccount', { app, user: view.user }), 'note')];
      if (view.notice) parts.push(p(view.notice));
      if (view.autoMatchMissed) parts.push(p(t(lang, 'noAutoMatch', { app })));
      if (view.ssoPath) parts.push(button(view.ssoPath, t(lang, 'useSso')));
      if (view.codePath) {
        parts.push(
          p(t(lang, view.ssoPath ? 'orEmail' : 'emailOnly')),
          `<form method="post" action="${escapeHtml(view.codePath)}"><input type="hidden" name="step" value="send">` +
            `<label for="email">${escapeHtml(t(lang, 'emailLabel'))}</label>` +
            '<input id="email" name="email" type="email" inputmode="email" autocomplete="email" autocapitalize="off" spellcheck="false" required maxlength="254">' +
            `<button class="btn" type="submit">${escapeHtml(t(lang, 'sendCode'))}</button></form>`,
        );
      }
      if (!view.ssoPath && !view.codePath) parts.push(p(t(lang, 'noMethod')));
      parts.push('</div>');
      return { title: t(lang, 'proveTitle'), html: parts.join('') };
    }
    case 'code_entry':
      return {
        title: t(lang, 'proveTitle'),
        html:
          `<h1>${escapeHtml(t(lang, 'proveTitle'))}</h1><div class="card">` +
          (view.notice ? p(view.notice) : '') +
          p(t(lang, 'codeSent', { email: view.email })) +
          `<form method="post" action="${escapeHtml(view.codePath)}"><input type="hidden" name="step" value="verify">` +
          `<label for="code">${escapeHtml(t(lang, 'codeLabel'))}</label>` +
          '<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>' +
          `<button class="btn" type="submit">${escapeHtml(t(lang, 'confirm'))}</button></form></div>`,
      };
    case 'result': {
      const already = view.outcome === 'already';
      const parts = [
        `<h1>${escapeHtml(t(lang, already ? 'alreadyLinked' : 'linked'))}</h1>`,
        '<div class="card ok">',
        p(t(lang, already ? 'alreadyLinkedAs' : 'linkedAs', { app, user: view.user, email: view.email })),
      ];
      const how = already ? undefined : methodLine(lang, view, app);
      if (how) parts.push(p(how, 'note'));
      if (view.outcome === 'relinked' && view.previous) parts.push(p(t(lang, 'relinkedFrom', { previous: view.previous }), 'note'));
      if (view.memberUnknown) parts.push(p(t(lang, 'ssoNotMember', { email: view.email })));
      if (view.pending) parts.push(p(pendingLine(lang, view.pending)));
      parts.push(p(t(lang, 'closePage'), 'note'), '</div>');
      return { title: t(lang, already ? 'alreadyLinked' : 'linked'), html: parts.join('') };
    }
    case 'error':
      return {
        title: t(lang, 'errorTitle'),
        html:
          `<h1>${escapeHtml(t(lang, 'errorTitle'))}</h1><div class="card bad">${p(refusalText(lang, view.code, { app, ...view.params }))}</div>` +
          (view.startAgainPath ? button(view.startAgainPath, t(lang, 'startAgain'), true) : ''),
      };
  }
}

/** The page and its headers: strict CSP with this nonce, no caching, no framing, no referrer. */
export function renderLinkPage(view: LinkPageView, options: { lang: Lang; platform: 'wecom' | 'dingtalk'; nonce: string }): RenderedPage {
  const { title, html } = body(view, options.lang, options.platform);
  const jsapi = view.kind === 'dingtalk_login' ? view.jsapiUrl : undefined;
  const jsapiOrigin = jsapi ? new URL(jsapi).origin : undefined;
  const nonce = `'nonce-${options.nonce}'`;
  const csp = [
    "default-src 'none'",
    `style-src ${nonce}`,
    `script-src ${jsapi ? `${nonce} ${jsapiOrigin}` : "'none'"}`,
    `connect-src 'self'${jsapiOrigin ? ` ${jsapiOrigin}` : ''}`,
    'img-src data:',
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html: page(options.lang, options.nonce, title, html, jsapi ? { scriptSrc: jsapi, script: DINGTALK_SCRIPT } : {}),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'cache-control': 'no-store, max-age=0',
      pragma: 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-language': options.lang === 'zh' ? 'zh-CN' : 'en',
    },
  };
}
