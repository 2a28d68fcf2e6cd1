/**
 * The WeCom login step of the linking pages, in its two forms:
 * - an app of the corp itself (self-built, or 代开发, whose token comes from gettoken): the
 *   corp-style link `appid=<corpid>&agentid=<agentid>` and `auth/getuserinfo` with the corp token
 *   (wecom.md §4.7; wecom-suite.md §4.2: 代开发 apps log in like self-built ones);
 * - a third-party (suite) app: `appid=<suite id>` and no agentid (DOC-91120), the code resolved
 *   with the suite's token by getuserinfo3rd (DOC-91121). One suite serves every corp that
 *   installed it, so such a code may name a member of ANY of them: the identity counts only when
 *   its corpid is this integration's corp, compared exactly (encrypted corpids are case-sensitive,
 *   DOC-96516). The userid kept is the one the app sees (the open userid in newer corps), the id
 *   its cards and callbacks use.
 */
import type { WeComIntegration } from '../domain/integration';
import { ChatCodeRejectedError, type SuiteLogins } from './account-linking-ports';
import { LinkRefusedError } from './link-context';

/** The page runs without a suite login (a wiring fault, not the person's): a 500, logged. */
export class SuiteLoginUnavailableError extends Error {
  override readonly name = 'SuiteLoginUnavailableError';
}

/** Third-party suite integrations log in through the suite; 代开发 ones keep the corp-style login. */
export function logsInThroughSuite(integration: WeComIntegration): boolean {
  return integration.settings.suite?.kind === 'third-party';
}

/** The OAuth2 link the page redirects to (snsapi_base: silent inside the client). */
export function weComAuthorizeUrl(integration: WeComIntegration, args: { readonly oauthBase: string; readonly redirectUri: string; readonly state: string }): string {
  const { settings } = integration;
  const suiteId = logsInThroughSuite(integration) ? settings.suite?.suiteId : undefined;
  const q = new URLSearchParams({
    appid: suiteId ?? settings.corpId,
    redirect_uri: args.redirectUri,
    response_type: 'code',
    scope: 'snsapi_base',
    state: args.state,
    // The third-party link has no agentid (DOC-91120); the corp-style one names the app (DOC-91022).
    ...(suiteId ? {} : { agentid: settings.agentId }),
  });
  return `${args.oauthBase}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`;
}

/**
 * The userid behind a third-party login code, accepted only for a member of the integration's own
 * corp: an outsider (openid only) is ChatCodeRejectedError 'not_member', a member of another corp
 * is refused with 'other_corp'.
 */
export async function suiteLoginUserId(logins: SuiteLogins | undefined, integration: WeComIntegration, code: string): Promise<string> {
  if (!logins) throw new SuiteLoginUnavailableError(`integration ${integration.id} logs in through its suite, and this function has no suite login`);
  const identity = await logins.identityFromCode(integration, code);
  if (!identity.userId) {
    const why = identity.openId ? 'answered an openid: the person is not a member of a corp that installed the app' : 'named no userid';
    throw new ChatCodeRejectedError('not_member', `getuserinfo3rd ${why}`);
  }
  const corpId = integration.settings.corpId;
  if (identity.corpId !== corpId) {
    throw new LinkRefusedError('other_corp', 403, `the account ${identity.userId} is of corp ${identity.corpId ?? '(none named)'}, not of this integration's corp ${corpId}`);
  }
  return identity.userId;
}
