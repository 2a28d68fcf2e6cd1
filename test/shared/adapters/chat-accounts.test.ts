/** The chat platforms' login and contacts answers as the linking pages see them (fake fetch, every errcode classified). */
import { ChatCodeRejectedError } from '../../../shared/application/account-linking-ports';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../shared/application/token-provider';
import { DingTalkChatAccounts } from '../../../shared/adapters/dingtalk/chat-accounts';
import { DingTalkClient } from '../../../shared/adapters/dingtalk/client';
import { WeComChatAccounts } from '../../../shared/adapters/wecom/chat-accounts';
import { WeComClient } from '../../../shared/adapters/wecom/client';
import type { DingTalkIntegration, WeComIntegration } from '../../../shared/domain/integration';

type Answer = (url: URL, init?: RequestInit) => Response;

function fakeFetch(answers: Record<string, Answer>, seen: { url: URL; init?: RequestInit }[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    seen.push({ url, ...(init ? { init } : {}) });
    const answer = answers[url.pathname];
    if (!answer) throw new Error(`unexpected ${url.pathname}`);
    return answer(url, init);
  }) as typeof fetch;
}

const weComIntegration = { id: 'w', platform: 'wecom', settings: { corpId: 'c', agentId: '7', apiBase: 'https://qyapi.example' }, secretName: 's', createdAt: '' } as WeComIntegration;
const dingTalkIntegration = { id: 'd', platform: 'dingtalk', settings: { clientId: 'ck', apiBase: 'https://api.example', oapiBase: 'https://oapi.example' }, secretName: 's', createdAt: '' } as DingTalkIntegration;

function weCom(answers: Record<string, Answer>) {
  const seen: { url: URL }[] = [];
  const client = new WeComClient(
    { corpId: 'c', agentId: '7', secret: 's', apiBase: 'https://qyapi.example' },
    { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), fetch: fakeFetch({ '/cgi-bin/gettoken': () => Response.json({ errcode: 0, access_token: 'T', expires_in: 7200 }), ...answers }, seen) },
  );
  return { accounts: new WeComChatAccounts({ forIntegration: async () => client }), seen };
}

function dingTalk(answers: Record<string, Answer>) {
  const seen: { url: URL; init?: RequestInit }[] = [];
  const client = new DingTalkClient(
    { clientId: 'ck', clientSecret: 'cs', apiBase: 'https://api.example', oapiBase: 'https://oapi.example', robotCode: 'ck' },
    { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), fetch: fakeFetch({ '/v1.0/oauth2/accessToken': () => Response.json({ accessToken: 'APP', expireIn: 7200 }), ...answers }, seen) },
  );
  return { accounts: new DingTalkChatAccounts({ forIntegration: async () => client }), seen };
}

