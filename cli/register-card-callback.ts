/**
 * Registers an integration's card callback URL with DingTalk (`/v1.0/card/callbacks/register`,
 * route key `dutybridge-<id>`, our apiSecret), done once when the integration is added: the
 * Lambda functions do not know their own public URL. A callback URL on loopback is refused unless
 * the target is the local stack and the DingTalk it registers with is on loopback too (the
 * simulator): see cli/safety.ts.
 */
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoQuotaMeter } from '../shared/adapters/aws/quota-meter';
import { dingTalkClientFor } from '../shared/adapters/dingtalk/messengers';
import { dingTalkLimits } from '../shared/domain/rate-limit';
import { callbackRouteKey } from '../shared/application/dingtalk-card-flow';
import { InMemoryAccessTokenStore, TokenProvider } from '../shared/application/token-provider';
import type { DingTalkIntegration, DingTalkSecrets } from '../shared/domain/integration';
import { cardCallbackRefusal, type TargetKind } from './safety';
import { CliUsageError } from './target';

export function cardCallbackUrl(apiUrl: string, integrationId: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/dingtalk/${integrationId}/cards`;
}

export async function registerDingTalkCardCallback(
  integration: DingTalkIntegration,
  secrets: DingTalkSecrets,
  apiUrl: string,
  tableName?: string,
  target: TargetKind = 'local',
): Promise<string> {
  const callbackUrl = cardCallbackUrl(apiUrl, integration.id);
  // Checked before anything is called or metered.
  const refusal = cardCallbackRefusal(callbackUrl, integration.settings.apiBase, target);
  if (refusal) throw new CliUsageError(`not registering the card callback: ${refusal}`);
  const client = dingTalkClientFor(integration, secrets, new TokenProvider({ store: new InMemoryAccessTokenStore() }));
  if (tableName) {
    // The registration is a metered call too: count it, so the meter matches DingTalk's count.
    const limits = dingTalkLimits(integration.settings);
    const meter = new DynamoQuotaMeter(getDocumentClient(), tableName, { quotaOf: () => limits.monthlyMeteredCalls });
    const consumed = await meter.tryConsume(integration.settings.corpId ?? integration.settings.clientId, 1, { severity: 'Critical' });
    if (!consumed.granted) throw new Error(`the org's monthly DingTalk quota is used up (${consumed.used}/${consumed.quota})`);
  }
  // forceUpdate: re-adding an integration (new URL or secret) must take effect for its cards.
  await client.registerCardCallback({ routeKey: callbackRouteKey(integration.id), callbackUrl, apiSecret: secrets.cardApiSecret, forceUpdate: true });
  return callbackUrl;
}
