/**
 * Group bots' secrets in Secrets Manager: `{ webhookUrl, signSecret? }` under
 * `<prefix>integrations/<platform>/<integrationId>/bots/<name>`, inside the path IAM grants each
 * function by platform (shared/config/resources.ts integrationSecretsPath). The WeCom webhook URL's
 * `key` and the DingTalk access_token are credentials: never logged, shown masked.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BotSecretsReader } from '../../application/group-bots';
import { botSecretsSchema, type BotSecrets, type GroupBot } from '../../domain/group-bot';

const SECRET_CACHE_SECONDS = 300;

export function botSecretName(prefix: string, platform: 'wecom' | 'dingtalk', integrationId: string, name: string): string {
  return `${prefix}integrations/${platform}/${integrationId}/bots/${name}`;
}

export class BotSecretsError extends Error {
  override readonly name = 'BotSecretsError';
}

export class SecretsManagerBotSecrets implements BotSecretsReader {
  private readonly provider: SecretsProvider;

  constructor(client: SecretsManagerClient) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async read(bot: GroupBot): Promise<BotSecrets> {
    const value = await this.provider.get(bot.secretName, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
    const parsed = botSecretsSchema.safeParse(value);
    if (!parsed.success) throw new BotSecretsError(`the secret of bot ${bot.name} (${bot.integrationId}) is missing or not a bot secret; run \`dutybridge bots add … --replace\``);
    return parsed.data;
  }
}
