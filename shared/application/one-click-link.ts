/**
 * One-Click Link (issue 11 item 3): links the members of the directory that have no link in an
 * integration to the chat account found by their mobile (WeCom user/getuserid, then
 * user/get_userid_by_email; DingTalk topapi/v2/user/getbymobile).
 *
 * WeCom blocks both lookups for a day once the failed calls exceed 20% of the headcount
 * (wecom.md §4.6). Each call that may fail first reserves one miss in a counter shared by every
 * run of the day (LookupMissCounter, shared/domain/lookup-budget.ts): a call is made only while
 * the misses, with the calls in flight, stay within the budget; a call that finds the user gives
 * its reservation back. A run that cannot reserve stops and reports who was not tried.
 *
 * A userid already linked to another member is not taken from them (conflict). A dry run makes
 * the same calls (they are real and count as misses) but writes no links and no operation records.
 * Runnable from the CLI and, unchanged, from a scheduled function.
 */
import type { Integration } from '../domain/integration';
import { lookupDay, missBudget } from '../domain/lookup-budget';
import { comparableMobile } from '../domain/mobile';
import type { OperationRecord } from '../domain/operation-log';
import type { LinkStore, Member, OperationLog } from './ports';

/** Userid lookups of one integration: the userid, or undefined when the platform says nobody matches; other failures throw. */
export interface UserIdLookups {
  byMobile(mobile: string): Promise<string | undefined>;
  /** WeCom only (DingTalk has no lookup by email). */
  byEmail?(email: string): Promise<string | undefined>;
}

export interface UserIdLookupsFactory {
  forIntegration(integration: Integration): Promise<UserIdLookups>;
}

/** The shared daily count of failed lookups per integration (state table, LOOKUPMISS#<integration>#<day>). */
export interface LookupMissCounter {
  /** Counts one possible miss if the count stays ≤ limit; false (nothing counted) when it would not. */
  reserve(integrationId: string, day: string, limit: number): Promise<boolean>;
  /** Gives back a reservation whose call found the user. */
  release(integrationId: string, day: string): Promise<void>;
  used(integrationId: string, day: string): Promise<number>;
}

export type OneClickOutcome = 'linked' | 'would_link' | 'not_found' | 'conflict' | 'failed' | 'not_tried';

export interface OneClickResult {
  readonly email: string;
  readonly name: string;
  readonly outcome: OneClickOutcome;
  readonly userId?: string;
  /** What found the user: their mobile or their email. */
  readonly via?: 'mobile' | 'email';
  readonly reason: string;
}

export interface OneClickReport {
  readonly integrationId: string;
  readonly platform: Integration['platform'];
  readonly dryRun: boolean;
  readonly headcount: number;
  readonly maxMissRatio: number;
  /** Misses allowed per day: floor(headcount × ratio). */
  readonly budget: number;
  readonly day: string;
  readonly missesBefore: number;
  readonly missesAfter: number;
  /** True when the run stopped because the budget was used up (some members were not tried). */
  readonly stoppedAtBudget: boolean;
  readonly unlinkedMembers: number;
  readonly results: OneClickResult[];
}

export interface OneClickLinkDeps {
  readonly members: { list(): Promise<Member[]> };
  readonly links: LinkStore;
  readonly lookups: UserIdLookupsFactory;
  readonly misses: LookupMissCounter;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly nowMs: () => number;
}

export interface OneClickLinkOptions {
  readonly dryRun?: boolean;
  /** Default shared/domain/lookup-budget.ts DEFAULT_MAX_MISS_RATIO (10%). */
  readonly maxMissRatio?: number;
  /** The corp's headcount; default the number of members in the directory. */
  readonly headcount?: number;
}

/** The member's mobile as the platform's lookup takes it: mainland numbers without +86, others with their country code. */
export function lookupMobile(mobile: string): string {
  const comparable = comparableMobile(mobile);
  return /^1\d{10}$/.test(comparable) ? comparable : mobile.trim().replace(/\s/g, '');
}

class BudgetUsedUp extends Error {}

export class OneClickLink {
  constructor(private readonly deps: OneClickLinkDeps) {}

