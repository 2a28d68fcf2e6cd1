/**
 * Suite secrets in Secrets Manager (issue 16), below the deployment's prefix:
 * - `suites/<suiteId>`: SuiteSecret, Token, EncodingAESKey and the optional ProviderSecret (the CLI writes it);
 * - `suites/<suiteId>/corps/<corpId>`: one authorized corp's permanent code as `secret`, with the
 *   suite's Token and EncodingAESKey, so the corp's integration reads it like a self-built app's
 *   secret (weComSecretsSchema). The auth worker writes it; fields an operator added (linking,
 *   model keys) are kept.
 * Reads go through Powertools Parameters with a cache, like the integration secrets.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SuiteSecretsStore } from '../../application/suite-ports';
import { suiteSecretsSchema, type SuiteRecord, type SuiteSecrets } from '../../domain/wecom-suite';
import { suiteSecretsPath } from '../../config/resources';
import { IntegrationSecretsError, writeIntegrationSecret, type SecretWriteOptions } from './secrets';

const SECRET_CACHE_SECONDS = 300;

export function suiteSecretName(prefix: string, suiteId: string): string {
  return `${prefix}${suiteSecretsPath()}${suiteId}`;
}

export class SecretsManagerSuiteSecrets implements SuiteSecretsStore {
  private readonly provider: SecretsProvider;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly writeOptions: SecretWriteOptions = {},
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async read(suite: SuiteRecord): Promise<SuiteSecrets> {
    const value = await this.provider.get(suite.secretName, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
    const parsed = suiteSecretsSchema.safeParse(value);
    if (!parsed.success) throw new IntegrationSecretsError(`secret of suite ${suite.suiteId} is missing or not a valid suite secret`);
    return parsed.data;
  }

  corpSecretName(suiteId: string, corpId: string): string {
    return `${suiteSecretName(this.prefix, suiteId)}/corps/${corpId}`;
  }

  async readCorpPermanentCode(name: string): Promise<string> {
    // Past the cache: a 代开发 secret reset rewrites it, and the worker reads it rarely.
    const value = (await this.provider.get(name, { transform: 'json', forceFetch: true })) as { secret?: unknown } | undefined;
    if (typeof value?.secret !== 'string' || value.secret.length === 0) throw new IntegrationSecretsError(`corp secret ${name} is missing or has no permanent code`);
    return value.secret;
  }

  async writeCorpSecret(name: string, value: { secret: string; token: string; encodingAesKey: string }): Promise<void> {
    let existing: Record<string, unknown> = {};
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (out.SecretString) existing = JSON.parse(out.SecretString) as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) throw e;
    }
    await writeIntegrationSecret(this.client, name, { ...existing, ...value }, this.writeOptions);
  }
}
