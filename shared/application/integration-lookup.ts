/**
 * Resolves the integration named in a callback URL. Unknown ids and ids of the other platform get
 * the same 401 as a bad signature (callback-auth.ts), without echoing the id.
 */
import { integrationIdSchema, type DingTalkIntegration, type WeComIntegration } from '../domain/integration';
import { NotAuthenticatedError } from './callback-auth';
import type { IntegrationRepository } from './ports';

export class UnknownIntegrationError extends NotAuthenticatedError {
  constructor() {
    super();
    this.name = 'UnknownIntegrationError';
  }
}

export async function findWeComIntegration(repo: IntegrationRepository, id: string): Promise<WeComIntegration> {
  const integration = integrationIdSchema.safeParse(id).success ? await repo.get(id) : undefined;
  if (!integration || integration.platform !== 'wecom') throw new UnknownIntegrationError();
  return integration;
}

export async function findDingTalkIntegration(repo: IntegrationRepository, id: string): Promise<DingTalkIntegration> {
  const integration = integrationIdSchema.safeParse(id).success ? await repo.get(id) : undefined;
  if (!integration || integration.platform !== 'dingtalk') throw new UnknownIntegrationError();
  return integration;
}

/** Caches crypto objects per integration and secret value, so warm calls skip key derivation. */
export class PerKeyCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly maxEntries = 256) {}
  get(key: string, create: () => T): T {
    let value = this.entries.get(key);
    if (value === undefined) {
      // Evict the oldest entry, not all of them. Entries are only made for integrations that exist
      // (after the lookup), so unknown ids cannot push real ones out.
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      value = create();
      this.entries.set(key, value);
    }
    return value;
  }
}
