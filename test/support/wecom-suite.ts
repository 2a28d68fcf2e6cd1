/**
 * WeCom suite setup shared by the suite-mode integration tests (issue 16): the operator's
 * SuiteAdmin over the test stack's real adapters, and a suite added on our side and registered in
 * the simulator's provider console (command and data URLs pointing at the test stack).
 */
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { DynamoAccessTokenStore } from '../../shared/adapters/aws/access-token-store';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { SecretsManagerSuiteSecrets } from '../../shared/adapters/aws/suite-secrets';
import { DynamoSuiteStore } from '../../shared/adapters/aws/suite-store';
import { weComSuiteApiFactory } from '../../shared/adapters/wecom/suite-client';
import { systemClock } from '../../shared/application/ports';
import { SuiteAdmin } from '../../shared/application/suite-admin';
import { SuiteTokens } from '../../shared/application/suite-tokens';
import { TokenProvider } from '../../shared/application/token-provider';
import type { Simulator } from '../../sim/server';
import type { TestStack } from './stack';

export interface TestSuite {
  suiteId: string;
  suiteSecret: string;
  token: string;
  encodingAesKey: string;
  providerCorpId: string;
  providerSecret: string;
}

/** A simulator control call; a non-2xx answer fails the test with its body. */
export async function simJson(sim: Simulator, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sim.url}${route}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const parsed = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** What `npx dutybridge suites …` / `integrations add wecom --suite …` run, over the test stack. */
export function suiteAdminFor(t: TestStack): { admin: SuiteAdmin; suites: DynamoSuiteStore } {
  const table = t.stack.env.STATE_TABLE_NAME;
  const suites = new DynamoSuiteStore(getDocumentClient(), table);
  const tokens = new SuiteTokens({
    suites,
    secrets: new SecretsManagerSuiteSecrets(getSecretsManagerClient(), t.stack.env.SECRET_NAME_PREFIX),
    api: weComSuiteApiFactory,
    tokens: new TokenProvider({ store: new DynamoAccessTokenStore(getDocumentClient(), table) }),
    clock: systemClock,
  });
  const admin = new SuiteAdmin({
    suites,
    secrets: secretsManagerWriter(getSecretsManagerClient()),
    integrations: new DynamoIntegrationRepository(getDocumentClient(), table),
    tokens,
    clock: systemClock,
    secretNamePrefix: t.stack.env.SECRET_NAME_PREFIX,
    apiUrl: t.url,
  });
  return { admin, suites };
}

/**
 * The operator adds the suite first (`suites add wecom …`), then registers its URLs in the
 * simulated provider console, which pushes the first suite_ticket at once.
 */
export async function registerSuite(t: TestStack, sim: Simulator, admin: SuiteAdmin, suite: TestSuite, simOptions: Record<string, unknown> = {}): Promise<void> {
  await admin.addSuite({ suiteId: suite.suiteId, suiteSecret: suite.suiteSecret, token: suite.token, aesKey: suite.encodingAesKey, apiBase: sim.url, providerCorpId: suite.providerCorpId, providerSecret: suite.providerSecret });
  await simJson(sim, 'PUT', `/_sim/wecom/suites/${suite.suiteId}`, {
    ...suite,
    commandUrl: `${t.url}/wecom-suite/${suite.suiteId}/command`,
    dataUrl: `${t.url}/wecom-suite/${suite.suiteId}/data`,
    redirectDomain: new URL(t.url).host,
    ...simOptions,
  });
}
