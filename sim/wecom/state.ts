import { RenderedCard, SimUser } from '../core/contract';
import { CardType } from './template-card';

export interface WeComRobot {
  /** Webhook key (`webhook/send?key=`), the robot's only credential (DOC-99110). */
  readonly key: string;
  readonly name: string;
  /** Group conversation the robot posts into. */
  readonly chatId: string;
}

/**
 * What WeCom answers when an app sends a template_card with a task_id it used before. DOC-90236 /
 * DOC-94888 only say "同一个应用任务id不能重复" (task ids must not repeat) and DOC-90313 lists 42014
 * "卡片消息的task_id不合法" (invalid task_id); neither says whether a reuse is refused or absorbed.
 * The simulator plays either reading:
 * - `reject` (default): errcode 42014, nothing delivered;
 * - `accept`: errcode 0 with a fresh msgid (and response_code), nothing delivered a second time.
 * A third reading, "delivered again", is not played: two cards under one task_id would share one
 * task for clicks and updates, which the uniqueness rule exists to prevent.
 */
export type TaskIdReuse = 'reject' | 'accept';
export const taskIdReuseReadings: readonly TaskIdReuse[] = ['reject', 'accept'];

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
  /** How a reused task_id is answered (see TaskIdReuse). */
  readonly taskIdReuse: TaskIdReuse;
  /** Set when the corp is a customer that authorized a service provider's app (suite.ts); absent for self-built apps. */
  readonly thirdParty?: ThirdPartyAppInfo;
  /** The customer removed the app (cancel_auth): its tokens are dead and nobody can click its cards. */
  readonly retired?: boolean;
}

/**
 * What makes a corp registered by the suite simulator different from a self-built app's corp.
 * The corp id is the one the app sees: encrypted for corps new to the provider, plain for
 * historical ones (DOC-96516).
 */
export interface ThirdPartyAppInfo {
  readonly suiteId: string;
  readonly providerCorpId: string;
  /** 代开发: the corp token comes from gettoken with permanent_code as corpsecret (DOC-97164). */
  readonly developerHosted: boolean;
  /** Encrypted ids are case-sensitive, plain ones are not (DOC-96516). */
  readonly encryptedIds: boolean;
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
  /** What the app posted (appchat/send), oldest first. */
  readonly messages: { msgtype: string; content: string; at: number }[];
}

export interface OAuthCodeState {
  readonly corpId: string;
  readonly userId: string;
  readonly expiresAt: number;
  used: boolean;
}

export function findUser(users: readonly SimUser[], userId: string, caseSensitive = false): SimUser | undefined {
  // Encrypted ids (third-party apps, corps new to the provider) are case-sensitive (DOC-96516).
  if (caseSensitive) return users.find((u) => u.userId === userId);
  // WeCom userids are case-insensitive and come back lower-cased (wecom.md §8.9).
  const wanted = userId.toLowerCase();
  return users.find((u) => u.userId.toLowerCase() === wanted);
}
