/**
 * Registers an integration's card callback URL with DingTalk (`/v1.0/card/callbacks/register`,
 * route key `dutybridge-<id>`, our apiSecret), done once when the integration is added: the
 * Lambda functions do not know their own public URL.
 */
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoQuotaMeter } from '../shared/adapters/aws/quota-meter';
import { dingTalkClientFor } from '../shared/adapters/dingtalk/messengers';
import { dingTalkLimits } from '../shared/domain/rate-limit';
import { callbackRouteKey } from '../shared/application/dingtalk-card-flow';
import { InMemoryAccessTokenStore, TokenProvider } from '../shared/application/token-provider';
import type { DingTalkIntegration, DingTalkSecrets } from '../shared/domain/integration';

export async function registerDingTalkCardCallback(integration: DingTalkIntegration, secrets: DingTalkSecrets, apiUrl: string, tableName?: string): Promise<string> {
  const client = dingTalkClientFor(integration, secrets, new TokenProvider({ store: new InMemoryAccessTokenStore() }));
  if (tableName) {
    // The registration is a metered call too: count it, so the meter matches DingTalk's count.
    const limits = dingTalkLimits(integration.settings);
    const meter = new DynamoQuotaMeter(getDocumentClient(), tableName, { quotaOf: () => limits.monthlyMeteredCalls });
    const consumed = await meter.tryConsume(integration.settings.corpId ?? integration.settings.clientId, 1, { severity: 'Critical' });
    if (!consumed.granted) throw new Error(`the org's monthly DingTalk quota is used up (${consumed.used}/${consumed.quota})`);
  }
  const callbackUrl = `${apiUrl.replace(/\/+$/, '')}/dingtalk/${integration.id}/cards`;
  // forceUpdate: re-adding an integration (new URL or secret) must take effect for its cards.
  await client.registerCardCallback({ routeKey: callbackRouteKey(integration.id), callbackUrl, apiSecret: secrets.cardApiSecret, forceUpdate: true });
  return callbackUrl;
}
