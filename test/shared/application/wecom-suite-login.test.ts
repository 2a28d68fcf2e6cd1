/**
 * The WeCom login of the linking pages for suite integrations (wecom-login.ts, suite-logins.ts):
 * which OAuth link each kind of integration gets, which identities of getuserinfo3rd are accepted,
 * and how WeCom's refusals of a code reach the page.
 */
import { weComErrorFromErrcode } from '../../../shared/adapters/wecom/errors';
import { ChatCodeRejectedError, type SuiteLogins } from '../../../shared/application/account-linking-ports';
import { LinkRefusedError } from '../../../shared/application/link-context';
import { SuiteNotConfiguredError, SuiteOAuthLogins } from '../../../shared/application/suite-logins';
import type { SuiteOAuthIdentity, WeComSuiteApi } from '../../../shared/application/suite-ports';
import { SuiteTicketMissingError } from '../../../shared/application/suite-tokens';
import { SuiteLoginUnavailableError, logsInThroughSuite, suiteLoginUserId, weComAuthorizeUrl } from '../../../shared/application/wecom-login';
import type { WeComIntegration } from '../../../shared/domain/integration';
import type { SuiteRecord } from '../../../shared/domain/wecom-suite';

const base = { id: 'acme', platform: 'wecom' as const, secretName: 's', createdAt: '2026-01-01T00:00:00Z' };
const selfBuilt: WeComIntegration = { ...base, settings: { corpId: 'ww0123456789abcdef', agentId: '1000002', apiBase: 'https://qyapi.example' } };
const thirdParty: WeComIntegration = {
  ...base,
  settings: { corpId: 'wpAbCdEncryptedCorp', agentId: '1000017', apiBase: 'https://qyapi.example', suite: { suiteId: 'wwsuite0001', kind: 'third-party', pastedCorpId: 'wwplaincorp' } },
};
const developerHosted: WeComIntegration = {
  ...base,
  settings: { corpId: 'wwplaincorp', agentId: '1000020', apiBase: 'https://qyapi.example', suite: { suiteId: 'dktemplate01', kind: 'developer-hosted' } },
};
const link = { oauthBase: 'https://open.weixin.qq.com', redirectUri: 'https://api.example.com/prod/link/wecom/acme/callback', state: 'abc123' };

describe('weComAuthorizeUrl', () => {
  it('a third-party suite: appid is the suite id, and there is no agentid (DOC-91120)', () => {
    expect(weComAuthorizeUrl(thirdParty, link)).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wwsuite0001&redirect_uri=https%3A%2F%2Fapi.example.com%2Fprod%2Flink%2Fwecom%2Facme%2Fcallback&response_type=code&scope=snsapi_base&state=abc123#wechat_redirect',
    );
  });

  it('self-built and 代开发 apps keep the corp-style link with their agentid', () => {
    expect(weComAuthorizeUrl(selfBuilt, link)).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0123456789abcdef&redirect_uri=https%3A%2F%2Fapi.example.com%2Fprod%2Flink%2Fwecom%2Facme%2Fcallback&response_type=code&scope=snsapi_base&state=abc123&agentid=1000002#wechat_redirect',
    );
    const hosted = new URL(weComAuthorizeUrl(developerHosted, link));
    expect([hosted.searchParams.get('appid'), hosted.searchParams.get('agentid')]).toEqual(['wwplaincorp', '1000020']);
    expect([selfBuilt, thirdParty, developerHosted].map(logsInThroughSuite)).toEqual([false, true, false]);
  });
});

