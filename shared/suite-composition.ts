/**
 * Composition of WeCom suite mode (issue 16): the command and data callbacks, the install pages,
 * the suite-auth worker and the daily license check. The suite store, secrets and tokens live in
 * shared/composition.ts, because the card path needs them for suite integrations' corp tokens.
 */
import { getDocumentClient, getSqsClient } from './adapters/aws/clients';
import { DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { SqsSuiteAuthJobs } from './adapters/aws/suite-auth-jobs';
import { parseEncryptedEnvelope, parseFlatXml, weComCallbackXml } from './adapters/wecom/callback-xml';
import { systemClock, type IntegrationRepository } from './application/ports';
import { SuiteAuthorizations } from './application/suite-authorizations';
import { SuiteInstallUseCase } from './application/suite-install';
import { LicenseTrials } from './application/license-trials';
import { WeComSuiteCommandUseCase } from './application/wecom-suite-command';
import { WeComSuiteDataUseCase } from './application/wecom-suite-data';
import { config, dedupe, inbound, integrations, once, operationLog, record, suiteSecrets, suiteStore, suiteTokens } from './composition';
import { readPublicApiUrl } from './config/runtime-config';
import { suiteAuthQueue } from './config/resources';

/**
 * Reads past the in-process cache: the worker disables and re-enables integrations and must not
 * write back a copy up to a minute old over an operator's change. Writes go through the cache, so
 * this instance forgets its copy; other instances see the change when theirs lapses (≤ 60 s).
 */
const freshIntegrations = (): IntegrationRepository => {
  const uncached = new DynamoIntegrationRepository(getDocumentClient(), config().stateTableName);
  const cached = integrations();
  return { get: (id) => uncached.get(id), put: (i) => cached.put(i), list: () => uncached.list(), delete: (id) => cached.delete(id) };
};

export const suiteCommandUseCase = /* @__PURE__ */ once(
  () =>
    new WeComSuiteCommandUseCase({
      suites: suiteStore(),
      secrets: suiteSecrets(),
      jobs: new SqsSuiteAuthJobs(getSqsClient(), config().queueUrls[suiteAuthQueue.id]),
      operationLog: operationLog(),
      readXml: parseFlatXml,
      parseEnvelope: parseEncryptedEnvelope,
      clock: systemClock,
      record,
    }),
);

export const suiteDataUseCase = /* @__PURE__ */ once(
  () =>
    new WeComSuiteDataUseCase({
      suites: suiteStore(),
      secrets: suiteSecrets(),
      integrations: integrations(),
      dedupe: dedupe(),
      inbound: inbound(),
      xml: weComCallbackXml,
      operationLog: operationLog(),
      clock: systemClock,
      record,
    }),
);

export const suiteAuthorizations = /* @__PURE__ */ once(
  () =>
    new SuiteAuthorizations({
      suites: suiteStore(),
      secrets: suiteSecrets(),
      tokens: suiteTokens(),
      integrations: freshIntegrations(),
      operationLog: operationLog(),
      clock: systemClock,
    }),
);

export const suiteInstallUseCase = /* @__PURE__ */ once(
  () =>
    new SuiteInstallUseCase({
      suites: suiteStore(),
      secrets: suiteSecrets(),
      tokens: suiteTokens(),
      authorizations: suiteAuthorizations(),
      clock: systemClock,
      publicApiUrl: () => {
        const url = readPublicApiUrl();
        if (!url) throw new Error('PUBLIC_API_URL is not set: the install page cannot name its return URL');
        return url;
      },
    }),
);

export const licenseTrials = /* @__PURE__ */ once(
  () => new LicenseTrials({ integrations: integrations(), suites: suiteStore(), tokens: suiteTokens(), operationLog: operationLog(), clock: systemClock }),
);
