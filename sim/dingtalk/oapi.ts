/**
 * The oapi.dingtalk.com family (`?access_token=`; HTTP 200 with `{errcode, errmsg}`), plus the
 * custom group robot webhook `/robot/send`, which has its own security and rate rules (research §6).
 */
import { timingSafeEqual } from 'node:crypto';
import { dingTalkRobotSign } from '../../shared/crypto';
import { SimContext, SimRequest, SimResponse } from '../core/contract';
import { resolveMentions } from './delivery';
import { DingTalkRejectionError, oapiRejection } from './errors';
import { CustomRobotState, mobileMatches } from './model';
import { EndpointDefinition } from './pipeline';
import { DingTalkState } from './state';
import { isRecord, newRequestId, parseJson, queryRecord } from './util';

/** requestAuthCode codes are "valid 5 min, single use" (jsapi-request-auth-code). */
export const LOGIN_CODE_TTL_MS = 5 * 60_000;
/** Custom robot: timestamp may differ from the call time by at most 1 hour. */
export const ROBOT_SIGN_WINDOW_MS = 3600_000;
/** "每个机器人每分钟最多发送20条消息到群里，如果超过20条，会限流10分钟". */
export const ROBOT_MESSAGES_PER_MINUTE = 20;
export const ROBOT_BLOCK_MS = 10 * 60_000;
/** errcode 460101: keep the body within 20000 bytes. */
export const ROBOT_BODY_MAX_BYTES = 20000;

export function oapiEndpoints(state: DingTalkState): EndpointDefinition[] {
  const getByMobile: EndpointDefinition = {
    family: 'oapi',
    method: 'POST',
    path: '/topapi/v2/user/getbymobile',
    endpoint: 'topapi/v2/user/getbymobile',
    metered: false, // contacts APIs are free (basic-interfaces-such-as-log-off-and-address-book)
    run: (call) => {
      const mobile = isRecord(call.body) ? call.body.mobile : undefined;
      if (typeof mobile !== 'string' || mobile === '') throw oapiRejection(40035, '缺少参数 mobile', 'mobile missing');
      if (!/^(\+\d{1,4}-)?\d{4,15}$/.test(mobile)) throw oapiRejection(40104, '无效的手机号', `mobile ${mobile} is not digits with an optional +CC- prefix`);
      const user = state.usersOf(call.app, call.ctx).find((candidate) => mobileMatches(candidate, mobile));
      if (!user) throw oapiRejection(60121, '找不到该用户', `no active user with mobile ${mobile} in org ${call.app.config.corpId}`);
      return { result: { userid: user.userId } };
    },
  };

  const getUserInfo: EndpointDefinition = {
    family: 'oapi',
    method: 'POST',
    path: '/topapi/v2/user/getuserinfo',
    endpoint: 'topapi/v2/user/getuserinfo',
    metered: false, // login-free (免登) APIs are free
    run: (call) => {
      const code = isRecord(call.body) ? call.body.code : undefined;
      if (typeof code !== 'string' || code === '') throw oapiRejection(40035, '缺少参数 code', 'code missing');
      const login = state.loginCodes.get(code);
      const invalid = (why: string) => oapiRejection(40078, '不存在的临时授权码', why);
      if (!login) throw invalid('code was never issued');
      if (login.used) throw invalid('code was already used once (login codes are single use)');
      if (login.expiresAt <= call.now) throw invalid(`code expired ${call.now - login.expiresAt} ms ago (5-minute lifetime)`);
      if (login.clientId !== undefined && login.clientId !== call.app.config.clientId) throw invalid(`code was issued for app ${login.clientId}, not ${call.app.config.clientId}`);
      if (login.corpId !== call.app.config.corpId) throw invalid(`code was issued in org ${login.corpId}, not ${call.app.config.corpId}`);
      const user = state.findUser(call.app, call.ctx, login.userId);
      if (!user) throw invalid(`user ${login.userId} is no longer in the org`);
      login.used = true;
      return { result: { userid: user.userId, unionid: user.unionId ?? '', associated_unionid: '', name: user.name, sys: false, sys_level: 0, device_id: '' } };
    },
  };

  return [getByMobile, getUserInfo];
}

