/**
 * The WeCom app group chats (appchat) of the simulator: create, update, get and send, as the
 * official pages state them (DOC-90245 create, DOC-98913 update, DOC-98914 get, DOC-90248 send;
 * errcode names from DOC-90313). Requests are checked against request-schemas.ts first, then:
 *
 * - "只允许企业自建应用调用，且应用的可见范围必须是根部门" (every page): a per-corp switch plays an
 *   app whose visible range is not the root department; every appchat call then answers 48002
 *   (DOC-90313 48002 case 7);
 * - "chatid所代表的群必须是该应用所创建" (DOC-98913/98914/90248): another app's chat → 86008;
 * - "每企业创建群数不可超过1000/天" (DOC-90245) and "每企业变更群的次数不可超过1000次/小时"
 *   (DOC-98913), counted per corp on the simulated clock (a natural day in China time, "按天拦截则
 *   被屏蔽一天（自然天）", P-90454). The errcode of the excess is not documented: UNCONFIRMED, 45009
 *   "接口调用超过限制" (DOC-90313) is played. A control route lowers both limits for tests.
 *
 * Each chat is a conversation `appchat:<chatid>` in the simulator view: a notice when it is created
 * or changed (name, owner, members), then the messages the app posts.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { WeComApiError } from './errors';
import { contractViolation, weComRequestContracts } from './request-schemas';
import { AppChat, WeComCorpConfig, findUser } from './state';

const HOUR_MS = 3600_000;
/** DOC-90245 / DOC-98913. */
export const APPCHAT_CREATES_PER_DAY = 1000;
export const APPCHAT_CHANGES_PER_HOUR = 1000;
const NAME_MAX_CHARS = 50;
const MAX_MEMBERS = 2000;
/** China Standard Time (UTC+8, no daylight saving): where WeCom's natural day starts. */
const CHINA_OFFSET_MS = 8 * HOUR_MS;

type Json = Record<string, unknown>;

export type AppChatVisibleRange = 'root' | 'not-root';

interface CorpAppChatSettings {
  visibleRange: AppChatVisibleRange;
  createsPerDay: number;
  changesPerHour: number;
}

export interface AppChatHandled {
  readonly endpoint: string;
  readonly body: Json;
  readonly reason?: string;
}

/** The answer a test or the view reads from `GET /_sim/wecom/appchats?corpId=`. */
export interface AppChatSnapshot {
  readonly chatId: string;
  readonly agentId: number;
  readonly name: string;
  readonly owner: string;
  readonly members: readonly string[];
  readonly messages: readonly { msgtype: string; content: string; at: number }[];
}

function conformBody(endpoint: 'appchat/create' | 'appchat/update' | 'appchat/send', body: unknown): void {
  const contract = weComRequestContracts[endpoint];
  const violation = contractViolation(contract.body, body, 'body');
  if (violation) throw new WeComApiError(violation.errcode, `${violation.problems.join('; ')} (contract: ${contract.doc})`);
}

/** "最多50个utf8字符，超过将截断" (DOC-90245 / 98913): cut, not refused. */
function cutName(name: string): string {
  return [...name].slice(0, NAME_MAX_CHARS).join('');
}

function chinaDay(nowMs: number): number {
  return Math.floor((nowMs + CHINA_OFFSET_MS) / (24 * HOUR_MS));
}

export class WeComAppChatSim {
  /** By `${corpId}/${chatId}`: chatids are unique within a corp. */
  private readonly chats = new Map<string, AppChat>();
  private readonly settings = new Map<string, CorpAppChatSettings>();
  /** Creations per corp and China day: `${corpId}/${day}` → count. */
  private readonly creations = new Map<string, number>();
  /** Change times per corp (sliding hour). */
  private readonly changes = new Map<string, number[]>();

  reset(): void {
    this.chats.clear();
    this.settings.clear();
    this.creations.clear();
    this.changes.clear();
  }

  private settingsOf(corpId: string): CorpAppChatSettings {
    let settings = this.settings.get(corpId);
    if (!settings) {
      settings = { visibleRange: 'root', createsPerDay: APPCHAT_CREATES_PER_DAY, changesPerHour: APPCHAT_CHANGES_PER_HOUR };
      this.settings.set(corpId, settings);
    }
    return settings;
  }

  /** Test switch: an app whose visible range is not the root department (every appchat call → 48002). */
  setVisibleRange(corpId: string, range: AppChatVisibleRange): void {
    if (range !== 'root' && range !== 'not-root') throw new RangeError('visibleRange must be root or not-root');
    this.settingsOf(corpId).visibleRange = range;
  }

