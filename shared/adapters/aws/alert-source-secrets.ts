/**
 * Alert sources' secrets in Secrets Manager (issue 18): `{ token?, hmacSecret?, alertmanagerToken? }`
 * under `<prefix>sources/<id>` (shared/config/resources.ts alertSourceSecretsPath), a path apart
 * from the integrations' so only the ingest and silence functions can read them. Cached 5 minutes.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import type { AlertSourceSecrets, AlertSourceSecretsReader } from '../../application/alert-ports';
import type { AlertSource } from '../../domain/alert-sources';

const SECRET_CACHE_SECONDS = 300;

export const alertSourceSecretsSchema = z.object({
  token: z.optional(z.string().check(z.minLength(16), z.maxLength(512))),
  hmacSecret: z.optional(z.string().check(z.minLength(16), z.maxLength(512))),
  alertmanagerToken: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

export class AlertSourceSecretsError extends Error {
  override readonly name = 'AlertSourceSecretsError';
}

export class SecretsManagerAlertSourceSecrets implements AlertSourceSecretsReader {
  private readonly provider: SecretsProvider;

  constructor(client: SecretsManagerClient) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async read(source: AlertSource): Promise<AlertSourceSecrets> {
    const value = await this.provider.get(source.secretName, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
    const parsed = alertSourceSecretsSchema.safeParse(value);
    // The value never goes into the message.
    if (!parsed.success) throw new AlertSourceSecretsError(`secret of alert source ${source.id} is not {token?, hmacSecret?, alertmanagerToken?}`);
    return parsed.data;
  }
}
