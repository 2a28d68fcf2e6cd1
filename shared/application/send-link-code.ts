/**
 * send-link-code (issue 11, 1(c)): mails a linking session its one-time code. The linking pages
 * only ask (LinkCodeMailer, on the link-mail queue); this worker draws the code, stores its hash
 * (OneTimeCodes.issue, replacing any earlier code of the session) and mails it through the
 * integration's SMTP server or Amazon SES.
 *
 * Failures are sorted by what a retry could change:
 *   - the mail server refused it for good (bad recipient, authentication, settings: the mailer's
 *     error says `retryable: false`), the integration is gone or no longer mails codes → recorded
 *     in the operation log with the reason and dropped (a retry would fail the same way);
 *   - anything else (connection, timeout, 4xx throttling, DynamoDB) → thrown, so the queue tries
 *     again (a fresh code each time: the latest wins);
 *   - a request older than the code's 10 minutes → recorded and dropped (a late code is useless).
 */
import type { Integration } from '../domain/integration';
import { LINK_CODE_MAIL_MAX_AGE_MS, linkCodeMail, type LinkCodeMailRequest } from '../domain/link-code-mail';
import { generateOneTimeCode } from '../domain/one-time-code';
import type { OperationRecord } from '../domain/operation-log';
import type { Mailer, OneTimeCodes } from './people-ports';
import type { IntegrationRepository, IntegrationSecretsReader, OperationLog } from './ports';

/** Where the linking pages send a code-mail request (SqsLinkCodeMailer: the link-mail queue). */
export interface LinkCodeMailer {
  request(message: LinkCodeMailRequest): Promise<void>;
}

export interface SendLinkCodeDeps {
  readonly integrations: Pick<IntegrationRepository, 'get'>;
  readonly secrets: IntegrationSecretsReader;
  /** The integration's one-time codes, their hashes keyed by a secret derived from its app secret (oneTimeCodesKey). */
  readonly codesFor: (integration: Integration, appSecret: string) => OneTimeCodes;
  /** A mailer for the integration: its `smtpUrl` secret, or Amazon SES when `ses` is set. */
  readonly mailerFor: (integration: Integration, options: { from: string; smtpUrl?: string; ses?: boolean }) => Mailer;
  readonly operationLog: Pick<OperationLog, 'append'>;
  readonly nowMs: () => number;
  readonly log?: (message: string, details: Record<string, unknown>) => void;
}

export type SendLinkCodeOutcome = 'sent' | 'refused' | 'late' | 'not_configured' | 'integration_unknown';

/** A mail that failed for now; the queue retries it (a fresh code is drawn then). */
export class LinkCodeMailRetryError extends Error {
  override readonly name = 'LinkCodeMailRetryError';
}

export class SendLinkCode {
  constructor(private readonly deps: SendLinkCodeDeps) {}

  async process(request: LinkCodeMailRequest): Promise<SendLinkCodeOutcome> {
    const nowMs = this.deps.nowMs();
    const base = { integrationId: request.integrationId, channel: 'email', recipient: request.email, requestKind: 'link_code_mail' } as const;
    const ageMs = nowMs - request.requestedAt;
    if (ageMs > LINK_CODE_MAIL_MAX_AGE_MS) {
      await this.record({ ...base, atMs: nowMs, result: 'dropped', reasonCode: 'mail_late', reason: `the code mail waited ${Math.round(ageMs / 1000)} s, longer than a code is valid (${LINK_CODE_MAIL_MAX_AGE_MS / 60_000} min); not sent` });
      return 'late';
    }
    const integration = await this.deps.integrations.get(request.integrationId);
    if (!integration) {
      await this.record({ ...base, atMs: nowMs, result: 'dropped', reasonCode: 'integration_unknown', reason: `no integration ${request.integrationId}; the code mail was not sent` });
      return 'integration_unknown';
    }
    const withPlatform = { ...base, platform: integration.platform } as const;
    const settings = integration.settings.linking?.emailCode;
    const secrets = integration.platform === 'wecom' ? await this.deps.secrets.weCom(integration) : await this.deps.secrets.dingTalk(integration);
    const smtpUrl = secrets.smtpUrl;
    if (!settings || (!settings.ses && !smtpUrl)) {
      await this.record({ ...withPlatform, atMs: nowMs, result: 'dropped', reasonCode: 'mail_refused', reason: 'one-time codes by email are not configured for this integration (settings.linking.emailCode with ses, or the secret key smtpUrl); not sent' });
      return 'not_configured';
    }
    const appSecret = 'secret' in secrets ? secrets.secret : secrets.clientSecret;
    const code = generateOneTimeCode();
    await this.deps.codesFor(integration, appSecret).issue(request.sessionKey, request.email, code, nowMs);
    const via = settings.ses ? 'Amazon SES' : 'SMTP';
    try {
      const mailer = this.deps.mailerFor(integration, { from: settings.from, ...(smtpUrl ? { smtpUrl } : {}), ...(settings.ses ? { ses: true } : {}) });
      await mailer.send({ to: request.email, ...linkCodeMail(code, request.language) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if ((error as { retryable?: unknown } | null)?.retryable === false) {
        await this.record({ ...withPlatform, atMs: this.deps.nowMs(), result: 'failed', reasonCode: 'mail_refused', reason: `the code mail was refused (${via}): ${message}; not retried` });
        return 'refused';
      }
      await this.record({ ...withPlatform, atMs: this.deps.nowMs(), result: 'retrying', reasonCode: 'transient_error', reason: `the code mail failed for now (${via}): ${message}; tried again with a fresh code` });
      throw new LinkCodeMailRetryError(`code mail to be retried: ${message}`, { cause: error });
    }
    await this.record({ ...withPlatform, atMs: this.deps.nowMs(), result: 'sent', reasonCode: 'delivered', reason: `one-time code mailed (${via}), valid ${LINK_CODE_MAIL_MAX_AGE_MS / 60_000} min` });
    return 'sent';
  }

  /** Records never fail the mail (a failed record must not make the queue send another code). */
  private async record(record: OperationRecord): Promise<void> {
    try {
      await this.deps.operationLog.append([record]);
    } catch (error) {
      this.deps.log?.('operation record not written', { reasonCode: record.reasonCode, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
