/**
 * WeComAppChats: the War Room's group chats on WeCom (appchat, wecom.md §4.5), one WeComClient per
 * integration built like WeComClientMessengers (credentials from Secrets Manager, base URL from the
 * integration, one shared token provider). Failures are the client's classified WeComApiErrors;
 * `get` alone turns "no such chat" into undefined.
 */
import type { IntegrationSecretsReader } from '../../application/ports';
import type { TokenProvider } from '../../application/token-provider';
import type { WeComAppChatInfo, WeComAppChats, WeComAppChatsFactory } from '../../application/war-room-ports';
import type { WeComIntegration } from '../../domain/integration';
import { WeComClient } from './client';
import { WeComApiError } from './errors';

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
  private readonly clients = new Map<string, WeComAppChats>();

  constructor(
    private readonly secrets: IntegrationSecretsReader,
    private readonly tokens: TokenProvider,
  ) {}

  async forIntegration(integration: WeComIntegration): Promise<WeComAppChats> {
    const secrets = await this.secrets.weCom(integration);
    const { apiBase, corpId, agentId } = integration.settings;
    // A rotated secret or a moved API base gets a new client (same key as WeComClientMessengers).
    const key = `${integration.id}\u0000${apiBase}\u0000${corpId}\u0000${agentId}\u0000${secrets.secret}`;
    let chats = this.clients.get(key);
    if (!chats) {
      const client = new WeComClient({ corpId, agentId, secret: secrets.secret, apiBase }, { tokens: this.tokens, timeoutMs: Number(process.env.WECOM_TIMEOUT_MS ?? 5000) });
      chats = new ClientAppChats(client);
      this.clients.set(key, chats);
    }
    return chats;
  }
}