  async run(integration: Integration, options: OneClickLinkOptions = {}): Promise<OneClickReport> {
    const { deps } = this;
    const dryRun = options.dryRun === true;
    const [members, links] = await Promise.all([deps.members.list(), deps.links.list(integration.id)]);
    const headcount = options.headcount ?? Math.max(members.length, 1);
    const maxMissRatio = options.maxMissRatio ?? 0.1;
    const budget = missBudget(headcount, maxMissRatio);
    const day = lookupDay(deps.nowMs());
    const missesBefore = await deps.misses.used(integration.id, day);
    const linked = new Set(links.map((l) => l.email.toLowerCase()));
    const unlinked = members.filter((m) => !linked.has(m.email.toLowerCase())).sort((a, b) => (a.email < b.email ? -1 : 1));
    const lookups = await deps.lookups.forIntegration(integration);
    const takenInThisRun = new Map<string, string>();
    const results: OneClickResult[] = [];
    let stoppedAtBudget = false;
    /** Lookups made for the member at hand. */
    let made = 0;

    const call = async (value: string, lookup: (v: string) => Promise<string | undefined>): Promise<string | undefined> => {
      if (!(await deps.misses.reserve(integration.id, day, budget))) throw new BudgetUsedUp();
      made += 1;
      const userId = await lookup(value); // a throw keeps the reservation: WeCom counts errors, not only misses
      if (userId !== undefined) await deps.misses.release(integration.id, day);
      return userId;
    };

    for (const member of unlinked) {
      const email = member.email.toLowerCase();
      const base = { email, name: member.name };
      if (stoppedAtBudget) {
        results.push({ ...base, outcome: 'not_tried', reason: `not tried: the day's budget of ${budget} failed lookups is used up (WeCom blocks lookups for a day above 20% of the headcount); run again tomorrow or link by hand` });
        continue;
      }
      let userId: string | undefined;
      let via: 'mobile' | 'email' | undefined;
      made = 0;
      const where = integration.platform === 'wecom' ? 'WeCom' : 'DingTalk';
      try {
        if (member.mobile) {
          userId = await call(lookupMobile(member.mobile), (m) => lookups.byMobile(m));
          if (userId !== undefined) via = 'mobile';
        }
        if (userId === undefined && lookups.byEmail) {
          userId = await call(email, (e) => lookups.byEmail!(e));
          if (userId !== undefined) via = 'email';
        }
      } catch (error) {
        if (error instanceof BudgetUsedUp) {
          stoppedAtBudget = true;
          // Stopped between the mobile and the email lookup: the mobile one was made and missed.
          const missedMobile = made > 0;
          results.push(
            missedMobile
              ? { ...base, outcome: 'not_found', reason: `no ${where} user with this mobile; the email lookup was not made: the day's budget of ${budget} failed lookups is used up` }
              : { ...base, outcome: 'not_tried', reason: `not tried: the day's budget of ${budget} failed lookups is used up (WeCom blocks lookups for a day above 20% of the headcount); run again tomorrow or link by hand` },
          );
          continue;
        }
        results.push({ ...base, outcome: 'failed', reason: `lookup failed: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      if (userId === undefined) {
        const tried = [member.mobile ? 'mobile' : undefined, lookups.byEmail ? 'email' : undefined].filter(Boolean).join(' or ');
        results.push({
          ...base,
          outcome: 'not_found',
          reason: tried ? `no ${where} user with this ${tried} (or not visible to the app); link with links set` : `no mobile in the directory, and ${where} has no lookup by email; link with links set`,
        });
        continue;
      }
      const holder = (await deps.links.byUserId(integration.id, userId))?.email ?? takenInThisRun.get(userId.toLowerCase());
      if (holder && holder !== email) {
        results.push({ ...base, outcome: 'conflict', userId, via, reason: `${userId} is already linked to ${holder}; not moved (links set moves it by hand)` });
        continue;
      }
      takenInThisRun.set(userId.toLowerCase(), email);
      if (dryRun) {
        results.push({ ...base, outcome: 'would_link', userId, via, reason: `found by ${via}; not linked (dry run)` });
        continue;
      }
      if (await deps.links.byEmail(integration.id, email)) {
        results.push({ ...base, outcome: 'conflict', userId, via, reason: 'linked by someone else while this run was going; left as it is' });
        continue;
      }
      await deps.links.set({ integrationId: integration.id, email, userId, linkedAt: deps.nowMs(), method: 'one_click' });
      results.push({ ...base, outcome: 'linked', userId, via, reason: `found by ${via}` });
    }

    if (!dryRun) await deps.operationLog.append(results.map((r) => operationRecord(integration, r, deps.nowMs())));
    return {
      integrationId: integration.id,
      platform: integration.platform,
      dryRun,
      headcount,
      maxMissRatio,
      budget,
      day,
      missesBefore,
      missesAfter: await deps.misses.used(integration.id, day),
      stoppedAtBudget,
      unlinkedMembers: unlinked.length,
      results,
    };
  }
}

const RECORD: Record<OneClickOutcome, Pick<OperationRecord, 'result' | 'reasonCode'>> = {
  linked: { result: 'done', reasonCode: 'linked' },
  would_link: { result: 'dropped', reasonCode: 'linked' }, // never recorded (dry runs record nothing)
  not_found: { result: 'failed', reasonCode: 'user_not_found' },
  conflict: { result: 'dropped', reasonCode: 'link_conflict' },
  failed: { result: 'failed', reasonCode: 'platform_error' },
  not_tried: { result: 'deferred', reasonCode: 'lookup_budget_reached' },
};

function operationRecord(integration: Integration, r: OneClickResult, atMs: number): OperationRecord {
  const what = r.outcome === 'linked' ? `One-Click Link: ${r.email} linked to ${integration.platform === 'wecom' ? 'WeCom' : 'DingTalk'} user ${r.userId} (${r.reason})` : `One-Click Link: ${r.email} not linked: ${r.reason}`;
  return {
    atMs,
    ...RECORD[r.outcome],
    reason: what.slice(0, 1000),
    integrationId: integration.id,
    platform: integration.platform,
    channel: 'link',
    recipient: r.email,
    ...(r.via ? { requestKind: r.via === 'mobile' ? (integration.platform === 'wecom' ? 'user/getuserid' : 'topapi/v2/user/getbymobile') : 'user/get_userid_by_email' } : {}),
  };
}
