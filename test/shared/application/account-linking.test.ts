/** Flow decisions of the linking pages with in-memory fakes for every port. */
import { AccountLinking, type AccountLinkingDeps } from '../../../shared/application/account-linking';
import { ChatCodeRejectedError, type LinkPageRequest, type LinkStep } from '../../../shared/application/account-linking-ports';
import type { Link, Member } from '../../../shared/application/ports';
import type { OneTimeCodes } from '../../../shared/application/people-ports';
import type { Integration } from '../../../shared/domain/integration';
import type { OperationRecord } from '../../../shared/domain/operation-log';

const wecom: Integration = {
  id: 'wc',
  platform: 'wecom',
  settings: { corpId: 'corp1', agentId: '1000002', apiBase: 'https://qyapi.example', linking: { oidc: { issuer: 'https://idp.example', clientId: 'c1' }, emailCode: { from: 'noreply@example.com', ses: true } } },
  secretName: 's',
  createdAt: '2026-01-01T00:00:00Z',
};

function setup(overrides: Partial<AccountLinkingDeps> = {}, contact: { mobile?: string; email?: string } = {}) {
  const now = { ms: 1_800_000_000_000 };
  const links = new Map<string, Link>();
  const members = new Map<string, Member>([['zw@example.com', { email: 'zw@example.com', name: 'ZW', mobile: '+86-13800000001', updatedAt: 1 }]]);
  const claimed = new Set<string>();
  const records: OperationRecord[] = [];
  const codes = new Map<string, { email: string; code: string; tries: number }>();
  const mailRequests: { email: string; sessionKey: string }[] = [];
  const oneTimeCodes: OneTimeCodes = {
    issue: async (sessionKey, email, code) => void codes.set(sessionKey, { email, code, tries: 5 }),
    check: async (sessionKey, code) => {
      const entry = codes.get(sessionKey);
      if (!entry) return { outcome: 'none' };
      if (entry.code === code) {
        codes.delete(sessionKey);
        return { outcome: 'ok', email: entry.email };
      }
      entry.tries -= 1;
      if (entry.tries <= 0) {
        codes.delete(sessionKey);
        return { outcome: 'exhausted' };
      }
      return { outcome: 'wrong', triesLeft: entry.tries };
    },
  };
  const deps: AccountLinkingDeps = {
    integrations: { get: async (id) => (id === wecom.id ? wecom : undefined) },
    secrets: {
      weCom: async () => ({ secret: 'app-secret', token: 't', encodingAesKey: 'a'.repeat(43), oidcClientSecret: 'oidc-secret' }),
      dingTalk: async () => {
        throw new Error('not here');
      },
    },
    chat: {
      userIdFromCode: async (_i, _via, code) => {
        if (code === 'good') return 'zhangwei';
        if (code === 'good2') return 'lina';
        if (code === 'outsider') throw new ChatCodeRejectedError('not_member', 'openid');
        throw new ChatCodeRejectedError('invalid_code', 'errcode 40029', 40029);
      },
      contact: async () => contact,
    },
    links: {
      set: async (link) => {
        for (const [k, v] of links) if (v.email === link.email || v.userId === link.userId) links.delete(k);
        links.set(link.userId, link);
      },
      remove: async (_i, email) => {
        for (const [k, v] of links) if (v.email === email) return links.delete(k);
        return false;
      },
      byEmail: async (_i, email) => [...links.values()].find((l) => l.email === email),
      byUserId: async (_i, userId) => links.get(userId),
      byEmails: async () => new Map(),
      list: async () => [...links.values()],
    },
    members: { upsert: async () => undefined, remove: async () => undefined, get: async (email) => members.get(email), byMobile: async (m) => [...members.values()].find((x) => x.mobile?.endsWith(m.slice(-11))) },
    claims: { claimOnce: async (jti) => (claimed.has(jti) ? false : (claimed.add(jti), true)) },
    counters: { hit: async () => true },
    operationLog: { append: async (r) => void records.push(...r) },
    clock: { nowMs: () => now.ms },
    oidc: {
      authorizationUrl: async ({ state, nonce }) => `https://idp.example/authorize?state=${state}&nonce=${nonce}`,
      finish: async ({ code }) => {
        if (code === 'unverified') throw Object.assign(new Error('email_verified is not true'), { reason: 'email_unverified' });
        return { subject: 's1', email: code === 'stranger' ? 'new@example.com' : 'ZW@example.com' };
      },
    },
    codesFor: () => oneTimeCodes,
    codeMailer: {
      request: async (m) => {
        mailRequests.push(m);
        await oneTimeCodes.issue(m.sessionKey, m.email, '123456', now.ms);
      },
    },
    ...overrides,
  };
  const useCase = new AccountLinking(deps);
  const jar = new Map<string, string>();
  const call = async (step: LinkStep, opts: { method?: 'GET' | 'POST'; query?: Record<string, string>; form?: Record<string, string>; lang?: string } = {}) => {
    const request: LinkPageRequest = {
      step,
      method: opts.method ?? 'GET',
      platform: 'wecom',
      integrationId: 'wc',
      query: new Map(Object.entries(opts.query ?? {})),
      form: new Map(Object.entries(opts.form ?? {})),
      cookies: new Map(jar),
      acceptLanguage: opts.lang ?? 'en',
      publicBase: 'https://api.example.com',
    };
    const response = await useCase.handle(request);
    for (const c of response.cookies) {
      const [pair] = c.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (/Max-Age=0/.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  const start = async () => {
    const home = await call('home');
    return new URL(home.headers.location).searchParams.get('state')!;
  };
  return { call, start, links, records, now, jar, mailRequests, claimed };
}

describe('AccountLinking', () => {
  it('WeCom: redirects to OAuth2 (snsapi_base, agentid, a-zA-Z0-9 state) with the state bound in an HttpOnly cookie', async () => {
    const { call } = setup();
    const home = await call('home');
    expect(home.statusCode).toBe(302);
    const url = new URL(home.headers.location.replace('#wechat_redirect', ''));
    expect(home.headers.location.endsWith('#wechat_redirect')).toBe(true);
    expect(url.origin + url.pathname).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ appid: 'corp1', scope: 'snsapi_base', agentid: '1000002', response_type: 'code', redirect_uri: 'https://api.example.com/link/wecom/wc/callback' });
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{1,128}$/);
    expect(home.cookies[0]).toMatch(/^dbl_state=.+; Path=\/link\/wecom\/wc; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('auto-matches by mobile and links with method login, once', async () => {
    const { call, start, links, records } = setup({}, { mobile: '13800000001' });
    const page = await call('callback', { query: { code: 'good', state: await start() } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Linked.');
    expect(links.get('zhangwei')).toMatchObject({ email: 'zw@example.com', method: 'login' });
    expect(records.map((r) => r.reasonCode)).toEqual(['linked']);
    const again = await call('callback', { query: { code: 'good', state: await start() } });
    expect(again.body).toContain('Already linked.');
    expect(records).toHaveLength(1);
  });

  it('with auto-match off, a matching mobile is not enough: the proofs are offered', async () => {
    const { call, start, links } = setup({ integrations: { get: async () => ({ ...wecom, settings: { ...wecom.settings, linking: { ...wecom.settings.linking, autoMatch: false } } }) as Integration } }, { mobile: '13800000001' });
    const page = await call('callback', { query: { code: 'good', state: await start() } });
    expect(page.body).toContain('Sign in with your company account');
    expect(links.size).toBe(0);
  });

  it('refuses a forged state, a replayed state and a non-member; nothing linked, each recorded', async () => {
    const { call, start, links, records } = setup({}, { mobile: '13800000001' });
    await start();
    const forged = await call('callback', { query: { code: 'good', state: 'notTheOne' } });
    expect(forged.statusCode).toBe(400);
    const state = await start();
    const outsider = await call('callback', { query: { code: 'outsider', state } });
    expect(outsider.statusCode).toBe(403);
    expect(outsider.body).toContain('not one');
    const replay = await call('callback', { query: { code: 'good', state } });
    expect(replay.statusCode).toBe(400);
    expect(links.size).toBe(0);
    expect(records.map((r) => [r.result, r.reasonCode])).toEqual([
      ['dropped', 'link_refused'],
      ['dropped', 'link_refused'],
      ['dropped', 'link_refused'],
    ]);
    expect(records[1].reason).toContain('not_member');
  });

  it('an expired or used OAuth code: a clear 400 in Chinese, with the errcode recorded', async () => {
    const { call, start, records } = setup();
    const page = await call('callback', { query: { code: 'used', state: await start() }, lang: 'zh-CN' });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('登录凭证无效、已被使用或已过期');
    expect(records[0]).toMatchObject({ reasonCode: 'link_refused', platformCode: 40029 });
    expect(records[0].reason).not.toContain('used'.repeat(2));
  });

  it('SSO: the verified email names the member (sso); an unverified email is refused; an unknown member is still linked and told', async () => {
    const { call, start, links, jar } = setup();
    await call('callback', { query: { code: 'good', state: await start() } });
    const go = await call('oidc');
    expect(go.statusCode).toBe(302);
    const state = new URL(go.headers.location).searchParams.get('state')!;
    const bad = await call('oidc_callback', { query: { state, code: 'unverified' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('email_verified');
    expect(links.size).toBe(0);
    const go2 = await call('oidc');
    const state2 = new URL(go2.headers.location).searchParams.get('state')!;
    const ok = await call('oidc_callback', { query: { state: state2, code: 'fine' } });
    expect(ok.statusCode).toBe(200);
    expect(links.get('zhangwei')).toMatchObject({ email: 'zw@example.com', method: 'sso' });
    expect(jar.has('dbl_session')).toBe(false);
    // A replay of the same OIDC state is refused (single use).
    const replay = await call('oidc_callback', { query: { state: state2, code: 'fine' } });
    expect(replay.statusCode).toBe(400);
  });

  it('SSO by an email the directory does not have: linked by that email, and the page says so', async () => {
    const { call, start, links } = setup();
    await call('callback', { query: { code: 'good2', state: await start() } });
    const go = await call('oidc');
    const page = await call('oidc_callback', { query: { state: new URL(go.headers.location).searchParams.get('state')!, code: 'stranger' } });
    expect(page.body).toContain('has not sent a member new@example.com yet');
    expect(links.get('lina')).toMatchObject({ email: 'new@example.com', method: 'sso' });
  });

  it('one-time code: only members, wrong codes count down, the right one links (code); exhausted is refused', async () => {
    const { call, start, links, mailRequests } = setup();
    await call('callback', { query: { code: 'good', state: await start() } });
    const stranger = await call('code', { method: 'POST', form: { step: 'send', email: 'nobody@example.com' } });
    expect(stranger.statusCode).toBe(400);
    expect(mailRequests).toHaveLength(0);
    const sent = await call('code', { method: 'POST', form: { step: 'send', email: 'ZW@example.com' } });
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('We sent a code to zw@example.com');
    expect(mailRequests).toEqual([expect.objectContaining({ email: 'zw@example.com', sessionKey: 'wc:zhangwei', language: 'en' })]);
    const wrong = await call('code', { method: 'POST', form: { step: 'verify', code: '000000' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('4 tries left');
    const ok = await call('code', { method: 'POST', form: { step: 'verify', code: '123456' } });
    expect(ok.statusCode).toBe(200);
    expect(links.get('zhangwei')).toMatchObject({ email: 'zw@example.com', method: 'code' });
  });

  it('five wrong codes void it', async () => {
    const { call, start, links } = setup();
    await call('callback', { query: { code: 'good', state: await start() } });
    await call('code', { method: 'POST', form: { step: 'send', email: 'zw@example.com' } });
    let last;
    for (let i = 0; i < 5; i++) last = await call('code', { method: 'POST', form: { step: 'verify', code: '000000' } });
    expect(last!.statusCode).toBe(400);
    expect(last!.body).toContain('Too many wrong tries');
    expect(links.size).toBe(0);
  });

  it('a relink moves the link and records the previous userid', async () => {
    const { call, start, links, records } = setup({}, { mobile: '13800000001' });
    links.set('oldid', { integrationId: 'wc', email: 'zw@example.com', userId: 'oldid', linkedAt: 1, method: 'admin' });
    await call('callback', { query: { code: 'good', state: await start() } });
    expect(links.get('zhangwei')).toMatchObject({ email: 'zw@example.com' });
    expect(links.has('oldid')).toBe(false);
    expect(records.find((r) => r.reasonCode === 'relinked')?.reason).toContain('moved from oldid');
  });

  it('a tampered session or pending token: 400, nothing changed', async () => {
    const applied: string[] = [];
    const { call, links } = setup({
      pending: {
        verify: async (_i, token) => {
          if (token !== 'good-pending') throw new Error('bad signature');
        },
        applyOnce: async (_i, token) => {
          applied.push(token);
          return { applied: true, action: 'Start Processing', incident: 'INC-42', state: 'Processing' };
        },
      },
    });
    const badPending = await call('home', { query: { pending: 'tampered' } });
    expect(badPending.statusCode).toBe(400);
    expect(badPending.body).toContain('invalid or older than 10 minutes');
    const badSession = await call('oidc');
    expect(badSession.statusCode).toBe(400);
    expect(links.size).toBe(0);
    expect(applied).toEqual([]);
  });

  it('our own failure (storage down) is a 500 page in the person’s words, with nothing linked', async () => {
    const { call, start } = setup({ claims: { claimOnce: async () => Promise.reject(new Error('DynamoDB unreachable')) } });
    const page = await call('callback', { query: { code: 'good', state: await start() }, lang: 'zh-CN' });
    expect(page.statusCode).toBe(500);
    expect(page.body).toContain('服务暂时出错');
    expect(page.body).not.toContain('DynamoDB');
  });

  it('carries the pending action through the login and applies it once after linking', async () => {
    const applied: string[] = [];
    const { call, links } = setup(
      {
        pending: {
          verify: async () => undefined,
          applyOnce: async (_i, token, link) => {
            applied.push(`${token}:${link.userId}`);
            return { applied: true, action: 'Start Processing', incident: 'INC-42', state: 'Processing' };
          },
        },
      },
      { mobile: '13800000001' },
    );
    const home = await call('home', { query: { pending: 'p1' } });
    const state = new URL(home.headers.location).searchParams.get('state')!;
    const page = await call('callback', { query: { code: 'good', state } });
    expect(page.body).toContain('Start Processing applied to INC-42: it is now Processing.');
    expect(applied).toEqual(['p1:zhangwei']);
    expect(links.size).toBe(1);
  });
});