  /** Test switch: lower (or restore) the per-corp limits; the real ones are 1000/day and 1000/hour. */
  setLimits(corpId: string, limits: { createsPerDay?: number; changesPerHour?: number }): void {
    for (const [field, value] of Object.entries(limits)) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new RangeError(`${field} must be a non-negative integer`);
    }
    const settings = this.settingsOf(corpId);
    if (limits.createsPerDay !== undefined) settings.createsPerDay = limits.createsPerDay;
    if (limits.changesPerHour !== undefined) settings.changesPerHour = limits.changesPerHour;
  }

  snapshot(corpId: string, nowMs: number): { corpId: string; visibleRange: AppChatVisibleRange; createsPerDay: number; changesPerHour: number; createdToday: number; appchats: AppChatSnapshot[] } {
    const settings = this.settingsOf(corpId);
    const appchats = [...this.chats.values()]
      .filter((chat) => chat.corpId === corpId)
      .map((chat) => ({ chatId: chat.chatId, agentId: chat.agentId, name: chat.name, owner: chat.owner, members: [...chat.members], messages: chat.messages.map((m) => ({ ...m })) }));
    return { corpId, ...settings, createdToday: this.creations.get(`${corpId}/${chinaDay(nowMs)}`) ?? 0, appchats };
  }

  /** Every appchat call first: the app must be self-built with the root department as visible range. */
  checkAccess(corp: WeComCorpConfig): void {
    if (this.settingsOf(corp.corpId).visibleRange !== 'root') {
      throw new WeComApiError(48002, "appchat: the app's visible range is not the root department (DOC-90313 48002: 应用群聊会话接口，仅支持自建应用调用，且自建应用的可见范围需要设置为根部门)");
    }
  }

  // ------------------------------------------------------------------------------ create

  create(corp: WeComCorpConfig, body: Json, ctx: SimContext): AppChatHandled {
    conformBody('appchat/create', body);
    const users = ctx.users(corp.corpId);
    const members: string[] = [];
    const unknown: string[] = [];
    for (const id of body.userlist as string[]) {
      const user = findUser(users, id);
      if (!user) unknown.push(id);
      else if (!members.includes(user.userId)) members.push(user.userId);
    }
    // 86216: "添加会话成员时，指定的成员ID不存在通讯录" (DOC-90313).
    if (unknown.length > 0) throw new WeComApiError(86216, `userlist has userids not in the address book: ${unknown.join(', ')}`);
    // The schema counted the list as sent; duplicates (case-insensitive) count once (CHOICE).
    if (members.length < 2) throw new WeComApiError(86006, `userlist has ${members.length} distinct member(s), needs 2..${MAX_MEMBERS}`);
    let owner: string;
    if (typeof body.owner === 'string') {
      const user = findUser(users, body.owner);
      if (!user || !members.includes(user.userId)) throw new WeComApiError(86207, `owner ${body.owner} is not in userlist`);
      owner = user.userId;
    } else {
      // "如果不指定，系统会随机从userlist中选一人作为群主" (DOC-90245).
      owner = members[randomInt(members.length)]!;
    }
    const requestedId = body.chatid as string | undefined;
    if (requestedId !== undefined && this.chats.has(`${corp.corpId}/${requestedId}`)) {
      throw new WeComApiError(86215, `chatid ${requestedId} already exists ("不能与已有的群重复", DOC-90245)`);
    }
    const settings = this.settingsOf(corp.corpId);
    const dayKey = `${corp.corpId}/${chinaDay(ctx.clock.now())}`;
    const createdToday = this.creations.get(dayKey) ?? 0;
    if (createdToday >= settings.createsPerDay) {
      throw new WeComApiError(45009, `corp ${corp.corpId} created ${createdToday} group chats today, limit ${settings.createsPerDay}/day (DOC-90245; errcode UNCONFIRMED)`);
    }
    // "如果不填，系统会随机生成群id" (DOC-90245).
    const chatId = requestedId ?? randomBytes(16).toString('hex');
    const sentName = typeof body.name === 'string' ? body.name : undefined;
    // CHOICE: DOC-90245 does not say what a chat without a name is called; the first members' ids.
    const name = sentName !== undefined ? cutName(sentName) : members.slice(0, 3).join('、');
    const chat: AppChat = { chatId, corpId: corp.corpId, agentId: corp.agentId, name, owner, members, messages: [] };
    this.chats.set(`${corp.corpId}/${chatId}`, chat);
    this.creations.set(dayKey, createdToday + 1);
    this.notice(chat, `${corp.appName} created the group chat 「${name}」 · owner ${owner} · members: ${members.join(', ')}`, ctx);
    const cut = sentName !== undefined && name !== sentName ? `name cut to ${NAME_MAX_CHARS} characters ("超过将截断")` : undefined;
    return { endpoint: 'appchat/create', body: { errcode: 0, errmsg: 'ok', chatid: chatId }, reason: cut };
  }

  // ------------------------------------------------------------------------------ update

  update(corp: WeComCorpConfig, body: Json, ctx: SimContext): AppChatHandled {
    conformBody('appchat/update', body);
    const chat = this.ownChat(corp, body.chatid);
    const users = ctx.users(corp.corpId);
    const canonical = (field: string): string[] => {
      const ids = (body[field] ?? []) as string[];
      const unknown = ids.filter((id) => !findUser(users, id));
      // 86216: not in the address book (add), "删除会话成员时，指定的成员ID不存在于会话中" (del) (DOC-90313).
      if (unknown.length > 0) throw new WeComApiError(86216, `${field} has userids not in the address book: ${unknown.join(', ')}`);
      return [...new Set(ids.map((id) => findUser(users, id)!.userId))];
    };
    const add = canonical('add_user_list');
    const del = canonical('del_user_list');
    const notMembers = del.filter((id) => !chat.members.includes(id));
    if (notMembers.length > 0) throw new WeComApiError(86216, `del_user_list has userids not in the chat: ${notMembers.join(', ')}`);
    let owner = chat.owner;
    if (typeof body.owner === 'string') {
      const user = findUser(users, body.owner);
      if (!user) throw new WeComApiError(86005, `owner ${body.owner} is not in the address book ("群主不合法", DOC-90313)`);
      owner = user.userId;
    } else if (del.includes(chat.owner)) {
      // "del_user_list包含群主时本字段必填" (DOC-98913); 86203 "参数 需要群主" (DOC-90313).
      throw new WeComApiError(86203, `del_user_list removes the owner ${chat.owner}: owner is required`);
    }
    const members = [...chat.members.filter((id) => !del.includes(id)), ...add.filter((id) => !chat.members.includes(id))];
    if (!members.includes(owner)) throw new WeComApiError(86207, `owner ${owner} would not be a member`);
    // "群成员人数不可超过2000人" (DOC-98913). CHOICE: no lower bound is documented for update; none enforced.
    if (members.length > MAX_MEMBERS) throw new WeComApiError(86006, `the chat would have ${members.length} members, at most ${MAX_MEMBERS}`);
    this.countChange(corp, ctx.clock.now());
    const added = members.filter((id) => !chat.members.includes(id));
    const removed = chat.members.filter((id) => !members.includes(id));
    const ownerChanged = owner !== chat.owner;
    chat.members = members;
    chat.owner = owner;
    if (typeof body.name === 'string') chat.name = cutName(body.name);
    const parts = [
      added.length > 0 ? `added ${added.join(', ')}` : '',
      removed.length > 0 ? `removed ${removed.join(', ')}` : '',
      ownerChanged ? `owner now ${owner}` : '',
      typeof body.name === 'string' ? `renamed 「${chat.name}」` : '',
    ].filter(Boolean);
    if (parts.length > 0) this.notice(chat, `${corp.appName} ${parts.join(' · ')} · members: ${members.join(', ')}`, ctx);
    return { endpoint: 'appchat/update', body: { errcode: 0, errmsg: 'ok' } };
  }

  /** "每企业变更群的次数不可超过1000次/小时" (DOC-98913); errcode of the excess UNCONFIRMED (45009). */
  private countChange(corp: WeComCorpConfig, now: number): void {
    const limit = this.settingsOf(corp.corpId).changesPerHour;
    const window = (this.changes.get(corp.corpId) ?? []).filter((t) => t > now - HOUR_MS);
    if (window.length >= limit) {
      this.changes.set(corp.corpId, window);
      throw new WeComApiError(45009, `corp ${corp.corpId} changed group chats ${window.length} times in the last hour, limit ${limit}/hour (DOC-98913; errcode UNCONFIRMED)`);
    }
    window.push(now);
    this.changes.set(corp.corpId, window);
  }

  // ------------------------------------------------------------------------------ get / send

  get(corp: WeComCorpConfig, req: SimRequest): AppChatHandled {
    const chat = this.ownChat(corp, req.query.get('chatid'));
    return {
      endpoint: 'appchat/get',
      // chat_type: "0表示普通群聊，1表示课程群聊" (DOC-98914).
      body: { errcode: 0, errmsg: 'ok', chat_info: { chatid: chat.chatId, name: chat.name, owner: chat.owner, userlist: [...chat.members], chat_type: 0 } },
    };
  }

  send(corp: WeComCorpConfig, body: Json, ctx: SimContext): AppChatHandled {
    const msgtype = body.msgtype;
    if (msgtype !== 'text' && msgtype !== 'markdown') {
      // DOC-90248 lists text, image, voice, video, file, textcard, news, mpnews, markdown — no
      // template_card. 86220 "指定的会话参数不合法" (DOC-90313) is played (UNCONFIRMED); the other
      // documented types are not simulated and get the same answer.
      const documented = ['image', 'voice', 'video', 'file', 'textcard', 'news', 'mpnews'].includes(String(msgtype));
      throw new WeComApiError(86220, documented ? `msgtype ${String(msgtype)} is documented for appchat but not simulated (text, markdown)` : `msgtype ${String(msgtype)} is not an appchat message type (DOC-90248)`);
    }
    conformBody('appchat/send', body);
    const chat = this.ownChat(corp, body.chatid);
    const content = ((body[msgtype] as Json).content as string);
    const at = ctx.clock.now();
    chat.messages.push({ msgtype, content, at });
    // CHOICE: per-member drops (200/min, 10000/day, DOC-90248) are not simulated.
    ctx.deliver({ platform: 'wecom', orgId: corp.corpId, conversation: `appchat:${chat.chatId}`, kind: msgtype, text: content, mentions: [], sender: corp.appName });
    return { endpoint: 'appchat/send', body: { errcode: 0, errmsg: 'ok' } };
  }

  private ownChat(corp: WeComCorpConfig, chatId: unknown): AppChat {
    if (typeof chatId !== 'string' || chatId.length === 0) throw new WeComApiError(86201, 'chatid is required');
    const chat = this.chats.get(`${corp.corpId}/${chatId}`);
    if (!chat) throw new WeComApiError(86003, `chatid ${chatId} does not exist`);
    // "chatid所代表的群必须是该应用所创建" (DOC-98913 / 98914 / 90248).
    if (chat.agentId !== corp.agentId) throw new WeComApiError(86008, `chat ${chatId} was created by app ${chat.agentId}, not ${corp.agentId}`);
    return chat;
  }

  private notice(chat: AppChat, text: string, ctx: SimContext): void {
    ctx.deliver({ platform: 'wecom', orgId: chat.corpId, conversation: `appchat:${chat.chatId}`, kind: 'text', text, mentions: [], sender: 'WeCom' });
  }

  // ------------------------------------------------------------------------------ control API

  /**
   * `/_sim/wecom/appchats?corpId=` (GET: chats, limits, today's creations),
   * `/_sim/wecom/appchat-visibility` (POST {corpId, visibleRange: 'root' | 'not-root'}),
   * `/_sim/wecom/appchat-limits` (POST {corpId, createsPerDay?, changesPerHour?}).
   */
  handleControl(req: SimRequest, ctx: SimContext, hasCorp: (corpId: string) => boolean, parse: () => Json): SimResponse | undefined {
    const json = (status: number, body: unknown): SimResponse => ({ status, body });
    if (req.path === '/_sim/wecom/appchats' && req.method === 'GET') {
      const corpId = req.query.get('corpId') ?? '';
      if (!hasCorp(corpId)) return json(404, { error: `unknown corp ${corpId}` });
      return json(200, this.snapshot(corpId, ctx.clock.now()));
    }
    const isVisibility = req.path === '/_sim/wecom/appchat-visibility';
    const isLimits = req.path === '/_sim/wecom/appchat-limits';
    if ((isVisibility || isLimits) && req.method === 'POST') {
      const body = parse();
      const corpId = String(body.corpId);
      if (!hasCorp(corpId)) return json(404, { error: `unknown corp ${corpId}` });
      try {
        if (isVisibility) this.setVisibleRange(corpId, body.visibleRange as AppChatVisibleRange);
        else this.setLimits(corpId, { createsPerDay: body.createsPerDay as number | undefined, changesPerHour: body.changesPerHour as number | undefined });
      } catch (error) {
        if (error instanceof RangeError) return json(400, { error: error.message });
        throw error;
      }
      const { appchats: _chats, ...settings } = this.snapshot(corpId, ctx.clock.now());
      return json(200, { ok: true, ...settings });
    }
    return undefined;
  }
}
