/**
 * What WeCom sends a service provider's URLs (research wecom-suite.md §1): command events
 * (suite_ticket, create_auth, change_auth, cancel_auth, reset_permanent_code) to the 指令回调URL, encrypted with the
 * app's Token/EncodingAESKey and receiveid = suite id, envelope ToUserName = suite id and an empty
 * AgentID (DOC-90613); app events to the 数据回调URL, receiveid = the corp id the app sees
 * (DOC-91144); and the console's GET check of either URL (DOC-91116, DOC-90595).
 */
import { randomBytes } from 'node:crypto';
import { WeComCrypto } from '../../shared/crypto';
import { sendCallbackWithRetries, callbackDeliveryProblem } from '../core/callback-sender';
import type { SimContext } from '../core/contract';
import type { SuiteConfig } from './suite-state';
import { urlCheckFailure, urlCheckRequest } from './url-check';

/** "总共重试三次" on timeouts, as for every callback (DOC-91116). */
const CALLBACK_RETRIES = 3;
const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;
/** Auth events must be answered within 1000 ms (DOC-100964). */
export const AUTH_EVENT_DEADLINE_MS = 1000;
/** The console's URL check waits 1 s for the echo (DOC-91116). */
const URL_CHECK_TIMEOUT_MS = 1000;

export interface PushOutcome {
  readonly status: number;
  /** The body the receiver answered (command URLs must answer the literal `success`, DOC-90613). */
  readonly answer: string;
  readonly elapsedMs: number;
  /** Delivered, answered as WeCom requires, in time. */
  readonly ok: boolean;
  readonly reason?: string;
}

function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** `$CORPID$` in a data URL is replaced by the corp's corpid on push (DOC-90595). */
export function dataUrlFor(dataUrl: string, corpId: string): string {
  return dataUrl.split('$CORPID$').join(encodeURIComponent(corpId));
}

export type CommandField = readonly [name: string, value: string, plain?: 'number'];

/**
 * The decrypted command event: `<xml><SuiteId/>…</xml>`, TimeStamp as a bare number. Fields as the
 * pages list them (wxkingstar/doc-hub-mcp, `wecom/002-第三方应用开发/002-服务端API/003-应用授权/005-回调通知/`):
 * - suite_ticket (DOC-90628, 002-推送suite_ticket.md): SuiteId, InfoType, TimeStamp, SuiteTicket;
 * - create_auth (DOC-100964, 003-授权通知事件.md): SuiteId, AuthCode, InfoType, TimeStamp, State, ExtraInfo;
 * - change_auth (same page): SuiteId, InfoType, TimeStamp, AuthCorpId, State, ExtraInfo;
 * - cancel_auth (same page): SuiteId, InfoType, TimeStamp, AuthCorpId;
 * - reset_permanent_code (DOC-94758, 008-重置永久授权码通知.md): SuiteId, AuthCode, InfoType, TimeStamp
 *   (a 代开发 admin's "重新获取secret", WeComSuiteSim.resetSecret).
 * An empty value is written as an empty element, as the pages print `<ExtraInfo></ExtraInfo>`, so
 * a receiver that only understands CDATA fails here rather than against WeCom. Element order
 * follows the list given (the pages' order varies; XML readers must not depend on it).
 */
export function commandXml(suiteId: string, infoType: string, timestamp: string, fields: readonly CommandField[]): string {
  const rest = fields.map(([name, value, plain]) => `<${name}>${plain === 'number' || value === '' ? value : cdata(value)}</${name}>`).join('');
  return `<xml><SuiteId>${cdata(suiteId)}</SuiteId><InfoType>${cdata(infoType)}</InfoType><TimeStamp>${timestamp}</TimeStamp>${rest}</xml>`;
}

async function post(
  ctx: SimContext,
  target: string,
  envelope: string,
  signature: { msgSignature: string; timestamp: string; nonce: string },
): Promise<{ url: URL; outcome: Awaited<ReturnType<typeof sendCallbackWithRetries>>; elapsedMs: number }> {
  const url = new URL(target);
  url.searchParams.set('msg_signature', signature.msgSignature);
  url.searchParams.set('timestamp', signature.timestamp);
  url.searchParams.set('nonce', signature.nonce);
  const started = Date.now();
  const outcome = await sendCallbackWithRetries({
    fetch: ctx.fetch,
    url: url.toString(),
    body: envelope,
    headers: { 'content-type': 'text/xml' },
    timeoutMs: ctx.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
    maxRetries: CALLBACK_RETRIES,
  });
  return { url, outcome, elapsedMs: Date.now() - started };
}

/**
 * POSTs one command event. Every answer other than the literal `success` is an error to WeCom
 * (DOC-90613); auth events must also be answered within 1000 ms (DOC-100964). Recorded as
 * `callback/<InfoType>` with the reason when it falls short.
 */
