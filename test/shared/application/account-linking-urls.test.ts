/**
 * The exact sign-in URLs the linking pages send a person to (wecom.md §4.7, dingtalk.md §4.6), and
 * that a refusal is logged without the codes, states or tokens it refused.
 */
import { AccountLinking, type AccountLinkingDeps } from '../../../shared/application/account-linking';
import { ChatCodeRejectedError, type LinkPageRequest, type LinkStep } from '../../../shared/application/account-linking-ports';
import type { Integration } from '../../../shared/domain/integration';
import type { OperationRecord } from '../../../shared/domain/operation-log';

const wecom: Integration = {
  id: 'wc',
  platform: 'wecom',
  settings: { corpId: 'ww0123456789abcdef', agentId: '1000002', apiBase: 'https://qyapi.example' },
  secretName: 's',
  createdAt: '2026-01-01T00:00:00Z',
};

const dingtalk: Integration = {
  id: 'dt',
  platform: 'dingtalk',
  settings: { clientId: 'dingabc123', corpId: 'dingcorp9', apiBase: 'https://api.example', oapiBase: 'https://oapi.example' },
  secretName: 's',
  createdAt: '2026-01-01T00:00:00Z',
};

function setup(overrides: Partial<AccountLinkingDeps> = {}) {
  const records: OperationRecord[] = [];
  const logged: { message: string; details: Record<string, unknown> }[] = [];
  const deps: AccountLinkingDeps = {
    integrations: { get: async (id) => [wecom, dingtalk].find((i) => i.id === id) },
    secrets: {
      weCom: async () => ({ secret: 'app-secret', token: 't', encodingAesKey: 'a'.repeat(43) }),
      dingTalk: async () => ({ clientSecret: 'client-secret', token: 'tok', aesKey: 'a'.repeat(43), cardApiSecret: 'card-secret' }),
    },
    chat: {
      userIdFromCode: async () => {
        throw new ChatCodeRejectedError('invalid_code', 'errcode 40029 "invalid code"', 40029);
      },
      contact: async () => ({}),
    },
    links: {
      set: async () => undefined,
      remove: async () => false,
      byEmail: async () => undefined,
      byUserId: async () => undefined,
      byEmails: async () => new Map(),
      list: async () => [],
    },
    members: { upsert: async () => undefined, remove: async () => undefined, get: async () => undefined },
    claims: { claimOnce: async () => true },
    counters: { hit: async () => true },
    operationLog: { append: async (r) => void records.push(...r) },
    clock: { nowMs: () => 1_800_000_000_000 },
    log: (message, details) => void logged.push({ message, details }),
    ...overrides,
  };
  const useCase = new AccountLinking(deps);
  const call = (platform: 'wecom' | 'dingtalk', step: LinkStep, opts: { query?: Record<string, string>; form?: Record<string, string>; cookies?: Record<string, string> } = {}) => {
    const request: LinkPageRequest = {
      step,
      method: opts.form ? 'POST' : 'GET',
      platform,
      integrationId: platform === 'wecom' ? 'wc' : 'dt',
      query: new Map(Object.entries(opts.query ?? {})),
      form: new Map(Object.entries(opts.form ?? {})),
      cookies: new Map(Object.entries(opts.cookies ?? {})),
      acceptLanguage: 'zh-CN',
      publicBase: 'https://api.example.com/prod',
    };
    return useCase.handle(request);
  };
  return { call, records, logged };
}

/** Counters in memory: a hit counts against every limit, or against none once one of them is spent. */
function memoryCounters(hits: Map<string, number>): AccountLinkingDeps['counters'] {
  return {
    hit: async (limits) => {
      if (limits.some((l) => (hits.get(l.key) ?? 0) >= l.limit)) return false;
      for (const l of limits) hits.set(l.key, (hits.get(l.key) ?? 0) + 1);
      return true;
    },
  };
}

