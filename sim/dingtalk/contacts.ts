/**
 * Contacts lookups for account linking (research §4.6), oapi family (`?access_token=`, HTTP 200
 * with `{errcode, errmsg}`), not metered (contacts APIs are free,
 * basic-interfaces-such-as-log-off-and-address-book):
 *   POST /topapi/v2/user/get          {userid, language?} → result {userid, name, mobile, email, unionid, active, ...}
 *   POST /topapi/user/getbyunionid    {unionid}           → result {contact_type: 0, userid}
 * Unknown user: 60121 "找不到该用户". `mobile` and `email` are personal fields behind their own
 * permission: with the switch `contactsReadable` off for the app they are left out (switches.ts).
 */
import type { SimUser } from '../core/contract';
import { oapiRejection } from './errors';
import type { EndpointDefinition } from './pipeline';
import type { SdkRequestModel } from './sdk-models';
import type { DingTalkState } from './state';
import { isRecord } from './util';

/** POST /topapi/v2/user/get ("查询用户详情"): `userid` required, `language` zh_CN (default) or en_US. */
export const USER_GET_MODEL: SdkRequestModel = {
  name: 'oapi.topapi/v2/user/get',
  family: 'oapi',
  method: 'POST',
  path: '/topapi/v2/user/get',
  fields: {
    userid: { required: true, type: { kind: 'string' } },
    language: { required: false, type: { kind: 'string' } },
  },
};

/** POST /topapi/user/getbyunionid ("根据unionid获取用户userid"): `unionid` required. */
export const GET_BY_UNIONID_MODEL: SdkRequestModel = {
  name: 'oapi.topapi/user/getbyunionid',
  family: 'oapi',
  method: 'POST',
  path: '/topapi/user/getbyunionid',
  fields: { unionid: { required: true, type: { kind: 'string' } } },
};

/** `+86-13800000001` → {stateCode: '86', number: '13800000001'}: DingTalk answers the two apart. */
export function splitMobile(mobile: string): { stateCode: string; number: string } {
  const match = /^\+(\d{1,4})-(\d+)$/.exec(mobile);
  return match ? { stateCode: match[1] as string, number: match[2] as string } : { stateCode: '86', number: mobile };
}

function notFound(what: string, corpId: string) {
  return oapiRejection(60121, '找不到该用户', `no user with ${what} in org ${corpId}`);
}

export function userDetail(user: SimUser, readable: boolean): Record<string, unknown> {
  const { stateCode, number } = splitMobile(user.mobile);
  return {
    userid: user.userId,
    unionid: user.unionId ?? '',
    name: user.name,
    avatar: '',
    state_code: stateCode,
    ...(readable ? { mobile: number, hide_mobile: false, email: user.email } : {}),
    title: '',
    job_number: '',
    dept_id_list: [1],
    active: true,
    admin: false,
    boss: false,
    senior: false,
    real_authed: true,
    exclusive_account: false,
  };
}

export function contactsEndpoints(state: DingTalkState): EndpointDefinition[] {
  const userGet: EndpointDefinition = {
    family: 'oapi',
    method: 'POST',
    path: '/topapi/v2/user/get',
    endpoint: 'topapi/v2/user/get',
    metered: false,
    run: (call) => {
      const body = isRecord(call.body) ? call.body : {};
      const userId = body.userid;
      if (typeof userId !== 'string' || userId === '') throw oapiRejection(40035, '缺少参数 userid', 'userid missing');
      if (body.language !== undefined && body.language !== 'zh_CN' && body.language !== 'en_US') {
        throw oapiRejection(400002, '无效的参数', `language ${JSON.stringify(body.language)} is not zh_CN or en_US`);
      }
      const user = state.findUser(call.app, call.ctx, userId);
      if (!user) throw notFound(`userid ${userId}`, call.app.config.corpId);
      const readable = state.switches.contactsReadableFor(call.app.config.clientId);
      if (!readable) call.note(`mobile and email left out: app ${call.app.config.clientId} lacks the contacts permission (switch contactsReadable)`);
      return { result: userDetail(user, readable) };
    },
  };

  const getByUnionId: EndpointDefinition = {
    family: 'oapi',
    method: 'POST',
    path: '/topapi/user/getbyunionid',
    endpoint: 'topapi/user/getbyunionid',
    metered: false,
    run: (call) => {
      const unionId = isRecord(call.body) ? call.body.unionid : undefined;
      if (typeof unionId !== 'string' || unionId === '') throw oapiRejection(40035, '缺少参数 unionid', 'unionid missing');
      const user = state.usersOf(call.app, call.ctx).find((candidate) => candidate.unionId === unionId);
      if (!user) throw notFound(`unionid ${unionId}`, call.app.config.corpId);
      // contact_type 0 = an employee of the org (1 would be an external contact).
      return { result: { contact_type: 0, userid: user.userId } };
    },
  };

  return [userGet, getByUnionId];
}