export async function pushCommand(suite: SuiteConfig, infoType: string, fields: readonly CommandField[], ctx: SimContext): Promise<PushOutcome> {
  if (!suite.commandUrl) throw new Error(`suite ${suite.suiteId} has no commandUrl`);
  const timestamp = String(Math.floor(ctx.clock.now() / 1000));
  const xml = commandXml(suite.suiteId, infoType, timestamp, fields);
  const crypto = new WeComCrypto({ token: suite.token, encodingAesKey: suite.encodingAesKey, receiveId: suite.suiteId });
  const nonce = randomBytes(8).toString('hex');
  const encrypt = crypto.encrypt(xml);
  const msgSignature = crypto.signature(timestamp, nonce, encrypt);
  // DOC-90613: "ToUserName为产生事件的SuiteId，AgentID为空".
  const envelope = `<xml><ToUserName>${cdata(suite.suiteId)}</ToUserName><AgentID>${cdata('')}</AgentID><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
  const { url, outcome, elapsedMs } = await post(ctx, suite.commandUrl, envelope, { msgSignature, timestamp, nonce });
  const answer = outcome.body;
  const problems = [callbackDeliveryProblem(outcome)];
  if (outcome.delivered && answer !== 'success') problems.push(`answer was ${JSON.stringify(answer.slice(0, 80))}, WeCom requires the literal "success" (DOC-90613)`);
  const authEvent = infoType !== 'suite_ticket';
  const lastAttemptMs = outcome.attempts.at(-1)?.elapsedMs ?? elapsedMs;
  if (authEvent && outcome.delivered && lastAttemptMs > AUTH_EVENT_DEADLINE_MS) {
    problems.push(`answered after ${lastAttemptMs} ms; auth events must be answered within ${AUTH_EVENT_DEADLINE_MS} ms (DOC-100964)`);
  }
  const reason = problems.filter(Boolean).join('; ') || undefined;
  const ok = outcome.delivered && answer === 'success' && (!authEvent || lastAttemptMs <= AUTH_EVENT_DEADLINE_MS);
  ctx.record({
    platform: 'wecom',
    endpoint: `callback/${infoType}`,
    method: 'POST',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    requestBody: { plaintext: xml },
    status: outcome.status,
    resultCode: ok ? 0 : outcome.status || 'failed',
    responseBody: answer,
    reason,
  });
  if (reason) ctx.log(`wecom suite ${suite.suiteId} ${infoType}: ${reason}`);
  return { status: outcome.status, answer, elapsedMs, ok, ...(reason ? { reason } : {}) };
}

/** POSTs an app event (e.g. unlicensed_notify, DOC-95716) to the data URL of the corp the app sees. */
export async function pushDataEvent(suite: SuiteConfig, corpId: string, agentId: number, event: string, xml: string, ctx: SimContext): Promise<PushOutcome> {
  if (!suite.dataUrl) throw new Error(`suite ${suite.suiteId} has no dataUrl`);
  const timestamp = String(Math.floor(ctx.clock.now() / 1000));
  const crypto = new WeComCrypto({ token: suite.token, encodingAesKey: suite.encodingAesKey, receiveId: corpId });
  const nonce = randomBytes(8).toString('hex');
  const { body, msgSignature } = crypto.encryptCallback(xml, { toUserName: corpId, agentId: String(agentId), timestamp, nonce });
  const { url, outcome, elapsedMs } = await post(ctx, dataUrlFor(suite.dataUrl, corpId), body, { msgSignature, timestamp, nonce });
  const reason = callbackDeliveryProblem(outcome);
  ctx.record({
    platform: 'wecom',
    endpoint: `callback/${event}`,
    method: 'POST',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    requestBody: { plaintext: xml },
    status: outcome.status,
    resultCode: outcome.delivered ? 0 : outcome.status || 'failed',
    responseBody: outcome.body,
    reason,
  });
  if (reason) ctx.log(`wecom suite ${suite.suiteId} ${event}: ${reason}`);
  return { status: outcome.status, answer: outcome.body, elapsedMs, ok: outcome.delivered, ...(reason ? { reason } : {}) };
}

export interface UrlCheckResult {
  readonly ok: boolean;
  readonly status: number;
  readonly body: string;
  readonly expected: string;
  readonly elapsedMs: number;
  readonly reason?: string;
}

/**
 * The provider console's "save" check of a URL (DOC-91116): a signed GET with an encrypted echostr
 * that must be echoed bare within 1 s. Command URL: receiveid = suite id (the sim's reading; peers
 * also use the provider corpid here, UNCONFIRMED, research §1.2). Data URL: `$CORPID$` becomes the
 * provider's corpid and receiveid is the provider's corpid (DOC-90595).
 */
export async function verifySuiteUrl(suite: SuiteConfig, which: 'command' | 'data', ctx: SimContext): Promise<UrlCheckResult> {
  const target = which === 'command' ? suite.commandUrl : suite.dataUrl && dataUrlFor(suite.dataUrl, suite.providerCorpId);
  if (!target) throw new Error(`suite ${suite.suiteId} has no ${which}Url`);
  const receiveId = which === 'command' ? suite.suiteId : suite.providerCorpId;
  const crypto = new WeComCrypto({ token: suite.token, encodingAesKey: suite.encodingAesKey, receiveId });
  const { url, expected } = urlCheckRequest(crypto, target, ctx.clock.now());
  const started = Date.now();
  const outcome = await sendCallbackWithRetries({
    fetch: ctx.fetch, url, method: 'GET', timeoutMs: Math.min(ctx.callbackTimeoutMs ?? URL_CHECK_TIMEOUT_MS, URL_CHECK_TIMEOUT_MS), maxRetries: 0, retryOnHttpError: false,
  });
  const elapsedMs = Date.now() - started;
  const reason = urlCheckFailure(outcome, expected);
  const parsed = new URL(url);
  ctx.record({
    platform: 'wecom', endpoint: `callback/verify-${which}-url`, method: 'GET', path: parsed.pathname, query: Object.fromEntries(parsed.searchParams),
    requestBody: undefined, status: outcome.status, resultCode: reason ? outcome.status || 'failed' : 0, responseBody: outcome.body, reason,
  });
  return { ok: reason === undefined, status: outcome.status, body: outcome.body, expected, elapsedMs, ...(reason ? { reason } : {}) };
}
