/**
 * Composition of the account-linking pages (functions/link-pages): the chat platforms' login and
 * contacts clients, links, the member directory, single-use claims, rate-limit counters, the
 * operation log, OpenID Connect, one-time codes and mail (used when an integration enables them),
 * and the pending action of an unlinked click (H5's PendingActions). Third-party (suite)
 * integrations log in through their suite and read contacts with the suite's corp token (issue 16).
 */
import { DynamoAccessTokenStore } from './adapters/aws/access-token-store';
import { getDocumentClient, getSecretsManagerClient } from './adapters/aws/clients';
import { CachedIntegrationRepository, DynamoIntegrationRepository } from './adapters/aws/integration-repository';
import { DynamoLinkStore } from './adapters/aws/link-store';
import { DynamoMemberDirectory } from './adapters/aws/member-directory';
import { DynamoOperationLog } from './adapters/aws/operation-log';
import { DynamoRateLimitCounters } from './adapters/aws/rate-limit-counters';
import { SecretsManagerIntegrationSecrets } from './adapters/aws/secrets';
import { DynamoTokenClaims } from './adapters/aws/token-claims';
import { DingTalkChatAccounts } from './adapters/dingtalk/chat-accounts';
import { DingTalkClients } from './adapters/dingtalk/messengers';
import { WeComChatAccounts } from './adapters/wecom/chat-accounts';
import { WeComClientMessengers } from './adapters/wecom/messengers';
import { AccountLinking, type AccountLinkingDeps } from './application/account-linking';
import type { ChatAccounts } from './application/account-linking-ports';
import { systemClock } from './application/ports';
import { TokenProvider } from './application/token-provider';
import { DynamoOneTimeCodes } from './adapters/aws/one-time-codes';
import { JoseOidcProvider } from './adapters/oidc/oidc-provider';
import { pendingActionsPort } from './application/link-pending';
import { oneTimeCodesKey } from './crypto/one-time-code-key';
import { SqsLinkCodeMailer } from './adapters/aws/link-mail-queue';
import { getSqsClient } from './adapters/aws/clients';
import { linkMailQueue } from './config/resources';
import { config, pendingActions, suiteStore, suiteTokens } from './composition';
import { SuiteOAuthLogins } from './application/suite-logins';
import { readPublicApiUrl } from './config/runtime-config';
import { logger } from './runtime/observability';

let useCase: AccountLinking | undefined;
let publicUrl: { value: string | undefined } | undefined;

/** PUBLIC_API_URL, read once (undefined: the pages use the request's host). */
export function publicApiUrl(): string | undefined {
  return (publicUrl ??= { value: readPublicApiUrl() }).value;
}

export function accountLinking(): AccountLinking {
  return (useCase ??= new AccountLinking(accountLinkingDeps()));
}

function accountLinkingDeps(): AccountLinkingDeps {
  const client = getDocumentClient();
  const table = config().stateTableName;
  const secrets = new SecretsManagerIntegrationSecrets(getSecretsManagerClient());
  const tokens = new TokenProvider({ store: new DynamoAccessTokenStore(client, table) });
  const weCom = new WeComChatAccounts(new WeComClientMessengers(secrets, tokens, suiteTokens()));
  const dingTalk = new DingTalkChatAccounts(new DingTalkClients(secrets, tokens));
  const chat: ChatAccounts = {
    userIdFromCode: (integration, via, code) =>
      integration.platform === 'wecom' ? weCom.userIdFromCode(integration, code) : dingTalk.userIdFromCode(integration, via === 'dingtalk_client' ? 'dingtalk_client' : 'dingtalk_browser', code),
    contact: (integration, userId) => (integration.platform === 'wecom' ? weCom.contact(integration, userId) : dingTalk.contact(integration, userId)),
  };
  return {
    integrations: new CachedIntegrationRepository(new DynamoIntegrationRepository(client, table)),
    secrets,
    chat,
    suiteLogins: new SuiteOAuthLogins({ suites: suiteStore(), tokens: suiteTokens() }),
    links: new DynamoLinkStore(client, table),
    members: new DynamoMemberDirectory(client, table),
    claims: new DynamoTokenClaims(client, table),
    counters: new DynamoRateLimitCounters(client, table),
    operationLog: new DynamoOperationLog(client, table),
    clock: systemClock,
    log: (message, details) => logger.info(message, details),
    oidc: new JoseOidcProvider({ timeoutMs: Number(process.env.OIDC_TIMEOUT_MS ?? 5000) }),
    // The code hashes are keyed per integration by a key derived from its app secret (as send-link-code's).
    codesFor: (integration, appSecret) => new DynamoOneTimeCodes(client, table, oneTimeCodesKey(appSecret, integration.id)),
    // send-link-code mails the codes (link-mail queue): no mailer in this bundle (not even an
    // import of link-mail-composition.ts, which would bundle nodemailer).
    codeMailer: new SqsLinkCodeMailer(getSqsClient(), config().queueUrls[linkMailQueue.id]),
    pending: pendingActionsPort(pendingActions),
  };
}
