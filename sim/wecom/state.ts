import { RenderedCard, SimUser } from '../core/contract';
import { CardType } from './template-card';

export interface WeComRobot {
  /** Webhook key (`webhook/send?key=`), the robot's only credential (DOC-99110). */
  readonly key: string;
  readonly name: string;
  /** Group conversation the robot posts into. */
  readonly chatId: string;
}

export interface WeComCorpConfig {
  readonly corpId: string;
  readonly agentId: number;
  readonly secret: string;
  readonly token: string;
  readonly encodingAesKey: string;
  readonly callbackUrl?: string;
  readonly appName: string;
  /** access_token lifetime; WeCom normally answers expires_in 7200 (DOC-91039). */
  readonly tokenTtlSeconds: number;
  /** 企业可信IP: when set, token-bearing calls from other addresses get 60020. */
  readonly trustedIps?: readonly string[];
  /** 可信域名 (host[:port]) for OAuth redirect_uri; exact match incl. port (DOC-91335), else 50001. */
  readonly trustedDomain?: string;
  readonly robots: readonly WeComRobot[];
}

export interface AccessTokenState {
  readonly corpId: string;
  readonly agentId: number;
  readonly expiresAt: number;
  revoked?: 'invalid' | 'expired';
}

export interface CardTask {
  readonly corpId: string;
  readonly agentId: number;
  readonly taskId: string;
  readonly cardType: CardType;
  readonly recipients: Set<string>;
  /** What each recipient currently sees (updates can target single users). */
  readonly cardByUser: Map<string, RenderedCard>;
  readonly defaultSelections: readonly { questionKey: string; optionIds: string[] }[];
}

export interface ResponseCodeState {
  readonly corpId: string;
  readonly agentId: number;
  readonly taskId: string;
  readonly expiresAt: number;
  used: boolean;
}

export interface AppChat {
  readonly chatId: string;
  readonly corpId: string;
  readonly agentId: number;
  name: string;
  owner: string;
  members: string[];
}

export interface OAuthCodeState {
  readonly corpId: string;
  readonly userId: string;
  readonly expiresAt: number;
  used: boolean;
}

export function findUser(users: readonly SimUser[], userId: string): SimUser | undefined {
  // WeCom userids are case-insensitive and come back lower-cased (wecom.md §8.9).
  const wanted = userId.toLowerCase();
  return users.find((u) => u.userId.toLowerCase() === wanted);
}
