/** `dutybridge links set|list|remove`: member email ↔ platform userid, per integration. */
import type { LinkStore } from '../shared/application/ports';
import type { IntegrationRepository } from '../shared/application/ports';
import { CliUsageError } from './target';

export async function linksCommand(
  action: string,
  values: { integration?: string; email?: string; 'user-id'?: string; json?: boolean },
  deps: { links: LinkStore; integrations: IntegrationRepository },
  print: (json: boolean, value: unknown, text: string) => void,
): Promise<number> {
  const integrationId = values.integration;
  if (!integrationId) throw new CliUsageError(`links ${action} needs --integration ID`);
  if (!(await deps.integrations.get(integrationId))) throw new CliUsageError(`no integration ${integrationId}`);
  const json = values.json === true;
  switch (action) {
    case 'set': {
      const email = values.email?.trim().toLowerCase();
      const userId = values['user-id']?.trim();
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new CliUsageError('links set needs --email ADDRESS');
      if (!userId || !/^[A-Za-z0-9_.@-]{1,64}$/.test(userId)) throw new CliUsageError('links set needs --user-id USERID (1-64 letters, digits, _ . @ -)');
      const link = { integrationId, email, userId, linkedAt: Date.now() };
      await deps.links.set(link);
      print(json, link, `linked ${email} -> ${userId} in ${integrationId}`);
      return 0;
    }
    case 'list': {
      const links = await deps.links.list(integrationId);
      print(json, links, links.length ? ['EMAIL\tUSERID', ...links.map((l) => `${l.email}\t${l.userId}`)].join('\n') : `no links in ${integrationId}`);
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
