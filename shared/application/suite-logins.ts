/**
 * SuiteLogins through the suite's own token (SuiteTokens): a third-party integration's OAuth code
 * resolved by service/auth/getuserinfo3rd (DOC-91121), WeCom's refusals classified for the linking
 * page: 40029 is a code unknown to this suite, already used or older than 5 minutes (DOC-90455,
 * DOC-91121); 50001 a redirect domain that is not the app's trusted domain (DOC-91121); any other
 * failure (48002 for a 代开发 app, no valid suite_ticket yet, a timeout) means WeCom cannot be asked now.
 */
import type { WeComIntegration } from '../domain/integration';
import { isSuiteErrcode } from '../domain/wecom-suite-errcodes';
import { ChatCodeRejectedError, type SuiteLogins } from './account-linking-ports';
import { isWeComCallFailure } from './ports';
import type { SuiteOAuthIdentity, SuiteStore } from './suite-ports';
import type { SuiteTokens } from './suite-tokens';

/** "invalid code" (DOC-90455). */
const INVALID_CODE = 40029;
/** "redirect_uri需要与应用的可信域名一致" (DOC-91121). */
const REDIRECT_DOMAIN = 50001;

/** The integration names a suite this deployment does not have (an operator's fault, not the person's). */
export class SuiteNotConfiguredError extends Error {
  override readonly name = 'SuiteNotConfiguredError';
}

export interface SuiteOAuthLoginsDeps {
  readonly suites: Pick<SuiteStore, 'getSuite'>;
  readonly tokens: Pick<SuiteTokens, 'withSuiteToken' | 'api'>;
}

export class SuiteOAuthLogins implements SuiteLogins {
  constructor(private readonly deps: SuiteOAuthLoginsDeps) {}

  async identityFromCode(integration: WeComIntegration, code: string): Promise<SuiteOAuthIdentity> {
    const suiteId = integration.settings.suite?.suiteId;
    const suite = suiteId ? await this.deps.suites.getSuite(suiteId) : undefined;
    if (!suite) throw new SuiteNotConfiguredError(`integration ${integration.id}: its suite ${suiteId ?? '(none)'} is not configured`);
    try {
      return await this.deps.tokens.withSuiteToken(suite, (suiteToken) => this.deps.tokens.api(suite).getUserInfo3rd(suiteToken, code));
    } catch (error) {
      if (isSuiteErrcode(error, INVALID_CODE)) throw new ChatCodeRejectedError('invalid_code', (error as Error).message, INVALID_CODE);
      if (isSuiteErrcode(error, REDIRECT_DOMAIN)) throw new ChatCodeRejectedError('redirect_domain', (error as Error).message, REDIRECT_DOMAIN);
      if (isWeComCallFailure(error)) throw new ChatCodeRejectedError('unavailable', error.reason, error.errcode);
      throw error;
    }
  }
}
