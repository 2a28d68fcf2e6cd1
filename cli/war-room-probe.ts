/**
 * The War Room probe of `integrations set ID --war-room on` (shared/application/war-room-admin.ts):
 * asks WeCom for a group chat that cannot exist. WeCom checks the app before the chat, so 86003
 * ("no such chat") means appchat is allowed and 48002 means the app is not a self-built app whose
 * visible range is the root department (DOC-90313 48002 case 7, wecom.md §4.5). Anything else
 * (network, credentials, the trusted-IP list of an admin's machine) is only a warning.
 */
import { randomBytes } from 'node:crypto';
import { WeComClientAppChats } from '../shared/adapters/wecom/appchats';
import { WeComApiError } from '../shared/adapters/wecom/errors';
import type { IntegrationSecretsReader } from '../shared/application/ports';
import { InMemoryAccessTokenStore, TokenProvider } from '../shared/application/token-provider';
import type { WarRoomProbe, WarRoomProbeAnswer } from '../shared/application/war-room-admin';
import type { WeComIntegration } from '../shared/domain/integration';

export class WeComAppChatProbe implements WarRoomProbe {
  private readonly chats: WeComClientAppChats;
  /** One question per integration and run: `integrations set` checks before and while writing. */
  private readonly answers = new Map<string, Promise<WarRoomProbeAnswer>>();

  constructor(secrets: IntegrationSecretsReader) {
    this.chats = new WeComClientAppChats(secrets, new TokenProvider({ store: new InMemoryAccessTokenStore() }));
  }

  weComAppChat(integration: WeComIntegration): Promise<WarRoomProbeAnswer> {
    let answer = this.answers.get(integration.id);
    if (!answer) {
      answer = this.ask(integration);
      this.answers.set(integration.id, answer);
    }
    return answer;
  }

  private async ask(integration: WeComIntegration): Promise<WarRoomProbeAnswer> {
    // chatid: 1-32 of 0-9 a-z A-Z (86001); random, so it names no real chat.
    const chatId = `dbprobe${randomBytes(8).toString('hex')}`;
    try {
      await (await this.chats.forIntegration(integration)).get(chatId);
      return { verdict: 'allowed' };
    } catch (error) {
      if (error instanceof WeComApiError && error.errcode === 48002) return { verdict: 'refused', reason: error.reason };
      // Adapter errors carry no secrets or tokens (shared/adapters/wecom/errors.ts).
      return { verdict: 'unknown', reason: error instanceof WeComApiError ? error.reason : error instanceof Error ? error.message : String(error) };
    }
  }
}
