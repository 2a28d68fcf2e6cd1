/**
 * What the simulated sign-in pages share: the "who is signed in" cookies (`sim_wecom_user`,
 * `sim_dingtalk_user`, `sim_oidc_user`: cookies are per host, not port, so one set on the
 * simulator's 127.0.0.1 is also seen by pages of the gateway on 127.0.0.1), the small
 * "sign in as" picker page, and the redirect that opens a page "inside the client".
 */
import { SimResponse } from './contract';

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

export function escapeHtmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface PickerChoice {
  readonly label: string;
  readonly href: string;
}

/** A small HTML page: a title and either a list of links (the people to sign in as) or a message. */
export function htmlPage(status: number, title: string, choices: readonly PickerChoice[] | string): SimResponse {
  const content =
    typeof choices === 'string'
      ? `<p>${escapeHtmlText(choices)}</p>`
      : `<ul>${choices.map((c) => `<li><a href="${escapeHtmlText(c.href)}">${escapeHtmlText(c.label)}</a></li>`).join('')}</ul>`;
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    body: `<!doctype html><meta charset="utf-8"><title>${escapeHtmlText(title)}</title><body style="font-family:sans-serif"><h3>${escapeHtmlText(title)}</h3>${content}</body>`,
  };
}

export class SignInInputError extends Error {
  override readonly name = 'SignInInputError';
}

/** An absolute http(s) URL, or SignInInputError. */
export function httpUrl(value: string | null, what: string): URL {
  if (!value) throw new SignInInputError(`${what} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SignInInputError(`${what} must be an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SignInInputError(`${what} must be an http(s) URL`);
  return url;
}

/**
 * `GET /_sim/<platform>/client?user=<id>&url=<page>`: "open the page inside the client as <id>":
 * sets the cookie and redirects (302) to the page. `user` empty clears the cookie (signed out).
 */
export function openInClient(cookieName: string, query: URLSearchParams, isKnownUser: (userId: string) => boolean): SimResponse {
  try {
    const target = httpUrl(query.get('url'), 'url');
    const user = query.get('user') ?? '';
    if (user !== '' && !isKnownUser(user)) throw new SignInInputError(`user ${user} is not a member of any simulated org`);
    const cookie = user === '' ? `${cookieName}=; Path=/; Max-Age=0; SameSite=Lax` : `${cookieName}=${encodeURIComponent(user)}; Path=/; SameSite=Lax`;
    return { status: 302, headers: { location: target.toString(), 'set-cookie': cookie, 'cache-control': 'no-store' }, body: '' };
  } catch (error) {
    if (error instanceof SignInInputError) return { status: 400, body: { error: error.message } };
    throw error;
  }
}
