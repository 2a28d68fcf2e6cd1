/**
 * The small HTML pages of the service-provider side: WeCom's install page (`/3rdapp/install`,
 * DOC-90597) where a customer admin authorizes the app, the third-party OAuth "sign in as" picker,
 * and the simulator's own app market (`/_sim/wecom/market`) with an Install button per customer.
 * Plain HTML forms, no script, no external assets.
 */
import type { SimResponse } from '../core/contract';
import { escapeHtmlText as esc } from '../core/sign-in';
import type { CustomerCorp, SuiteAuthorization, SuiteConfig } from './suite-state';

const css =
  'body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}' +
  'table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.35em .8em;text-align:left;vertical-align:top}' +
  'code{background:#f3f3f3;padding:0 .25em}button{padding:.3em 1em;cursor:pointer}.muted{color:#888}.error{color:#b00}form{margin:0}';

export function htmlResponse(status: number, title: string, content: string, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body><h1>${esc(title)}</h1>${content}</body></html>`,
  };
}

export function errorPage(status: number, title: string, message: string): SimResponse {
  return htmlResponse(status, title, `<p class="error">${esc(message)}</p>`);
}

function hidden(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`)
    .join('');
}

/** WeCom's authorization page: the customers an admin could belong to, each with an Authorize button. */
export function installPage(suite: SuiteConfig, link: Readonly<Record<string, string>>, customers: readonly CustomerCorp[], installed: (corpId: string) => boolean): SimResponse {
  const rows = customers
    .map((c) => {
      const action = installed(c.corpId)
        ? '<span class="muted">already authorized</span>'
        : `<form method="post" action="/3rdapp/install">${hidden({ ...link, corpid: c.corpId })}<button type="submit">Authorize</button></form>`;
      return `<tr><td><code>${esc(c.corpId)}</code></td><td>${esc(c.corpName)}</td><td>${action}</td></tr>`;
    })
    .join('');
  const intro = `<p>Simulated WeCom install page: an administrator of which corp authorizes <b>${esc(suite.name)}</b> (<code>${esc(suite.suiteId)}</code>)?</p>`;
  const table = customers.length > 0 ? `<table><tr><th>Corp ID</th><th>Name</th><th></th></tr>${rows}</table>` : '<p class="muted">No customer corps (PUT /_sim/wecom/customers/{corpId}).</p>';
  return htmlResponse(200, 'Authorize a third-party app', intro + table);
}

/** The third-party OAuth picker: who is signed in to the WeCom client (DOC-91120). */
export function oauthPickerPage(suite: SuiteConfig, choices: readonly { label: string; href: string }[]): SimResponse {
  const list = choices.map((c) => `<li><a href="${esc(c.href)}">${esc(c.label)}</a></li>`).join('');
  return htmlResponse(200, 'Simulated WeCom client: sign in as', `<p>${esc(suite.name)} (<code>${esc(suite.suiteId)}</code>) asks who you are.</p><ul>${list}</ul>`);
}

/** The simulator's app market: suites, customers, and an Install button per pair (a market install pushes create_auth). */
export function marketPage(suites: readonly SuiteConfig[], customers: readonly CustomerCorp[], authorizations: readonly SuiteAuthorization[], notice?: string): SimResponse {
  const sections = suites
    .map((suite) => {
      const rows = customers
        .map((c) => {
          const live = authorizations.find((a) => a.suiteId === suite.suiteId && !a.cancelled && a.plainCorpId.toLowerCase() === c.corpId.toLowerCase());
          const action = live
            ? `installed as <code>${esc(live.ids.corpId)}</code>, agent ${live.agentId} <form method="post" action="/_sim/wecom/suites/${encodeURIComponent(suite.suiteId)}/cancel" style="display:inline">${hidden({ corpId: c.corpId })}<button type="submit">Remove</button></form>`
            : `<form method="post" action="/_sim/wecom/suites/${encodeURIComponent(suite.suiteId)}/market-install">${hidden({ corpId: c.corpId })}<button type="submit">Install</button></form>`;
          return `<tr><td><code>${esc(c.corpId)}</code></td><td>${esc(c.corpName)}${c.historical ? ' <span class="muted">(historical: plain ids)</span>' : ''}</td><td>${action}</td></tr>`;
        })
        .join('');
      const kind = suite.developerHosted ? '代开发 template' : 'third-party app';
      return `<h2>${esc(suite.name)} <code>${esc(suite.suiteId)}</code> <span class="muted">${kind}, provider ${esc(suite.providerCorpId)}</span></h2>` +
        (customers.length > 0 ? `<table>${rows}</table>` : '<p class="muted">No customer corps.</p>');
    })
    .join('');
  const body = (notice ? `<p>${esc(notice)}</p>` : '') + (sections || '<p class="muted">No suites (PUT /_sim/wecom/suites/{suiteId}).</p>');
  return htmlResponse(200, 'WeCom app market (simulated)', body);
}
