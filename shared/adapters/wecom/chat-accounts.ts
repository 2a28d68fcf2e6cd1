/**
 * WeCom side of account linking: the OAuth2 code → userid (auth/getuserinfo, wecom.md §4.7) and
 * the member's mobile/email (user/get; empty when the app may not read them). Errcodes classified:
 * 40029 invalid/used/expired code, 50001 redirect domain not trusted; an openid is a non-member.
 */
import { ChatCodeRejectedError, type ChatContact } from '../../application/account-linking-ports';
import type { WeComIntegration } from '../../domain/integration';
import { WeComApiError, WeComRetryableError } from './errors';
import type { WeComClientMessengers } from './messengers';
import type { WeComClient } from './client';

export class WeComChatAccounts {
  constructor(private readonly clients: Pick<WeComClientMessengers, 'forIntegration'>) {}

  private async client(integration: WeComIntegration): Promise<WeComClient> {
    return (await this.clients.forIntegration(integration)) as WeComClient;
  }

  async userIdFromCode(integration: WeComIntegration, code: string): Promise<string> {
    let identity;
    try {
      identity = await (await this.client(integration)).authGetUserInfo(code);
    } catch (error) {
      if (error instanceof WeComApiError && error.errcode === 40029) throw new ChatCodeRejectedError('invalid_code', error.message, 40029);
      if (error instanceof WeComApiError && error.errcode === 50001) throw new ChatCodeRejectedError('redirect_domain', error.message, 50001);
      if (error instanceof WeComRetryableError || error instanceof WeComApiError) throw new ChatCodeRejectedError('unavailable', error.message, error.errcode);
      throw error;
    }
    if ('openId' in identity) throw new ChatCodeRejectedError('not_member', 'auth/getuserinfo answered an openid: the person is not a member of the corp');
    return identity.userId;
  }

  async contact(integration: WeComIntegration, userId: string): Promise<ChatContact> {
    const user = await (await this.client(integration)).getUser(userId);
    return { ...(user?.mobile ? { mobile: user.mobile } : {}), ...(user?.email ? { email: user.email } : {}) };
  }
}
