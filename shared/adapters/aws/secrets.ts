/**
 * Integration secrets in Secrets Manager, one JSON secret per integration. Reads go through
 * Powertools Parameters with a cache, so a warm invocation makes no Secrets Manager call.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  RestoreSecretCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  dingTalkSecretsSchema,
  weComSecretsSchema,
  type DingTalkSecrets,
  type Integration,
  type WeComSecrets,
} from '../../domain/integration';
import type { IntegrationSecretsReader } from '../../application/ports';

/** Seconds a secret stays cached in a warm function; rotation takes effect within this time. */
const SECRET_CACHE_SECONDS = 300;

export class IntegrationSecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrationSecretsError';
  }
}

export class SecretsManagerIntegrationSecrets implements IntegrationSecretsReader {
  private readonly provider: SecretsProvider;

  constructor(client: SecretsManagerClient) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  private async read(integration: Integration, fresh = false): Promise<unknown> {
    const value = await this.provider.get(integration.secretName, { transform: 'json', maxAge: SECRET_CACHE_SECONDS, forceFetch: fresh });
    if (value === undefined) throw new IntegrationSecretsError(`secret for integration ${integration.id} is missing`);
    return value;
  }

  async weCom(integration: Integration, options: { fresh?: boolean } = {}): Promise<WeComSecrets> {
    const parsed = weComSecretsSchema.safeParse(await this.read(integration, options.fresh === true));
    if (!parsed.success) throw new IntegrationSecretsError(`secret for integration ${integration.id} is not a valid WeCom secret`);
    return parsed.data;
  }

  async dingTalk(integration: Integration): Promise<DingTalkSecrets> {
    const parsed = dingTalkSecretsSchema.safeParse(await this.read(integration));
    if (!parsed.success) throw new IntegrationSecretsError(`secret for integration ${integration.id} is not a valid DingTalk secret`);
    return parsed.data;
  }
}

/** Days a removed integration's secret can still be restored (Secrets Manager allows 7–30). */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

export interface SecretWriteOptions {
  /**
   * KMS key new secrets are encrypted with (the deployed stack's `SecretsKeyArn` output).
   * Existing secrets keep their key.
   * @default - the account's AWS managed key for Secrets Manager
   */
  readonly kmsKeyId?: string;
}

/** Administrative writes used by the CLI. */
export async function writeIntegrationSecret(client: SecretsManagerClient, name: string, value: object, options: SecretWriteOptions = {}): Promise<void> {
  const SecretString = JSON.stringify(value);
  try {
    await client.send(new CreateSecretCommand({ Name: name, SecretString, Description: 'dutybridge integration secrets', KmsKeyId: options.kmsKeyId }));
  } catch (e) {
    // A secret of that name removed within its recovery window is brought back, then overwritten.
    if (e instanceof InvalidRequestException && /scheduled for deletion/i.test(e.message)) {
      await client.send(new RestoreSecretCommand({ SecretId: name }));
    } else if (!(e instanceof ResourceExistsException)) {
      throw e;
    }
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
  }
}

/** Schedules the secret's deletion with a recovery window: a mistaken removal can be undone (RestoreSecret). */
export async function deleteIntegrationSecret(client: SecretsManagerClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS }));
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
}

/** Secrets Manager refused a read because the caller may not use the secret's KMS key (or the secret). */
function isKeyAccessDenied(e: unknown): boolean {
  const name = (e as { name?: string } | undefined)?.name ?? '';
  return name === 'AccessDeniedException' || (name === 'DecryptionFailure' && /kms|access/i.test(String((e as Error).message)));
}

/** SecretWriter for the CLI and the demo seed. */
export function secretsManagerWriter(client: SecretsManagerClient, options: SecretWriteOptions = {}) {
  return {
    write: (name: string, value: object) => writeIntegrationSecret(client, name, value, options),
    delete: (name: string) => deleteIntegrationSecret(client, name),
    async read(name: string): Promise<Record<string, string> | undefined> {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
        return out.SecretString ? (JSON.parse(out.SecretString) as Record<string, string>) : undefined;
      } catch (e) {
        if (e instanceof ResourceNotFoundException) return undefined;
        if (isKeyAccessDenied(e)) {
          throw new IntegrationSecretsError(
            `cannot read secret ${name}: ${(e as Error).message}. On a deployed stack only the function roles and the ` +
              'principals deployed in -c secretReaderArns=… may decrypt integration secrets (README, Deploy).',
          );
        }
        throw e;
      }
    },
  };
}
