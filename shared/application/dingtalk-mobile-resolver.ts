/**
 * A DingTalk userId for a member's mobile (topapi/v2/user/getbymobile, free of the monthly quota),
 * through a cache: found userIds and definite misses ("no such user", "invalid mobile") are kept,
 * failures are not (a granted permission helps at once). Used by the group card's @mentions and by
 * the War Room for responders who are not linked.
 */
import type { DingTalkIntegration } from '../domain/integration';
import { isDingTalkCallFailure } from './dispatch-ports';
import type { Clock, DingTalkUserLookups, MobileLookupCache, UnmentionedResponder } from './ports';

/** How long a getbymobile answer is trusted: a found userId, and "no such user" / "invalid mobile". */
export const MOBILE_LOOKUP_HIT_TTL_SECONDS = 7 * 86_400;
export const MOBILE_LOOKUP_MISS_TTL_SECONDS = 86_400;
/** getbymobile errcode for a malformed mobile ("企业中无效的手机号", query-users-by-phone-number). */
const INVALID_MOBILE_ERRCODE = 40104;

/** The mobile as getbymobile takes it: mainland numbers without the country code, others keep it ("+1-…"). */
export function dingTalkMobile(mobile: string): string {
  return mobile.trim().replace(/^\+86-?/, '');
}

export interface DingTalkMobileResolverDeps {
  readonly userLookups: DingTalkUserLookups;
  readonly mobileLookups: MobileLookupCache;
  readonly clock: Clock;
}

export class DingTalkMobileResolver {
  constructor(private readonly deps: DingTalkMobileResolverDeps) {}

  /** getbymobile through the cache; hits and definite misses are cached, failures are not. */
  async userIdByMobile(integration: DingTalkIntegration, mobile: string): Promise<{ userId: string } | Omit<UnmentionedResponder, 'email'>> {
    const cached = await this.deps.mobileLookups.get(integration.id, mobile);
    if (cached?.userId) return { userId: cached.userId };
    if (cached?.miss) return { reason: cached.miss };
    const lookedUpAt = this.deps.clock.nowMs();
    try {
      const lookup = await this.deps.userLookups.forIntegration(integration);
      const userId = await lookup.getUserIdByMobile(mobile);
      if (userId) {
        await this.deps.mobileLookups.put(integration.id, mobile, { userId, lookedUpAt }, MOBILE_LOOKUP_HIT_TTL_SECONDS);
        return { userId };
      }
      await this.deps.mobileLookups.put(integration.id, mobile, { miss: 'not_found', lookedUpAt }, MOBILE_LOOKUP_MISS_TTL_SECONDS);
      return { reason: 'not_found' };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if (isDingTalkCallFailure(error) && error.kind === 'permanent') {
        if (error.code === INVALID_MOBILE_ERRCODE) {
          await this.deps.mobileLookups.put(integration.id, mobile, { miss: 'invalid_mobile', lookedUpAt }, MOBILE_LOOKUP_MISS_TTL_SECONDS);
          return { reason: 'invalid_mobile', detail };
        }
        // A missing contacts permission lands here: recorded, not cached, so granting it helps at once.
        return { reason: 'lookup_refused', detail };
      }
      return { reason: 'lookup_failed', detail };
    }
  }
}
