/**
 * The chat model of each integration (issue 15): settings.ai gives the endpoint and model, the
 * integration's secret gives `modelApiKey`. A model with no key is treated as off (and said so in
 * the log by the caller's fallback), never called without credentials. Clients are cached per
 * integration and settings so a warm Lambda does not read the secret for each answer; a changed
 * key or endpoint makes a new one.
 */
import type { IntegrationSecretsReader } from '../../application/ports';
import type { ChatModel, ChatModels } from '../../application/smart-bot-ports';
import type { Integration } from '../../domain/integration';
import { enabledAi } from '../../domain/smart-bot-settings';
import { OpenAiChatModel } from './openai-chat';

export interface IntegrationChatModelsOptions {
  readonly secrets: IntegrationSecretsReader;
  readonly fetch?: typeof fetch;
}

export class IntegrationChatModels implements ChatModels {
  private readonly cache = new Map<string, { readonly fingerprint: string; readonly model: ChatModel }>();

  constructor(private readonly options: IntegrationChatModelsOptions) {}

  async forIntegration(integration: Integration): Promise<ChatModel | undefined> {
    const ai = enabledAi(integration);
    if (!ai) return undefined;
    const secrets = integration.platform === 'wecom' ? await this.options.secrets.weCom(integration) : await this.options.secrets.dingTalk(integration);
    const apiKey = secrets.modelApiKey;
    if (!apiKey) return undefined;
    const fingerprint = JSON.stringify([ai.baseUrl, ai.model, apiKey]);
    const cached = this.cache.get(integration.id);
    if (cached?.fingerprint === fingerprint) return cached.model;
    const model = new OpenAiChatModel({ baseUrl: ai.baseUrl, model: ai.model, apiKey, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
    this.cache.set(integration.id, { fingerprint, model });
    return model;
  }
}