function checkRobotSecurity(robot: CustomRobotState, query: URLSearchParams, now: number): void {
  const timestamp = query.get('timestamp');
  const sign = query.get('sign');
  if (!timestamp || !sign) {
    throw oapiRejection(310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]', 'signing is on for this robot: both timestamp and sign must be in the URL');
  }
  if (!/^\d{13}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > ROBOT_SIGN_WINDOW_MS) {
    throw oapiRejection(310000, 'invalid timestamp', `timestamp ${timestamp} is not a ms time within 1 hour of now (${now})`);
  }
  // The query value was URL-decoded exactly once: a sign that was not URL-encoded (its "+"
  // became " ") or was encoded twice ("%2B" survives) does not match, as on DingTalk.
  const given = Buffer.from(sign, 'utf8');
  const wanted = Buffer.from(dingTalkRobotSign(robot.secret, timestamp), 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw oapiRejection(310000, 'sign not match', 'sign is not base64(HmacSHA256(secret, timestamp+"\\n"+secret)) URL-encoded exactly once');
  }
}

function takeRobotRate(robot: CustomRobotState, now: number): void {
  if (now < robot.blockedUntil) {
    throw oapiRejection(410100, '发送速度太快而限流', `robot blocked for another ${robot.blockedUntil - now} ms after exceeding ${ROBOT_MESSAGES_PER_MINUTE} messages/minute`);
  }
  robot.recentSends = robot.recentSends.filter((at) => now - at < 60_000);
  if (robot.recentSends.length >= ROBOT_MESSAGES_PER_MINUTE) {
    robot.blockedUntil = now + ROBOT_BLOCK_MS;
    robot.recentSends = [];
    throw oapiRejection(410100, '发送速度太快而限流', `more than ${ROBOT_MESSAGES_PER_MINUTE} messages in one minute; robot blocked for 10 minutes`);
  }
  robot.recentSends.push(now);
}

interface RenderedRobotMessage {
  readonly kind: 'text' | 'markdown';
  readonly text: string;
  /** Text an @ must appear in; undefined when the type cannot @ (link, feedCard). */
  readonly mentionText: string | undefined;
}

function stringField(value: Record<string, unknown>, field: string, where: string): string {
  const entry = value[field];
  if (typeof entry !== 'string' || entry === '') throw oapiRejection(40035, `缺少参数 ${where}.${field}`, `${where}.${field} missing`);
  return entry;
}

