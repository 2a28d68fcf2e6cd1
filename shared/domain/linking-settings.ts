/**
 * Account-linking settings of an integration (issue 11 item 1), optional `settings.linking` on both
 * platforms. Each way a person proves who they are is a setting, tried in this order:
 *   1. `autoMatch` (default on): the chat account's mobile or email equals a member's;
 *   2. `oidc`: single sign-on with the organisation's OpenID Connect provider (its client secret is
 *      the optional key `oidcClientSecret` of the integration's secret);
 *   3. `emailCode`: a one-time code mailed to the member (SMTP URL with credentials in the optional
 *      secret key `smtpUrl`, or Amazon SES with `ses: true`).
 * Platform hosts are settings too, for private deployments and the simulator.
 */
import * as z from 'zod/mini';

const httpUrl = z.url({ protocol: /^https?$/ });

/** The official DingTalk H5 jsapi (dingtalk.md §4.6: `dd.requestAuthCode`); the only external asset a page loads. */
export const DEFAULT_DINGTALK_JSAPI_URL = 'https://g.alicdn.com/dingding/dingtalk-jsapi/3.0.25/dingtalk.open.js';
/** Browser OAuth of DingTalk accounts (dingtalk.md §4.6). */
export const DEFAULT_DINGTALK_LOGIN_BASE = 'https://login.dingtalk.com';
/** WeCom in-client OAuth2 (wecom.md §4.7). */
export const DEFAULT_WECOM_OAUTH_BASE = 'https://open.weixin.qq.com';

export const oidcSettingsSchema = z.object({
  issuer: httpUrl,
  clientId: z.string().check(z.minLength(1), z.maxLength(256)),
});

export const emailCodeSettingsSchema = z.object({
  /** The sender address of the code mail. */
  from: z.email(),
  /** Send through Amazon SES (where the region has it) instead of the secret's `smtpUrl`. */
  ses: z.optional(z.boolean()),
});

const common = {
  autoMatch: z.optional(z.boolean()),
  oidc: z.optional(oidcSettingsSchema),
  emailCode: z.optional(emailCodeSettingsSchema),
};

export const weComLinkingSchema = z.object({ ...common, oauthBase: z.optional(httpUrl) });
export const dingTalkLinkingSchema = z.object({ ...common, jsapiUrl: z.optional(httpUrl), loginBase: z.optional(httpUrl) });
export type WeComLinking = z.infer<typeof weComLinkingSchema>;
export type DingTalkLinking = z.infer<typeof dingTalkLinkingSchema>;

/** The settings with their defaults applied. */
export interface ResolvedLinking {
  readonly autoMatch: boolean;
  readonly oidc?: { readonly issuer: string; readonly clientId: string };
  readonly emailCode?: { readonly from: string; readonly ses?: boolean };
  readonly weComOauthBase: string;
  readonly dingTalkJsapiUrl: string;
  readonly dingTalkLoginBase: string;
}

export function resolveLinking(linking: (WeComLinking & DingTalkLinking) | undefined): ResolvedLinking {
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    autoMatch: linking?.autoMatch ?? true,
    ...(linking?.oidc ? { oidc: { issuer: linking.oidc.issuer, clientId: linking.oidc.clientId } } : {}),
    ...(linking?.emailCode ? { emailCode: linking.emailCode } : {}),
    weComOauthBase: trim(linking?.oauthBase ?? DEFAULT_WECOM_OAUTH_BASE),
    dingTalkJsapiUrl: linking?.jsapiUrl ?? DEFAULT_DINGTALK_JSAPI_URL,
    dingTalkLoginBase: trim(linking?.loginBase ?? DEFAULT_DINGTALK_LOGIN_BASE),
  };
}
