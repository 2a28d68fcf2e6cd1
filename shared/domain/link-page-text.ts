/**
 * Words of the account-linking pages in Chinese and English (issue 11 item 1), and the choice
 * between them from `Accept-Language`. Plain text only: the renderer escapes every value.
 */

export type Lang = 'zh' | 'en';

/**
 * The language of the page: the first of the person's preferences (by q, then order) that is
 * Chinese or English. Without a usable preference: Chinese, the language of both chat apps.
 */
export function pickLanguage(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'zh';
  const ranked = acceptLanguage
    .slice(0, 512)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((entry) => entry.tag && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'zh';
}

const text = {
  title: { zh: '关联账号', en: 'Link your account' },
  intro: {
    zh: '把你的{app}账号与值班系统中的成员关联后，告警卡片会发给你，你也可以在卡片上处理告警。',
    en: 'Link your {app} account to your member in the incident system to get alert cards and act on them.',
  },
  appWeCom: { zh: '企业微信', en: 'WeCom' },
  appDingTalk: { zh: '钉钉', en: 'DingTalk' },
  signingIn: { zh: '正在确认你的{app}身份…', en: 'Confirming your {app} account…' },
  continueBrowser: { zh: '用钉钉账号登录继续', en: 'Continue with DingTalk sign-in' },
  noScript: { zh: '此页面需要启用 JavaScript，或使用下面的按钮继续。', en: 'This page needs JavaScript; or continue with the button below.' },
  chatAccount: { zh: '{app}账号：{user}', en: '{app} account: {user}' },
  linked: { zh: '关联成功。', en: 'Linked.' },
  linkedAs: { zh: '{app}账号 {user} 已关联到成员 {email}。', en: 'Your {app} account {user} is now linked to the member {email}.' },
  howLogin: { zh: '依据：你的{app}账号中的{field}与成员信息一致。', en: 'How: the {field} of your {app} account matches the member’s.' },
  howSso: { zh: '依据：你已通过单点登录确认邮箱 {email}。', en: 'How: you signed in with single sign-on as {email}.' },
  howCode: { zh: '依据：你输入了发送到 {email} 的验证码。', en: 'How: you entered the code sent to {email}.' },
  fieldMobile: { zh: '手机号', en: 'mobile number' },
  fieldEmail: { zh: '邮箱', en: 'email' },
  relinkedFrom: { zh: '之前的关联（{previous}）已改为本次关联。', en: 'The earlier link ({previous}) was moved to this one.' },
  ssoNotMember: {
    zh: '值班系统中暂时还没有 {email} 这个成员；关联已保存，成员同步后即可收到卡片。',
    en: 'The incident system has not sent a member {email} yet; the link is saved and cards reach you once it does.',
  },
  alreadyLinked: { zh: '已经关联过了。', en: 'Already linked.' },
  alreadyLinkedAs: { zh: '{app}账号 {user} 已关联到成员 {email}，无需再操作。', en: 'Your {app} account {user} is already linked to the member {email}. Nothing to do.' },
  closePage: { zh: '现在可以关闭此页面。', en: 'You can close this page now.' },
  pendingApplied: { zh: '已对 {incident} 执行“{action}”：现在是{state}。', en: '{action} applied to {incident}: it is now {state}.' },
  pendingAlready: { zh: '“{action}”此前已对 {incident} 执行过，不会重复执行。', en: '{action} was already applied to {incident}; it is not applied twice.' },
  pendingNoChange: { zh: '{incident} 当前为{state}，“{action}”未作改变。', en: '{incident} is {state}: {action} changed nothing.' },
  pendingUnknownIncident: { zh: '找不到告警 {incident}。', en: 'Incident {incident} no longer exists.' },
  pendingExpired: { zh: '卡片上的链接已超过 10 分钟，请在卡片上重新点击。', en: 'The link from the card is older than 10 minutes; click the button on the card again.' },
  pendingNotYours: { zh: '这个操作是其他人点击的，未执行。', en: 'Someone else clicked that button, so it was not applied.' },
  pendingNotApplied: { zh: '之前点击的操作未执行：{reason}', en: 'The action you clicked earlier was not applied: {reason}' },
  proveTitle: { zh: '确认你是谁', en: 'Confirm who you are' },
  noAutoMatch: {
    zh: '没能根据{app}账号的手机号或邮箱自动找到你对应的成员。',
    en: 'We could not match the mobile number or email of your {app} account to a member.',
  },
  useSso: { zh: '使用公司账号登录（单点登录）', en: 'Sign in with your company account (SSO)' },
  orEmail: { zh: '或者，输入你的工作邮箱，我们会发送一个验证码：', en: 'Or enter your work email and we will send you a code:' },
  emailOnly: { zh: '输入你的工作邮箱，我们会发送一个验证码：', en: 'Enter your work email and we will send you a code:' },
  emailLabel: { zh: '工作邮箱', en: 'Work email' },
  sendCode: { zh: '发送验证码', en: 'Send code' },
  noMethod: {
    zh: '此应用尚未开启其他确认方式。请联系管理员为你关联账号（npx dutybridge links set）。',
    en: 'No other way to confirm is enabled for this app. Ask your administrator to link you (npx dutybridge links set).',
  },
  codeSent: { zh: '验证码已发送到 {email}，10 分钟内有效。', en: 'We sent a code to {email}. It is valid for 10 minutes.' },
  codeLabel: { zh: '6 位验证码', en: '6-digit code' },
  confirm: { zh: '确认', en: 'Confirm' },
  startAgain: { zh: '重新开始', en: 'Start again' },
  mailSubject: { zh: '你的账号关联验证码：{code}', en: 'Your account-linking code: {code}' },
  mailBody: {
    zh: '你的验证码是 {code}，10 分钟内有效，只能使用一次。\n如果不是你本人操作，请忽略此邮件。',
    en: 'Your code is {code}. It is valid for 10 minutes and works once.\nIf you did not ask for it, ignore this mail.',
  },
  errorTitle: { zh: '无法关联', en: 'Could not link' },
} as const;

export type TextKey = keyof typeof text;

/** Refusals, each with the words the person reads; `{n}` and the like are filled in. */
const refusals = {
  integration_unknown: { zh: '找不到这个应用的配置，请向管理员确认链接地址。', en: 'This app is not configured here; check the address with your administrator.' },
  oauth_code_invalid: {
    zh: '登录凭证无效、已被使用或已过期（5 分钟）。请重新打开此页面。',
    en: 'The sign-in code is invalid, already used or older than 5 minutes. Open this page again.',
  },
  redirect_domain: {
    zh: '应用的可信域名与此页面的地址不一致，请联系管理员。',
    en: 'The app’s trusted domain does not match this page’s address; ask your administrator.',
  },
  not_member: {
    zh: '只有企业成员可以关联账号；你当前的账号不是本企业的成员。',
    en: 'Only members of the organisation can link accounts; this account is not one.',
  },
  other_corp: {
    zh: '你登录的账号属于另一个企业，不能在这里关联。请用本企业的企业微信账号打开此页面。',
    en: 'You signed in with an account of another organisation, so it cannot be linked here. Open this page with your account in this organisation.',
  },
  state_invalid: {
    zh: '这个登录请求不是由本页面发起的，或已被使用过。请重新打开此页面。',
    en: 'This sign-in was not started by this page, or was already used. Open this page again.',
  },
  session_invalid: { zh: '页面已过期或被修改，请重新打开此页面。', en: 'This page has expired or was altered. Open it again.' },
  pending_invalid: {
    zh: '卡片上的操作链接无效或已过期（10 分钟）。你仍然可以关联账号，然后在卡片上重新点击。',
    en: 'The link from the card is invalid or older than 10 minutes. You can still link, then click on the card again.',
  },
  email_invalid: { zh: '请输入有效的邮箱地址。', en: 'Enter a valid email address.' },
  email_not_member: {
    zh: '值班系统中没有使用 {email} 的成员，请检查邮箱地址。',
    en: 'No member of the incident system has the email {email}; check the address.',
  },
  code_wrong: { zh: '验证码不正确，还可以再试 {n} 次。', en: 'That code is not right. {n} tries left.' },
  code_exhausted: { zh: '验证码错误次数过多，已失效。请重新获取验证码。', en: 'Too many wrong tries; the code no longer works. Ask for a new one.' },
  code_expired: { zh: '验证码已过期或已使用，请重新获取。', en: 'The code has expired or was already used. Ask for a new one.' },
  code_format: { zh: '请输入 6 位数字验证码。', en: 'Enter the 6-digit code.' },
  rate_limited: { zh: '请求过于频繁，请稍后再试。', en: 'Too many requests; try again in a while.' },
  method_disabled: { zh: '此应用未开启这种确认方式。', en: 'This way to confirm is not enabled for this app.' },
  sso_failed: { zh: '单点登录未完成：{reason}', en: 'Single sign-on did not complete: {reason}' },
  sso_unverified: {
    zh: '身份提供方没有确认这个邮箱地址（email_verified 不为 true），无法据此关联。',
    en: 'Your identity provider has not verified this email address (email_verified is not true), so it cannot be used to link.',
  },
  mail_failed: { zh: '验证码邮件发送失败，请稍后再试或联系管理员。', en: 'The code mail could not be sent; try again later or ask your administrator.' },
  platform_error: { zh: '{app}暂时无法确认你的身份，请稍后再试。', en: '{app} could not confirm your account right now; try again later.' },
  bad_request: { zh: '请求无效，请重新打开此页面。', en: 'This request is not valid. Open the page again.' },
  internal: { zh: '服务暂时出错，请稍后重新打开此页面。', en: 'Something went wrong on our side. Open this page again in a moment.' },
} as const;

export type RefusalCode = keyof typeof refusals;
export const refusalCodes = Object.keys(refusals) as RefusalCode[];

function fill(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function t(lang: Lang, key: TextKey, params: Readonly<Record<string, string | number>> = {}): string {
  return fill(text[key][lang], params);
}

export function refusalText(lang: Lang, code: RefusalCode, params: Readonly<Record<string, string | number>> = {}): string {
  return fill(refusals[code][lang], params);
}

const ACTION_LABELS = {
  acknowledge: { zh: '开始处理', en: 'Start Processing' },
  resolve: { zh: '关闭', en: 'Close' },
  snooze: { zh: '暂缓', en: 'Snooze' },
} as const;
const STATUS_LABELS = {
  Triggered: { zh: '待处理', en: 'Triggered' },
  Processing: { zh: '处理中', en: 'Processing' },
  Snoozed: { zh: '已暂缓', en: 'Snoozed' },
  Closed: { zh: '已关闭', en: 'Closed' },
} as const;

/** A card action's name as the card shows it (Start Processing, Close, Snooze 2h). */
export function actionLabel(lang: Lang, action: { readonly kind: string; readonly minutes?: number }): string {
  const base = (ACTION_LABELS as Record<string, Record<Lang, string>>)[action.kind]?.[lang] ?? action.kind;
  if (action.kind !== 'snooze' || !action.minutes) return base;
  const m = action.minutes;
  if (lang === 'zh') return `${base}${m % 60 === 0 ? `${m / 60}小时` : `${m}分钟`}`;
  return `${base} ${m % 60 === 0 ? `${m / 60}h` : `${m}m`}`;
}

export function statusLabel(lang: Lang, status: string): string {
  return (STATUS_LABELS as Record<string, Record<Lang, string>>)[status]?.[lang] ?? status;
}

export function appName(lang: Lang, platform: 'wecom' | 'dingtalk'): string {
  return t(lang, platform === 'wecom' ? 'appWeCom' : 'appDingTalk');
}
