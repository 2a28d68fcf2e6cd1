/** Resolves the integration named in a callback URL, refusing unknown ids and platform mismatches. */
import { NotFoundError } from '../domain/errors';
import { integrationIdSchema, type DingTalkIntegration, type WeComIntegration } from '../domain/integration';
import type { IntegrationRepository } from './ports';

export class UnknownIntegrationError extends NotFoundError {
  constructor(id: string) {
    super('unknown_integration', `no ${'integration'} with id ${JSON.stringify(id.slice(0, 64))}`);
    this.name = 'UnknownIntegrationError';
  }
}

export async function findWeComIntegration(repo: IntegrationRepository, id: string): Promise<WeComIntegration> {
  const integration = integrationIdSchema.safeParse(id).success ? await repo.get(id) : undefined;
  if (!integration || integration.platform !== 'wecom') throw new UnknownIntegrationError(id);
  return integration;
}

export async function findDingTalkIntegration(repo: IntegrationRepository, id: string): Promise<DingTalkIntegration> {
  const integration = integrationIdSchema.safeParse(id).success ? await repo.get(id) : undefined;
  if (!integration || integration.platform !== 'dingtalk') throw new UnknownIntegrationError(id);
  return integration;
}

/** Caches crypto objects per integration and secret value, so warm calls skip key derivation. */
export class PerKeyCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly maxEntries = 256) {}
  get(key: string, create: () => T): T {
    let value = this.entries.get(key);
    if (value === undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      value = create();
      this.entries.set(key, value);
    }
    return value;
  }
}
