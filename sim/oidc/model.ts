/**
 * The simulated OpenID Connect provider's registrations: clients (RFC 6749 confidential clients
 * with their redirect URIs) and users (the claims the ID token carries).
 */
import { z } from 'zod';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '';
  } catch {
    return false;
  }
}

export const oidcClientSchema = z
  .object({
    clientId: z.string().min(1).max(200),
    clientSecret: z.string().min(8, 'clientSecret must be at least 8 characters').max(500),
    // RFC 6749 §3.1.2: absolute URIs without a fragment, compared exactly.
    redirectUris: z.array(z.string().refine(isHttpUrl, 'each redirect URI must be an absolute http(s) URL without a fragment')),
    /** LOCAL DEMO ONLY: any http://127.0.0.1|localhost|[::1] URL is an accepted redirect. */
    anyLoopbackRedirect: z.boolean().default(false),
  })
  .strict();

export const oidcUserSchema = z
  .object({
    sub: z.string().min(1).max(255),
    email: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'email must look like name@domain'),
    name: z.string().min(1),
    emailVerified: z.boolean().default(true),
  })
  .strict();

export type OidcClientInput = z.input<typeof oidcClientSchema>;
export type OidcClient = z.output<typeof oidcClientSchema>;
export type OidcUserInput = z.input<typeof oidcUserSchema>;
export type OidcUser = z.output<typeof oidcUserSchema>;

export interface AuthorizationCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly sub: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly codeChallenge?: { readonly method: 'S256' | 'plain'; readonly value: string };
  readonly expiresAt: number;
  used: boolean;
}

export interface AccessGrant {
  readonly clientId: string;
  readonly sub: string;
  readonly scope: string;
  readonly expiresAt: number;
}

/** Authorization codes live 60 s and are single use (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const OIDC_CODE_TTL_MS = 60_000;
/** ID tokens and access tokens live 5 minutes. */
export const OIDC_TOKEN_TTL_S = 300;

export function isLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && url.hash === '';
  } catch {
    return false;
  }
}

export function redirectAllowed(client: OidcClient, redirectUri: string): boolean {
  return client.redirectUris.includes(redirectUri) || (client.anyLoopbackRedirect && isLoopbackUrl(redirectUri));
}