/** Opens the WeCom page and comes back from its sign-in with this browser's state; returns the session cookie. */
async function signIn(call: ReturnType<typeof setup>['call']): Promise<string> {
    const home = await call('wecom', 'home');
    const state = /[?&]state=([^&#]*)/.exec(home.headers.location)![1];
    const identified = await call('wecom', 'callback', { query: { code: 'c', state }, cookies: { dbl_state: home.cookies[0].split(';')[0].slice('dbl_state='.length) } });
    const session = identified.cookies.find((c) => c.startsWith('dbl_session='))!.split(';')[0].slice('dbl_session='.length);
  return session;
}

describe('sign-in URLs', () => {
  it('WeCom: appid, redirect_uri (urlencoded), response_type, scope, state, agentid in the documented order, then #wechat_redirect', async () => {
    const { call } = setup();
    const home = await call('wecom', 'home');
    const state = /[?&]state=([^&#]*)/.exec(home.headers.location)![1];
    expect(state).toMatch(/^[A-Za-z0-9]{1,128}$/);
    expect(home.headers.location).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0123456789abcdef' +
        '&redirect_uri=https%3A%2F%2Fapi.example.com%2Fprod%2Flink%2Fwecom%2Fwc%2Fcallback' +
        `&response_type=code&scope=snsapi_base&state=${state}&agentid=1000002#wechat_redirect`,
    );
  });

  it('DingTalk outside the client: login.dingtalk.com/oauth2/auth with scope "openid corpid" as %20 and prompt=consent', async () => {
    const { call } = setup();
    const home = await call('dingtalk', 'home', { query: { via: 'browser' } });
    expect(home.statusCode).toBe(302);
    const state = /[?&]state=([^&#]*)/.exec(home.headers.location)![1];
    expect(state).toMatch(/^[A-Za-z0-9]{1,128}$/);
    expect(home.headers.location).toBe(
      'https://login.dingtalk.com/oauth2/auth?redirect_uri=https%3A%2F%2Fapi.example.com%2Fprod%2Flink%2Fdingtalk%2Fdt%2Fcallback' +
        `&response_type=code&client_id=dingabc123&scope=openid%20corpid&state=${state}&prompt=consent`,
    );
  });

  it('DingTalk inside the client: the page asks requestAuthCode with the corpId and clientId, and posts the code back to callback', async () => {
    const { call } = setup();
    const page = await call('dingtalk', 'home');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('dingcorp9');
    expect(page.body).toContain('dingabc123');
    expect(page.body).toContain('/prod/link/dingtalk/dt/callback');
    expect(page.headers['content-security-policy']).toMatch(/script-src [^;]*'nonce-/);
  });
});

describe('refusals are logged without what they refused', () => {
  it('a reused OAuth code: 400 in Chinese, recorded with the errcode; neither the code nor the state cookie is in the log or the operation log', async () => {
    const { call, records, logged } = setup();
    const home = await call('wecom', 'home');
    const state = /[?&]state=([^&#]*)/.exec(home.headers.location)![1];
    const cookie = home.cookies[0].split(';')[0].split('=').slice(1).join('=');
    const page = await call('wecom', 'callback', { query: { code: 'SECRETCODE0123456789', state }, cookies: { dbl_state: cookie } });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('登录凭证无效、已被使用或已过期');
    expect(records).toEqual([expect.objectContaining({ result: 'dropped', reasonCode: 'link_refused', platformCode: 40029 })]);
    const everything = JSON.stringify({ records, logged });
    expect(logged.some((l) => l.message === 'link refused')).toBe(true);
    expect(everything).not.toContain('SECRETCODE0123456789');
    expect(everything).not.toContain(state);
    expect(everything).not.toContain(cookie);
  });

  it('a tampered pending-action token: 400 in the person’s language, recorded in the operation log and the log, without the token', async () => {
    const { call, records, logged } = setup({
      pending: {
        verify: async () => {
          throw new Error('bad signature');
        },
        applyOnce: async () => {
          throw new Error('never');
        },
      },
    });
    const page = await call('wecom', 'home', { query: { pending: 'TAMPEREDTOKENxyz' } });
    expect(page.statusCode).toBe(400);
    expect(page.headers.location).toBeUndefined();
    expect(records).toEqual([expect.objectContaining({ result: 'dropped', reasonCode: 'link_refused', reason: expect.stringContaining('pending_invalid') })]);
    expect(logged.map((l) => l.message)).toContain('pending action token refused');
    expect(JSON.stringify({ records, logged })).not.toContain('TAMPEREDTOKENxyz');
  });
});

describe('one-time code mails are rate limited', () => {
  it(`at most 5 an hour per chat account and per email: the 6th is a 429 in the person’s language, recorded, nothing mailed`, async () => {
    const withCodes: Integration = { ...wecom, settings: { ...wecom.settings, linking: { emailCode: { from: 'noreply@example.com', ses: true } } } } as Integration;
    const hits = new Map<string, number>();
    const mailed: string[] = [];
    const { call, records } = setup({
      integrations: { get: async () => withCodes },
      chat: { userIdFromCode: async () => 'zhangwei', contact: async () => ({}) },
      members: { upsert: async () => undefined, remove: async () => undefined, get: async (email) => (email === 'zw@example.com' ? { email, name: 'ZW', updatedAt: 1 } : undefined) },
      counters: memoryCounters(hits),
      codesFor: () => ({ issue: async () => undefined, check: async () => ({ outcome: 'none' }) }),
      codeMailer: { request: async (m) => void mailed.push(m.email) },
    });
    const session = await signIn(call);
    const send = (s: string) => call('wecom', 'code', { form: { step: 'send', email: 'zw@example.com' }, cookies: { dbl_session: s } });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await send(session);
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.body).toContain('请求过于频繁');
    expect(mailed).toHaveLength(5);
    expect([...hits.keys()].sort()).toEqual(['link:account:wc:zhangwei', 'link:email:zw@example.com', 'link:tries:wc:zhangwei']);
    expect(records.at(-1)).toMatchObject({ result: 'dropped', reasonCode: 'link_refused', reason: expect.stringContaining('rate_limited') });
  });
});

describe('the member directory is not a free lookup', () => {
  it('at most 10 addresses an hour per chat account, members or not: the 11th is a 429 without a directory lookup', async () => {
    const withCodes: Integration = { ...wecom, settings: { ...wecom.settings, linking: { emailCode: { from: 'noreply@example.com', ses: true } } } } as Integration;
    const hits = new Map<string, number>();
    const looked: string[] = [];
    const { call } = setup({
      integrations: { get: async () => withCodes },
      chat: { userIdFromCode: async () => 'zhangwei', contact: async () => ({}) },
      members: {
        upsert: async () => undefined,
        remove: async () => undefined,
        get: async (email) => {
          looked.push(email);
          return undefined;
        },
      },
      counters: memoryCounters(hits),
      codesFor: () => ({ issue: async () => undefined, check: async () => ({ outcome: 'none' }) }),
      codeMailer: { request: async () => undefined },
    });
    const session = await signIn(call);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await call('wecom', 'code', { form: { step: 'send', email: `guess${i}@example.com` }, cookies: { dbl_session: session } })).statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(400), 429]);
    expect(looked).toHaveLength(10);
  });
});