describe('suiteLoginUserId', () => {
  const answering = (identity: SuiteOAuthIdentity): SuiteLogins & { codes: string[] } => {
    const codes: string[] = [];
    return { codes, identityFromCode: async (_integration, code) => (codes.push(code), identity) };
  };

  it('accepts a member of the integration’s own corp, with the userid the app sees', async () => {
    const logins = answering({ corpId: 'wpAbCdEncryptedCorp', userId: 'woMemberOpenId', openUserId: 'woMemberOpenId' });
    expect(await suiteLoginUserId(logins, thirdParty, 'code-1')).toBe('woMemberOpenId');
    expect(logins.codes).toEqual(['code-1']);
  });

  it('refuses a member of another corp, and a corpid that differs only in case (encrypted ids are case-sensitive)', async () => {
    for (const corpId of ['wpSomeOtherCorp', 'wpabcdencryptedcorp', undefined]) {
      const refused = suiteLoginUserId(answering({ ...(corpId ? { corpId } : {}), userId: 'woStranger' }), thirdParty, 'c');
      await expect(refused).rejects.toBeInstanceOf(LinkRefusedError);
      await expect(refused).rejects.toMatchObject({ code: 'other_corp', statusCode: 403, detail: `the account woStranger is of corp ${corpId ?? '(none named)'}, not of this integration's corp wpAbCdEncryptedCorp` });
    }
  });

  it('an outsider (openid only) is not a member; no suite login wired is our fault', async () => {
    await expect(suiteLoginUserId(answering({ openId: 'oOutsider' }), thirdParty, 'c')).rejects.toMatchObject({ name: 'ChatCodeRejectedError', reason: 'not_member' });
    await expect(suiteLoginUserId(undefined, thirdParty, 'c')).rejects.toBeInstanceOf(SuiteLoginUnavailableError);
  });
});

describe('SuiteOAuthLogins', () => {
  const suite: SuiteRecord = { suiteId: 'wwsuite0001', kind: 'third-party', apiBase: 'https://qyapi.example', secretName: 'suites/wwsuite0001', createdAt: '2026-01-01T00:00:00Z' };
  const logins = (getUserInfo3rd: WeComSuiteApi['getUserInfo3rd'], known = true) => {
    const tokensUsed: string[] = [];
    const api = { getUserInfo3rd } as WeComSuiteApi;
    const subject = new SuiteOAuthLogins({
      suites: { getSuite: async (id) => (known && id === suite.suiteId ? suite : undefined) },
      tokens: {
        api: () => api,
        withSuiteToken: async (s, call) => (tokensUsed.push(s.suiteId), call('suite-token-1')),
      },
    });
    return { subject, tokensUsed };
  };

  it('resolves the code with the suite token of the integration’s suite', async () => {
    const seen: [string, string][] = [];
    const { subject, tokensUsed } = logins(async (token, code) => (seen.push([token, code]), { corpId: 'wpAbCdEncryptedCorp', userId: 'woMember' }));
    expect(await subject.identityFromCode(thirdParty, 'the-code')).toEqual({ corpId: 'wpAbCdEncryptedCorp', userId: 'woMember' });
    expect(tokensUsed).toEqual(['wwsuite0001']);
    expect(seen).toEqual([['suite-token-1', 'the-code']]);
  });

  it.each([
    ['40029 (code unknown, used or expired)', weComErrorFromErrcode('service/auth/getuserinfo3rd', 40029, 'invalid code'), 'invalid_code', 40029],
    ['50001 (redirect domain)', weComErrorFromErrcode('service/auth/getuserinfo3rd', 50001, 'redirect_url not authorised'), 'redirect_domain', 50001],
    ['48002 (a 代开发 app)', weComErrorFromErrcode('service/auth/getuserinfo3rd', 48002, 'api forbidden'), 'unavailable', 48002],
    ['no suite_ticket yet', new SuiteTicketMissingError('wwsuite0001', 'no suite_ticket received yet'), 'unavailable', undefined],
  ])('classifies %s', async (_label, error, reason, platformCode) => {
    const { subject } = logins(async () => {
      throw error;
    });
    const refused = subject.identityFromCode(thirdParty, 'c');
    await expect(refused).rejects.toBeInstanceOf(ChatCodeRejectedError);
    await expect(refused).rejects.toMatchObject({ reason, platformCode });
  });

  it('an integration whose suite is not configured is an error of ours, not a refused code', async () => {
    const { subject } = logins(async () => ({ userId: 'x' }), false);
    await expect(subject.identityFromCode(thirdParty, 'c')).rejects.toBeInstanceOf(SuiteNotConfiguredError);
    await expect(logins(async () => {
      throw new TypeError('a bug');
    }).subject.identityFromCode(thirdParty, 'c')).rejects.toBeInstanceOf(TypeError);
  });
});
