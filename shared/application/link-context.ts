/**
 * One request of the linking pages, resolved: the integration, its secrets and settings, the
 * person's language, the paths and cookies of this integration's pages, and the typed refusal
 * every step throws for bad input (a 4xx page in the person's language that changes nothing).
 */
import type { Integration } from '../domain/integration';
import { pickLanguage, type Lang, type RefusalCode } from '../domain/link-page-text';
import { resolveLinking, type ResolvedLinking } from '../domain/linking-settings';
import type { LinkPageRequest } from './account-linking-ports';
import { LinkTokens, cookie } from './link-session';

export class LinkRefusedError extends Error {
  override readonly name = 'LinkRefusedError';
  constructor(
    readonly code: RefusalCode,
    readonly statusCode: number,
    /** Plain English for the operation log and the logs: never a code, token or secret. */
    readonly detail: string,
    readonly extra: { readonly params?: Record<string, string | number>; readonly recipient?: string; readonly platformCode?: string | number; readonly restart?: boolean } = {},
  ) {
    super(detail);
  }
}

export interface LinkSecrets {
  readonly appSecret: string;
  readonly oidcClientSecret?: string;
  readonly smtpUrl?: string;
}

export class LinkContext {
  readonly platform: 'wecom' | 'dingtalk';
  readonly lang: Lang;
  readonly linking: ResolvedLinking;
  readonly tokens: LinkTokens;
  /** Origin-relative path of this integration's pages (`/link/wecom/<id>`), under the API's base path. */
  readonly linkPath: string;
  readonly secure: boolean;

  constructor(
    readonly request: LinkPageRequest,
    readonly integration: Integration,
    readonly secrets: LinkSecrets,
    readonly nowMs: number,
  ) {
    this.platform = integration.platform;
    this.lang = pickLanguage(request.acceptLanguage);
    this.linking = resolveLinking(integration.settings.linking);
    this.tokens = new LinkTokens(secrets.appSecret, integration.id);
    const base = new URL(request.publicBase);
    this.linkPath = `${base.pathname.replace(/\/+$/, '')}/link/${integration.platform}/${integration.id}`;
    this.secure = base.protocol === 'https:';
  }

  /** Absolute URL of one of this integration's pages (redirect URIs). */
  url(suffix = ''): string {
    return `${new URL(this.request.publicBase).origin}${this.linkPath}${suffix}`;
  }

  path(suffix = '', query?: Record<string, string | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, v);
    const qs = q.toString();
    return `${this.linkPath}${suffix}${qs ? `?${qs}` : ''}`;
  }

  setCookie(name: string, value: string, ttlMs: number): string {
    return cookie(name, value, { path: this.linkPath, maxAgeSeconds: Math.floor(ttlMs / 1000), secure: this.secure });
  }

  clearCookie(name: string): string {
    return cookie(name, '', { path: this.linkPath, maxAgeSeconds: 0, secure: this.secure });
  }

  get oidcReady(): boolean {
    return Boolean(this.linking.oidc && this.secrets.oidcClientSecret);
  }

  get emailCodeReady(): boolean {
    return Boolean(this.linking.emailCode && (this.linking.emailCode.ses || this.secrets.smtpUrl));
  }
}
