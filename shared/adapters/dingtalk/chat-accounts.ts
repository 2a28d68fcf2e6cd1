/**
 * DingTalk side of account linking (dingtalk.md §4.6), called directly (login-free and contacts
 * APIs are not metered, shared/domain/rate-limit.ts): the in-client auth code →
 * topapi/v2/user/getuserinfo; the browser OAuth code → userAccessToken → users/me →
 * topapi/user/getbyunionid; contacts through topapi/v2/user/get.
 */
import { ChatCodeRejectedError, type ChatContact } from '../../application/account-linking-ports';
import type { DingTalkIntegration } from '../../domain/integration';
import type { DingTalkClient } from './client';
import { DingTalkApiError, DingTalkPermanentError } from './errors';

export class DingTalkChatAccounts {
  constructor(private readonly clients: { forIntegration(integration: DingTalkIntegration): Promise<DingTalkClient> }) {}

  async userIdFromCode(integration: DingTalkIntegration, via: 'dingtalk_client' | 'dingtalk_browser', code: string): Promise<string> {
    const client = await this.clients.forIntegration(integration);
    try {
      if (via === 'dingtalk_client') return (await client.getUserInfoByCode(code)).userId;
      const me = await client.usersMe(await client.userAccessToken(code));
      const userId = await client.getByUnionId(me.unionId);
      if (!userId) throw new ChatCodeRejectedError('not_member', 'the DingTalk account is not in this organisation (getbyunionid 60121)', 60121);
      return userId;
    } catch (error) {
      if (error instanceof ChatCodeRejectedError) throw error;
      // A refused code: 40078 (in-client) or a 4xx of userAccessToken (browser).
      if (error instanceof DingTalkPermanentError) throw new ChatCodeRejectedError('invalid_code', error.message, error.code);
      if (error instanceof DingTalkApiError) throw new ChatCodeRejectedError('unavailable', error.message, error.code);
      throw error;
    }
  }

  async contact(integration: DingTalkIntegration, userId: string): Promise<ChatContact> {
    const user = await (await this.clients.forIntegration(integration)).getUser(userId);
    return { ...(user?.mobile ? { mobile: user.mobile } : {}), ...(user?.email ? { email: user.email } : {}) };
  }
}
