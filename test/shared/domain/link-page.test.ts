import { escapeHtml, renderLinkPage } from '../../../shared/domain/link-page-html';
import { pickLanguage, refusalCodes, refusalText, actionLabel } from '../../../shared/domain/link-page-text';
import { resolveLinking, DEFAULT_DINGTALK_LOGIN_BASE, DEFAULT_WECOM_OAUTH_BASE } from '../../../shared/domain/linking-settings';

describe('pickLanguage', () => {
  it.each([
    [undefined, 'zh'],
    ['', 'zh'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['en-US,en;q=0.9', 'en'],
    ['en;q=0.5,zh-TW;q=0.8', 'zh'],
    ['fr-FR,en;q=0.7,zh;q=0.6', 'en'],
    ['fr-FR', 'zh'],
    ['zh;q=0,en', 'en'],
  ])('%s → %s', (header, lang) => {
    expect(pickLanguage(header)).toBe(lang);
  });
});

describe('renderLinkPage', () => {
  const nonce = 'bm9uY2Vub25jZQ==';

  it('is mobile-first, escapes every value and sends a strict CSP without caching', () => {
    const page = renderLinkPage(
      { kind: 'result', outcome: 'linked', user: '<script>alert(1)</script>', email: 'a"b@example.com', method: 'login', matchedBy: 'mobile' },
      { lang: 'en', platform: 'wecom', nonce },
    );
    expect(page.html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1');
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.html).toContain('a&quot;b@example.com');
    expect(page.html).not.toMatch(/<script/);
    expect(page.html).not.toMatch(/https?:\/\//);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'nonce-bm9uY2Vub25jZQ=='; script-src 'none'; connect-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers['cache-control']).toBe('no-store, max-age=0');
    expect(page.html).toContain('min-height:48px');
    expect(page.html).toContain('<html lang="en">');
  });

  it('loads only the DingTalk jsapi, allowed by origin, and runs only the nonce-carrying script', () => {
    const page = renderLinkPage(
      { kind: 'dingtalk_login', corpId: 'ding"corp', clientId: 'client1', jsapiUrl: 'https://g.alicdn.com/dingding/dingtalk-jsapi/3.0.25/dingtalk.open.js', callbackPath: '/link/dingtalk/x/callback', state: 'AbC123', browserLoginPath: '/link/dingtalk/x?via=browser' },
      { lang: 'zh', platform: 'dingtalk', nonce },
    );
    expect(page.headers['content-security-policy']).toContain(`script-src 'nonce-${nonce}' https://g.alicdn.com`);
    expect(page.html).toContain('<script src="https://g.alicdn.com/dingding/dingtalk-jsapi/3.0.25/dingtalk.open.js"></script>');
    expect(page.html).toContain(`<script nonce="${nonce}">`);
    expect(page.html).toContain('data-corp-id="ding&quot;corp"');
    expect(page.html).toContain('name="state" value="AbC123"');
    expect(page.html).toContain('<html lang="zh-CN">');
    expect(page.html).toContain('用钉钉账号登录继续');
  });

  it('shows the pending action applied after a link, in the person’s language', () => {
    const en = renderLinkPage(
      { kind: 'result', outcome: 'linked', user: 'zhangwei', email: 'zw@example.com', method: 'sso', pending: { applied: true, action: actionLabel('en', { kind: 'acknowledge' }), incident: 'INC-42', state: 'Processing' } },
      { lang: 'en', platform: 'wecom', nonce },
    ).html;
    expect(en).toContain('Linked.');
    expect(en).toContain('Start Processing applied to INC-42: it is now Processing.');
    const zh = renderLinkPage({ kind: 'result', outcome: 'relinked', user: 'zhangwei', email: 'zw@example.com', method: 'code', previous: 'old@example.com' }, { lang: 'zh', platform: 'wecom', nonce }).html;
    expect(zh).toContain('关联成功');
    expect(zh).toContain('之前的关联（old@example.com）已改为本次关联');
  });

  it('offers only the enabled proofs, and says so when none is', () => {
    const both = renderLinkPage({ kind: 'prove', user: 'u1', autoMatchMissed: true, ssoPath: '/link/wecom/x/oidc', codePath: '/link/wecom/x/code' }, { lang: 'en', platform: 'wecom', nonce }).html;
    expect(both).toContain('href="/link/wecom/x/oidc"');
    expect(both).toContain('action="/link/wecom/x/code"');
    expect(both).toContain('type="email"');
    const none = renderLinkPage({ kind: 'prove', user: 'u1', autoMatchMissed: true }, { lang: 'en', platform: 'wecom', nonce }).html;
    expect(none).not.toContain('<form');
    expect(none).toContain('No other way to confirm');
  });

  it('has words for every refusal in both languages', () => {
    for (const code of refusalCodes) {
      expect(refusalText('zh', code, { n: 3, email: 'a@b.c', reason: 'x', app: '企业微信' })).not.toMatch(/\{\w+\}/);
      expect(refusalText('en', code, { n: 3, email: 'a@b.c', reason: 'x', app: 'WeCom' })).not.toMatch(/\{\w+\}/);
    }
    expect(refusalText('en', 'code_wrong', { n: 2 })).toBe('That code is not right. 2 tries left.');
  });

  it('escapes the characters that matter in HTML and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
  });
});

describe('resolveLinking', () => {
  it('defaults: auto-match on, the official hosts, no SSO or code', () => {
    expect(resolveLinking(undefined)).toEqual({ autoMatch: true, weComOauthBase: DEFAULT_WECOM_OAUTH_BASE, dingTalkJsapiUrl: expect.stringContaining('alicdn.com'), dingTalkLoginBase: DEFAULT_DINGTALK_LOGIN_BASE });
    expect(resolveLinking({ autoMatch: false, oauthBase: 'http://127.0.0.1:8788/' }).weComOauthBase).toBe('http://127.0.0.1:8788');
  });
});
