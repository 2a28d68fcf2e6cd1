/**
 * `dutybridge links set|list|remove`: member email ↔ platform userid, per integration.
 * `links list` is the Linked Users view (issue 11 item 4): every member of the directory with its
 * link (or none), and links whose email is no member; `links auto` is One-Click Link (cli/links-auto.ts).
 */
import type { IntegrationRepository, LinkStore, Member } from '../shared/application/ports';
import { filterLinkedUsers, HOW_WORDS, joinLinkedUsers, type LinkedUserRow } from '../shared/domain/linked-users';
import { formatTable } from './table';
import { CliUsageError } from './target';

export interface LinksValues {
  integration?: string;
  email?: string;
  'user-id'?: string;
  json?: boolean;
  linked?: boolean;
  unlinked?: boolean;
  search?: string;
}

export async function linksCommand(
  action: string,
  values: LinksValues,
  deps: { links: LinkStore; integrations: IntegrationRepository; members: { list(): Promise<Member[]> } },
  print: (json: boolean, value: unknown, text: string) => void,
): Promise<number> {
  const integrationId = values.integration;
  if (!integrationId) throw new CliUsageError(`links ${action} needs --integration ID`);
  if (action !== 'list' && (values.linked || values.unlinked || values.search !== undefined)) throw new CliUsageError(`--linked, --unlinked and --search go with links list`);
  if (values.linked && values.unlinked) throw new CliUsageError('links list takes --linked or --unlinked, not both');
  if (!(await deps.integrations.get(integrationId))) throw new CliUsageError(`no integration ${integrationId}`);
  const json = values.json === true;
  switch (action) {
    case 'set': {
      const email = values.email?.trim().toLowerCase();
      const userId = values['user-id']?.trim();
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new CliUsageError('links set needs --email ADDRESS');
      if (!userId || !/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw new CliUsageError('links set needs --user-id USERID (1-64 letters, digits, _ . @ -)');
      const link = { integrationId, email, userId, linkedAt: Date.now(), method: 'admin' as const };
      await deps.links.set(link);
      print(json, link, `linked ${email} -> ${userId} in ${integrationId}`);
      return 0;
    }
    case 'list': {
      const [members, links] = await Promise.all([deps.members.list(), deps.links.list(integrationId)]);
      const all = joinLinkedUsers(members, links);
      const rows = filterLinkedUsers(all, values);
      const filtered = values.linked || values.unlinked || values.search !== undefined;
      print(json, rows.map(publicRow), rows.length ? linkedUsersTable(rows, all, integrationId) : filtered ? `nobody in ${integrationId} matches` : `no members and no links in ${integrationId}`);
      return 0;
    }
    case 'remove': {
      if (!values.email) throw new CliUsageError('links remove needs --email ADDRESS');
      const removed = await deps.links.remove(integrationId, values.email);
      print(json, { removed }, removed ? `unlinked ${values.email}` : `no link for ${values.email}`);
      return removed ? 0 : 1;
    }
  }
  throw new CliUsageError(`unknown command: links ${action}`);
}

/** The row as --json gives it: the masked mobile only (the digits kept for --search stay inside). */
function publicRow(row: LinkedUserRow): Omit<LinkedUserRow, 'mobileDigits'> {
  const { mobileDigits: _digits, ...rest } = row;
  return rest;
}

function linkedUsersTable(rows: readonly LinkedUserRow[], all: readonly LinkedUserRow[], integrationId: string): string {
  const table = formatTable(
    ['NAME', 'EMAIL', 'MOBILE', 'USERID', 'LINKED AT (UTC)', 'HOW'],
    rows.map((r) => [r.member ? r.name || '-' : '(not a member)', r.email, r.mobile || '-', r.userId ?? '-', r.linkedAt ?? '-', r.how ? HOW_WORDS[r.how] : '-']),
  );
  const linked = all.filter((r) => r.userId !== undefined && r.member).length;
  const members = all.filter((r) => r.member).length;
  return `${table}\n${rows.length} shown; ${linked} of ${members} members linked in ${integrationId}`;
}
