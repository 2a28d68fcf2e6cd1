/**
 * The Silences port over Alertmanager's API v2 (issue 18): one client per source URL and token,
 * its errors mapped to AlertmanagerCallError (retry / permanent) for the use case.
 */
import type { AlertSourceSecretsReader, Silences, SilencesFactory } from '../../application/alert-ports';
import { AlertmanagerCallError } from '../../application/alert-ports';
import type { SilenceMatcher } from '../../domain/alert-incidents';
import type { AlertSource } from '../../domain/alert-sources';
import { AlertmanagerClient, AlertmanagerError } from './client';

class ClientSilences implements Silences {
  constructor(private readonly client: AlertmanagerClient) {}

  create(input: { readonly matchers: readonly SilenceMatcher[]; readonly startsAt: string; readonly endsAt: string; readonly createdBy: string; readonly comment: string }): Promise<string> {
    return mapped(() => this.client.createSilence(input));
  }

  expire(id: string): Promise<'expired' | 'gone'> {
    return mapped(() => this.client.expireSilence(id));
  }
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AlertmanagerError) throw new AlertmanagerCallError(error.kind, error.message, error.status);
    throw error;
  }
}

export class AlertmanagerSilencesFactory implements SilencesFactory {
  private readonly cache = new Map<string, Silences>();

  constructor(
    private readonly secrets: AlertSourceSecretsReader,
    private readonly fetchImpl?: typeof fetch,
  ) {}

  async forSource(source: AlertSource): Promise<Silences | undefined> {
    if (!source.alertmanagerUrl) return undefined;
    const { alertmanagerToken } = await this.secrets.read(source);
    const key = JSON.stringify([source.id, source.alertmanagerUrl, alertmanagerToken ?? '']);
    let silences = this.cache.get(key);
    if (!silences) {
      silences = new ClientSilences(
        new AlertmanagerClient({ baseUrl: source.alertmanagerUrl, ...(alertmanagerToken ? { bearerToken: alertmanagerToken } : {}), ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}) }),
      );
      this.cache.set(key, silences);
    }
    return silences;
  }
}