function renderRobotBody(body: Record<string, unknown>): RenderedRobotMessage {
  const msgtype = body.msgtype;
  const section = typeof msgtype === 'string' ? body[msgtype] : undefined;
  if (typeof msgtype !== 'string' || !['text', 'markdown', 'link', 'actionCard', 'feedCard'].includes(msgtype)) {
    throw oapiRejection(400105, '不支持的消息类型', `msgtype ${JSON.stringify(msgtype)} is not text|markdown|link|actionCard|feedCard`);
  }
  if (!isRecord(section)) throw oapiRejection(40035, `缺少参数 ${msgtype}`, `body lacks the "${msgtype}" object`);
  switch (msgtype) {
    case 'text': {
      const content = stringField(section, 'content', 'text');
      return { kind: 'text', text: content, mentionText: content };
    }
    case 'markdown': {
      stringField(section, 'title', 'markdown');
      const text = stringField(section, 'text', 'markdown');
      return { kind: 'markdown', text, mentionText: text };
    }
    case 'link': {
      const title = stringField(section, 'title', 'link');
      const text = stringField(section, 'text', 'link');
      const url = stringField(section, 'messageUrl', 'link');
      return { kind: 'markdown', text: `[${title}](${url})\n${text}`, mentionText: undefined };
    }
    case 'actionCard': {
      const title = stringField(section, 'title', 'actionCard');
      const text = stringField(section, 'text', 'actionCard');
      const buttons = Array.isArray(section.btns)
        ? section.btns.filter(isRecord).map((btn) => `[${String(btn.title)}](${String(btn.actionURL)})`)
        : [`[${stringField(section, 'singleTitle', 'actionCard')}](${stringField(section, 'singleURL', 'actionCard')})`];
      return { kind: 'markdown', text: [`**${title}**`, text, ...buttons].join('\n'), mentionText: text };
    }
    default: {
      const links = Array.isArray(section.links) ? section.links.filter(isRecord) : [];
      if (links.length === 0) throw oapiRejection(40035, '缺少参数 feedCard.links', 'feedCard.links must be a non-empty array');
      return { kind: 'markdown', text: links.map((link) => `[${String(link.title)}](${String(link.messageURL)})`).join('\n'), mentionText: undefined };
    }
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** `POST /robot/send?access_token=…&timestamp=…&sign=…`: not tied to an app, so no app QPS or API quota. */
export function handleCustomRobotSend(req: SimRequest, ctx: SimContext, state: DingTalkState): SimResponse {
  const now = ctx.clock.now();
  const parsed = parseJson(req.body);
  const notes: string[] = [];
  let errcode = 0;
  let errmsg = 'ok';
  let reason: string | undefined;
  try {
    const fault = ctx.faults.take('dingtalk', 'robot/send');
    if (fault === 'http500' || fault === 'timeout') throw oapiRejection(-1, '系统繁忙', `injected fault: ${fault}`);
    if (fault === 'throttle') throw oapiRejection(410100, '发送速度太快而限流', 'injected fault: throttle');
    const accessToken = req.query.get('access_token');
    const robot = accessToken ? state.customRobots.get(accessToken) : undefined;
    if (!robot || fault === 'token-invalid') throw oapiRejection(400101, 'access_token不存在', accessToken ? 'no custom robot has this access_token' : 'access_token missing');
    checkRobotSecurity(robot, req.query, now);
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      throw oapiRejection(43004, '无效的HTTP HEADER Content-Type', 'Content-Type must be application/json');
    }
    if (req.body.length > ROBOT_BODY_MAX_BYTES) throw oapiRejection(460101, `body 大小不合法;请保持大小在 ${ROBOT_BODY_MAX_BYTES}bytes 以内`, `body is ${req.body.length} bytes`);
    if (!parsed.ok || !isRecord(parsed.value)) throw oapiRejection(40035, '缺少参数 json', 'body is not a JSON object');
    const group = state.groups.get(robot.openConversationId);
    if (!group || group.disbanded) throw oapiRejection(400013, '群已被解散', `group ${robot.openConversationId} was disbanded`);
    const message = renderRobotBody(parsed.value);
    takeRobotRate(robot, now);
    const at = isRecord(parsed.value.at) ? parsed.value.at : {};
    const app = state.appsOfCorp(group.corpId)[0];
    const members = app ? state.usersOf(app, ctx).filter((user) => group.members.has(user.userId)) : [];
    const { mentions, notes: mentionNotes } = resolveMentions({
      text: message.mentionText,
      atUserIds: stringList(at.atUserIds),
      atMobiles: stringList(at.atMobiles),
      isAtAll: at.isAtAll === true,
      members,
    });
    notes.push(...mentionNotes);
    // "Only group members can be @-ed; non-members' numbers are masked" (robot-message-type): shown, not refused.
    let text = message.text;
    for (const mobile of stringList(at.atMobiles)) {
      if (!members.some((member) => mobileMatches(member, mobile)) && /^\d{7,}$/.test(mobile)) text = text.split(`@${mobile}`).join(`@${mobile.slice(0, 3)}****${mobile.slice(-4)}`);
    }
    ctx.deliver({ platform: 'dingtalk', conversation: `group:${group.openConversationId}`, kind: message.kind, text, mentions });
  } catch (error) {
    if (!(error instanceof DingTalkRejectionError) || error.shape.family !== 'oapi') throw error;
    errcode = error.shape.errcode;
    errmsg = error.shape.errmsg;
    reason = error.reason;
    ctx.log(`dingtalk robot/send: ${error.reason}`);
  }
  notes.forEach((note) => ctx.log(`dingtalk robot/send: ${note}`));
  const body = { errcode, errmsg, request_id: newRequestId() };
  const reasons = [reason, ...notes].filter((text): text is string => text !== undefined);
  ctx.record({
    platform: 'dingtalk',
    endpoint: 'robot/send',
    method: req.method,
    path: req.path,
    query: queryRecord(req.query),
    requestBody: parsed.ok ? parsed.value : parsed.text,
    status: 200,
    resultCode: errcode,
    responseBody: body,
    reason: reasons.length > 0 ? reasons.join('; ') : undefined,
    // Custom-robot sends use the org's Webhook quota, not the API-call quota.
    metered: false,
  });
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}