describe('WeComChatAccounts', () => {
  it('a member’s code gives the userid; the code travels in the query with the app token', async () => {
    const { accounts, seen } = weCom({ '/cgi-bin/auth/getuserinfo': () => Response.json({ errcode: 0, errmsg: 'ok', userid: 'zhangwei' }) });
    await expect(accounts.userIdFromCode(weComIntegration, 'CODE1')).resolves.toBe('zhangwei');
    const call = seen.find((s) => s.url.pathname === '/cgi-bin/auth/getuserinfo')!;
    expect(Object.fromEntries(call.url.searchParams)).toEqual({ code: 'CODE1', access_token: 'T' });
  });

  it.each([
    [{ errcode: 40029, errmsg: 'invalid code' }, 'invalid_code'],
    [{ errcode: 50001, errmsg: 'redirect uri not authorized' }, 'redirect_domain'],
    [{ errcode: 0, errmsg: 'ok', openid: 'o-123', external_userid: 'e' }, 'not_member'],
    [{ errcode: -1, errmsg: 'busy' }, 'unavailable'],
  ])('%j → %s', async (body, reason) => {
    const { accounts } = weCom({ '/cgi-bin/auth/getuserinfo': () => Response.json(body) });
    const error = await accounts.userIdFromCode(weComIntegration, 'CODE1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatCodeRejectedError);
    expect(error).toMatchObject({ reason });
  });

  it('contacts: mobile and email when readable, nothing when hidden or unknown', async () => {
    const { accounts } = weCom({ '/cgi-bin/user/get': (url) => Response.json(url.searchParams.get('userid') === 'a' ? { errcode: 0, userid: 'a', mobile: '13800000001', email: 'a@x.com' } : url.searchParams.get('userid') === 'b' ? { errcode: 0, userid: 'b' } : { errcode: 60111, errmsg: 'no' }) });
    await expect(accounts.contact(weComIntegration, 'a')).resolves.toEqual({ mobile: '13800000001', email: 'a@x.com' });
    await expect(accounts.contact(weComIntegration, 'b')).resolves.toEqual({});
    await expect(accounts.contact(weComIntegration, 'c')).resolves.toEqual({});
  });
});

describe('DingTalkChatAccounts', () => {
  it('in the client: topapi/v2/user/getuserinfo {code} → userid; 40078 is an invalid code', async () => {
    const { accounts, seen } = dingTalk({
      '/topapi/v2/user/getuserinfo': (_u, init) =>
        Response.json(JSON.parse(String(init?.body)).code === 'good' ? { errcode: 0, errmsg: 'ok', result: { userid: 'alice', unionid: 'u1' } } : { errcode: 40078, errmsg: '不存在的临时授权码' }),
    });
    await expect(accounts.userIdFromCode(dingTalkIntegration, 'dingtalk_client', 'good')).resolves.toBe('alice');
    expect(seen.find((s) => s.url.pathname === '/topapi/v2/user/getuserinfo')!.url.searchParams.get('access_token')).toBe('APP');
    await expect(accounts.userIdFromCode(dingTalkIntegration, 'dingtalk_client', 'used')).rejects.toMatchObject({ reason: 'invalid_code', platformCode: 40078 });
  });

  it('in a browser: userAccessToken → users/me with the person’s token → getbyunionid; not in the org is not a member', async () => {
    const { accounts, seen } = dingTalk({
      '/v1.0/oauth2/userAccessToken': (_u, init) => {
        expect(JSON.parse(String(init?.body))).toEqual({ clientId: 'ck', clientSecret: 'cs', code: 'bc', grantType: 'authorization_code' });
        return Response.json({ accessToken: 'USER', refreshToken: 'r', expireIn: 7200 });
      },
      '/v1.0/contact/users/me': () => Response.json({ unionId: 'union-1', nick: 'A' }),
      '/topapi/user/getbyunionid': (_u, init) =>
        Response.json(JSON.parse(String(init?.body)).unionid === 'union-1' ? { errcode: 0, result: { contact_type: 0, userid: 'alice' } } : { errcode: 60121, errmsg: '找不到该用户' }),
    });
    await expect(accounts.userIdFromCode(dingTalkIntegration, 'dingtalk_browser', 'bc')).resolves.toBe('alice');
    const me = seen.find((s) => s.url.pathname === '/v1.0/contact/users/me')!;
    expect((me.init?.headers as Record<string, string>)['x-acs-dingtalk-access-token']).toBe('USER');
  });

  it('in a browser: an account outside the org (getbyunionid 60121) is refused as not a member', async () => {
    const { accounts } = dingTalk({
      '/v1.0/oauth2/userAccessToken': () => Response.json({ accessToken: 'USER', expireIn: 7200 }),
      '/v1.0/contact/users/me': () => Response.json({ unionId: 'other' }),
      '/topapi/user/getbyunionid': () => Response.json({ errcode: 60121, errmsg: '找不到该用户' }),
    });
    await expect(accounts.userIdFromCode(dingTalkIntegration, 'dingtalk_browser', 'bc')).rejects.toMatchObject({ reason: 'not_member' });
  });

  it('contacts: the mobile with its state code, like member events carry it; hidden fields are absent', async () => {
    const { accounts } = dingTalk({
      '/topapi/v2/user/get': (_u, init) =>
        Response.json(JSON.parse(String(init?.body)).userid === 'a' ? { errcode: 0, result: { userid: 'a', mobile: '13800000001', state_code: '86', email: 'a@x.com' } } : { errcode: 0, result: { userid: 'b', state_code: '86' } }),
    });
    await expect(accounts.contact(dingTalkIntegration, 'a')).resolves.toEqual({ mobile: '+86-13800000001', email: 'a@x.com' });
    await expect(accounts.contact(dingTalkIntegration, 'b')).resolves.toEqual({});
  });
});
