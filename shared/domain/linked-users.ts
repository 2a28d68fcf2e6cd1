/**
 * Linked Users (issue 11 item 4): every member of the directory joined with an integration's
 * links, plus links whose email is no member (any more). Pure: the CLI reads, this joins and filters.
 */
import { maskMobile } from './mobile';

export type LinkHow = 'admin' | 'login' | 'sso' | 'code' | 'one_click';

export interface LinkedUserRow {
  readonly email: string;
  /** Empty when the link's email is not (or no longer) a member. */
  readonly name: string;
  /** Masked (138****0000); the full number is never listed. */
  readonly mobile: string;
  readonly member: boolean;
  readonly userId?: string;
  readonly linkedAt?: string;
  readonly how?: LinkHow;
  /** Digits of the unmasked mobile, for --search only; never printed. */
  readonly mobileDigits: string;
}

interface MemberLike {
  readonly email: string;
  readonly name: string;
  readonly mobile?: string;
}
interface LinkLike {
  readonly email: string;
  readonly userId: string;
  readonly linkedAt: number;
  readonly method?: LinkHow;
}

/** Members (by email, case-insensitive) with their link, then links of non-members; sorted by email. */
export function joinLinkedUsers(members: readonly MemberLike[], links: readonly LinkLike[]): LinkedUserRow[] {
  const byEmail = new Map(links.map((l) => [l.email.toLowerCase(), l]));
  const rows: LinkedUserRow[] = [];
  const seen = new Set<string>();
  for (const m of members) {
    const email = m.email.toLowerCase();
    if (seen.has(email)) continue;
    seen.add(email);
    rows.push(row(email, m, byEmail.get(email)));
  }
  for (const [email, link] of byEmail) if (!seen.has(email)) rows.push(row(email, undefined, link));
  return rows.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

function row(email: string, member: MemberLike | undefined, link: LinkLike | undefined): LinkedUserRow {
  return {
    email,
    name: member?.name ?? '',
    mobile: member?.mobile ? maskMobile(member.mobile) : '',
    member: member !== undefined,
    mobileDigits: (member?.mobile ?? '').replace(/\D/g, ''),
    ...(link ? { userId: link.userId, linkedAt: new Date(link.linkedAt).toISOString(), how: link.method ?? 'admin' } : {}),
  };
}

export interface LinkedUsersFilter {
  readonly linked?: boolean;
  readonly unlinked?: boolean;
  readonly search?: string;
}

/**
 * --linked / --unlinked, and --search: case-insensitive substring of the name, email or userid, or
 * (when the text has 3 or more digits and nothing but digits and + - spaces) of the mobile's digits.
 */
export function filterLinkedUsers(rows: readonly LinkedUserRow[], filter: LinkedUsersFilter): LinkedUserRow[] {
  const text = filter.search?.trim().toLowerCase() ?? '';
  const digits = /^[\d\s+()-]+$/.test(text) ? text.replace(/\D/g, '') : '';
  return rows.filter((r) => {
    if (filter.linked && r.userId === undefined) return false;
    if (filter.unlinked && r.userId !== undefined) return false;
    if (!text) return true;
    if (r.name.toLowerCase().includes(text) || r.email.includes(text) || (r.userId ?? '').toLowerCase().includes(text)) return true;
    return digits.length >= 3 && r.mobileDigits.includes(digits);
  });
}

/** How a link came to be, in the words of `links list`. */
export const HOW_WORDS: Record<LinkHow, string> = { admin: 'admin', login: 'login', sso: 'SSO', code: 'code', one_click: 'one-click' };
