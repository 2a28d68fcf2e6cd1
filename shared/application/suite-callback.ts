/**
 * What the suite's two callbacks (command and data URL) share before they differ: the signed
 * query checked for shape and freshness before any lookup, the suite found (an unknown one gets the
 * same 401 as a bad signature), its Token/EncodingAESKey read, and the receiveid tried — which one
 * WeCom uses differs per URL and method (wecom-suite research §1.1–1.2).
 */
import { WeComCrypto, WeComCryptoError } from '../crypto';
import { BadRequestError } from '../domain/errors';
import { suiteIdSchema, type SuiteRecord } from '../domain/wecom-suite';
import { checkSha1SignedQuery } from './callback-auth';
import { parseQueryOnce, requireParams, type CallbackRequest, type CallbackResponse } from './http-types';
import { UnknownIntegrationError } from './integration-lookup';
import type { Clock } from './ports';
import type { SuiteSecretsStore, SuiteStore } from './suite-ports';

/** A suite id that is not ours, or a suite not configured: the same 401 as a bad signature. */
export async function findSuite(suites: SuiteStore, suiteId: string): Promise<SuiteRecord> {
  const suite = suiteIdSchema.safeParse(suiteId).success ? await suites.getSuite(suiteId) : undefined;
  if (!suite) throw new UnknownIntegrationError();
  return suite;
}

/** Tries each candidate receiveid; a signature failure is final, a receiveid mismatch tries the next. */
export function verifyWithEither<T>(receiveIds: readonly (string | undefined)[], verify: (receiveId: string) => T): T {
  let lastError: unknown = new BadRequestError('receiveid_mismatch', 'no receiveid to verify with');
  for (const id of receiveIds) {
    if (!id) continue;
    try {
      return verify(id);
    } catch (error) {
      if (!(error instanceof WeComCryptoError) || error.code !== -40005) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

export interface SuiteCallback {
  readonly suite: SuiteRecord;
  /** The GET (URL verification) echostr; undefined on POST. */
  readonly echostr?: string;
  readonly signed: { readonly msgSignature: string; readonly timestamp: string; readonly nonce: string };
  /** The suite's crypto for one receiveid. */
  crypto(receiveId: string): WeComCrypto;
}

export async function openSuiteCallback(deps: { suites: SuiteStore; secrets: SuiteSecretsStore; clock: Clock }, request: CallbackRequest): Promise<SuiteCallback> {
  const params = parseQueryOnce(request.rawQuery);
  const q = requireParams(params, ['msg_signature', 'timestamp', 'nonce']);
  checkSha1SignedQuery({ signature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce }, deps.clock.nowMs());
  const echostr = request.method === 'GET' ? requireParams(params, ['echostr']).echostr : undefined;
  const suite = await findSuite(deps.suites, request.integrationId);
  const secrets = await deps.secrets.read(suite);
  return {
    suite,
    ...(echostr !== undefined ? { echostr } : {}),
    signed: { msgSignature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce },
    crypto: (receiveId) => new WeComCrypto({ token: secrets.token, encodingAesKey: secrets.encodingAesKey, receiveId }),
  };
}

/** URL verification answer: the bare plaintext, no quotes, BOM or newline (DOC-91116). */
export function verifiedUrl(plain: string): CallbackResponse {
  return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: plain };
}
