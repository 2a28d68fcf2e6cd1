/**
 * WeComAppChats: the War Room's group chats on WeCom (appchat, wecom.md §4.5), one WeComClient per
 * integration from WeComClientMessengers' client cache (credentials from Secrets Manager, base URL from the
 * integration, one shared token provider). Failures are the client's classified WeComApiErrors;
 * `get` alone turns "no such chat" into undefined.
 */
import type { IntegrationSecretsReader } from '../../application/ports';
import type { TokenProvider } from '../../application/token-provider';
import type { WeComAppChatInfo, WeComAppChats, WeComAppChatsFactory } from '../../application/war-room-ports';
import type { WeComIntegration } from '../../domain/integration';
import { WeComClient } from './client';
import { WeComApiError } from './errors';
import { WeComClientMessengers } from './messengers';
import type { SuiteCorpTokenSource } from '../../application/suite-tokens';

/** "参数 chatid 不存在" 86003, and the global "chatid不存在" 40050 (DOC-90313). */
const CHAT_NOT_FOUND_ERRCODES = new Set([86003, 40050]);

class ClientAppChats implements WeComAppChats {
  constructor(private readonly client: WeComClient) {}

  create(input: { chatId: string; name: string; owner: string; userIds: readonly string[] }): Promise<{ chatId: string }> {
    return this.client.appChatCreate(input);
  }

  update(input: { chatId: string; addUserIds?: readonly string[]; removeUserIds?: readonly string[]; owner?: string }): Promise<void> {
    return this.client.appChatUpdate(input);
  }

  sendMarkdown(input: { chatId: string; content: string }): Promise<void> {
    return this.client.appChatSendMarkdown(input);
  }

  async get(chatId: string): Promise<WeComAppChatInfo | undefined> {
    try {
      return await this.client.appChatGet(chatId);
    } catch (error) {
      if (error instanceof WeComApiError && error.errcode !== undefined && CHAT_NOT_FOUND_ERRCODES.has(error.errcode)) return undefined;
      throw error;
    }
  }
}

export class WeComClientAppChats implements WeComAppChatsFactory {
  /** The same per-integration client cache as the card messengers (a rotated secret gets a new client). */
  private readonly clients: WeComClientMessengers;

  constructor(secrets: IntegrationSecretsReader, tokens: TokenProvider, suiteCorpTokens?: SuiteCorpTokenSource) {
    this.clients = new WeComClientMessengers(secrets, tokens, suiteCorpTokens);
  }

  async forIntegration(integration: WeComIntegration): Promise<WeComAppChats> {
    return new ClientAppChats(await this.clients.client(integration));
  }
}
