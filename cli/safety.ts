/**
 * Rules that keep the CLI from hurting production by accident (issue 10, items 6 and 7):
 *
 *  - on the local stack, an integration may only talk to endpoints on loopback (the simulator);
 *    any other apiBase / oapiBase, including the production defaults used when `--api-base` is not
 *    given, means real credentials, which belong on a deployed stack (`--stack`), unless
 *    `--allow-real-credentials-locally`;
 *  - on a deployed stack, apiBase / oapiBase must be https;
 *  - a card callback URL on loopback is registered only for the local stack, and only with a
 *    DingTalk on loopback (the simulator): registering it with the real DingTalk would send the
 *    production card clicks of that app to a laptop;
 *  - `integrations remove` is confirmed by typing the integration id (or `--yes`).
 */
import { createInterface } from 'node:readline';
import { DEFAULT_DINGTALK_API_BASE, DEFAULT_DINGTALK_OAPI_BASE, DEFAULT_WECOM_API_BASE } from '../shared/application/integration-admin';
import { CliUsageError } from './target';

export type TargetKind = 'local' | 'stack';

/** The platforms' production API hosts (named in messages; any non-loopback host counts as real). */
export const PRODUCTION_HOSTS: Readonly<Record<string, string>> = {
  'api.dingtalk.com': "DingTalk's production API",
  'oapi.dingtalk.com': "DingTalk's production API (old family)",
  'qyapi.weixin.qq.com': "WeCom's production API",
};

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** 127.0.0.0/8, ::1 (also as an IPv4-mapped address), localhost and *.localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  // WHATWG URL writes an IPv4-mapped address in hex: ::ffff:7f00:1 is 127.0.0.1.
  if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h)) return true;
  return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h);
}

export function isLoopbackUrl(url: string): boolean {
  const host = hostOf(url);
  return host !== undefined && isLoopbackHost(host);
}

export interface EndpointFlags {
  readonly 'api-base'?: string;
  readonly 'oapi-base'?: string;
}

interface Endpoint {
  readonly flag: '--api-base' | '--oapi-base';
  readonly url: string;
  /** True when the flag was not given and the value is the default. */
  readonly defaulted: boolean;
}

/** The endpoints an integration would use, defaults applied as `IntegrationAdmin` applies them. */
export function effectiveEndpoints(platform: 'wecom' | 'dingtalk', flags: EndpointFlags): Endpoint[] {
  const api = flags['api-base'];
  if (platform === 'wecom') return [{ flag: '--api-base', url: api ?? DEFAULT_WECOM_API_BASE, defaulted: api === undefined }];
  const apiBase = api ?? DEFAULT_DINGTALK_API_BASE;
  const oapi = flags['oapi-base'];
  return [
    { flag: '--api-base', url: apiBase, defaulted: api === undefined },
    { flag: '--oapi-base', url: oapi ?? (apiBase === DEFAULT_DINGTALK_API_BASE ? DEFAULT_DINGTALK_OAPI_BASE : apiBase), defaulted: oapi === undefined },
  ];
}

/**
 * Refuses, before anything is stored: real-looking credentials on the local stack (an endpoint
 * that is not on loopback), and a non-https endpoint on a deployed stack. Unparsable URLs are left
 * to the integration's own validation.
 */
export function checkEndpoints(platform: 'wecom' | 'dingtalk', flags: EndpointFlags, target: TargetKind, allowRealLocally: boolean): void {
  for (const e of effectiveEndpoints(platform, flags)) {
    const host = hostOf(e.url);
    if (host === undefined) continue;
    if (target === 'stack') {
      if (new URL(e.url).protocol !== 'https:') {
        throw new CliUsageError(`${e.flag} ${e.url}: a deployed stack talks to the platform over https only; use an https:// URL`);
      }
      continue;
    }
    if (isLoopbackHost(host) || allowRealLocally) continue;
    const what = PRODUCTION_HOSTS[host] ?? 'not the simulator (not on loopback)';
    const given = e.defaulted ? `${e.flag} not given, so ${e.url} (${what})` : `${e.flag} ${e.url} (${what})`;
    throw new CliUsageError(
      `these look like real ${platform === 'wecom' ? 'WeCom' : 'DingTalk'} credentials (${given}), and the target is the local stack. ` +
        `Pass --stack NAME --region REGION to add them to a deployed stack; for the local simulator pass ${e.flag} with its URL (e.g. http://127.0.0.1:8788); ` +
        'or add --allow-real-credentials-locally if you really mean to keep real credentials on this machine',
    );
  }
}

/**
 * Why a card callback URL must not be registered (undefined: it may). A loopback URL is registered
 * only for the local stack and only with a DingTalk on loopback (the simulator).
 */
export function cardCallbackRefusal(callbackUrl: string, dingTalkApiBase: string, target: TargetKind): string | undefined {
  if (!isLoopbackUrl(callbackUrl)) return undefined;
  if (target !== 'local') {
    return `the card callback URL ${callbackUrl} is on loopback, but the target is a deployed stack: DingTalk would send its card clicks to whatever machine it reaches there; check the stack's ApiUrl output`;
  }
  if (!isLoopbackUrl(dingTalkApiBase)) {
    return `the card callback URL ${callbackUrl} is on loopback, and registering it with the DingTalk at ${dingTalkApiBase} would send that app's card clicks to this machine instead of the deployed stack`;
  }
  return undefined;
}

/**
 * `integrations remove` on a terminal: asks to type the id, true when typed exactly. The prompt
 * goes to `output` (stderr), so stdout stays clean for `--json`.
 */
export function confirmByTypingId(id: string, question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim() === id);
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
    output.write(`${question}\ntype the integration id (${id}) to confirm: `);
  });
}
