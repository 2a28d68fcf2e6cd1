/**
 * Demo integrations for `npm start`: one WeCom and one DingTalk integration pointing at the
 * simulator, with the simulator's seeded users, so a newcomer can click a card at once.
 * The demo secrets are public, local-only values from sim/seed.ts.
 */
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { getSecretsManagerClient, getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoIntegrationRepository } from '../shared/adapters/aws/integration-repository';
import { LinkingAdmin } from '../shared/application/linking-admin';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../shared/adapters/aws/member-directory';
import { secretsManagerWriter } from '../shared/adapters/aws/secrets';
import { readRuntimeConfig } from '../shared/config/runtime-config';
import { dingTalkSecretsSchema } from '../shared/domain/integration';
import { registerDingTalkCardCallback } from '../cli/register-card-callback';
import { DynamoBotRegistry } from '../shared/adapters/aws/bot-registry';
import { botSecretName } from '../shared/adapters/aws/bot-secrets';
import { demoWeComRobot, demoDingTalkApp, demoOidcClient, demoUsers, demoWeComCorp, demoWeComSuite, demoSuiteCustomer } from '../sim/seed';
import { DynamoSuiteStore } from '../shared/adapters/aws/suite-store';
import { suiteSecretName } from '../shared/adapters/aws/suite-secrets';

export const DEMO_WECOM_ID = 'demo-wecom';
export const DEMO_DINGTALK_ID = 'demo-dingtalk';
/** The demo WeCom integration's group bot (the simulator's on-call group robot). */
export const DEMO_BOT = 'oncall';
/** Sender of the demo integrations' one-time code mails (they land in the simulator's mailbox). */
export const DEMO_MAIL_FROM = 'noreply@dutybridge.example';
/** The simulator accepts any template id; a real deployment imports shared/adapters/dingtalk/card-template. */
export const DEMO_CARD_TEMPLATE_ID = 'dutybridge-incident-card';

async function simPut(simulatorUrl: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${simulatorUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator refused ${path}: ${res.status} ${await res.text()}`);
}

export async function seedDemo(options: {
  gatewayUrl: string;
  simulatorUrl: string;
  /** The simulator mailbox's SMTP port: the demo integrations mail one-time codes there. */
  smtpPort?: number;
}): Promise<{ callbackUrls: string[] }> {
  const config = readRuntimeConfig();
  const admin = awsIntegrationAdmin(config.stateTableName, config.secretNamePrefix);
  // Ports may change between runs, so the demo integrations are rewritten at every start.
  await admin.addWeCom(
    {
      id: DEMO_WECOM_ID,
      name: 'Demo WeCom app (simulator)',
      corpId: demoWeComCorp.corpId,
      agentId: String(demoWeComCorp.agentId),
      apiBase: options.simulatorUrl,
      secret: demoWeComCorp.secret,
      token: demoWeComCorp.token,
      aesKey: demoWeComCorp.encodingAesKey,
    },
    { replace: true },
  );
  await admin.addDingTalk(
    {
      id: DEMO_DINGTALK_ID,
      name: 'Demo DingTalk app (simulator)',
      clientId: demoDingTalkApp.clientId,
      clientSecret: demoDingTalkApp.clientSecret,
      token: demoDingTalkApp.token,
      aesKey: demoDingTalkApp.aesKey,
      cardApiSecret: demoDingTalkApp.apiSecret ?? 'local-demo-card-api-secret',
      robotCode: demoDingTalkApp.robotCode,
      corpId: demoDingTalkApp.corpId,
      cardTemplateId: DEMO_CARD_TEMPLATE_ID,
      apiBase: options.simulatorUrl,
      oapiBase: options.simulatorUrl,
    },
    { replace: true },
  );
  const linking = new LinkingAdmin(new DynamoIntegrationRepository(getDocumentClient(), config.stateTableName), secretsManagerWriter(getSecretsManagerClient()));
  // The linking pages (<gateway>/link/wecom/demo-wecom, /link/dingtalk/demo-dingtalk) against the
  // simulator: its OAuth pages, its stand-in DingTalk jsapi, and its OpenID Connect provider's demo client.
  const oidc = { issuer: `${options.simulatorUrl}/oidc`, clientId: demoOidcClient.clientId };
  await linking.set(DEMO_WECOM_ID, { oauthBase: options.simulatorUrl, oidc }, { oidcClientSecret: demoOidcClient.clientSecret });
  await linking.set(DEMO_DINGTALK_ID, { jsapiUrl: `${options.simulatorUrl}/_sim/dingtalk/dingtalk.open.js`, loginBase: options.simulatorUrl, oidc }, { oidcClientSecret: demoOidcClient.clientSecret });
  if (options.smtpPort !== undefined) {
    // One-time codes by email through the simulator's mailbox (any AUTH, no TLS on loopback):
    // read them at <sim>/_sim/mailbox or in the simulator's view.
    for (const id of [DEMO_WECOM_ID, DEMO_DINGTALK_ID]) {
      await linking.set(id, { emailCode: { from: DEMO_MAIL_FROM } }, { smtpUrl: `smtp://demo:demo@127.0.0.1:${options.smtpPort}` });
    }
  }
  // The demo links every simulated person in both demo integrations (member email ↔ userid).
  const links = new DynamoLinkStore(getDocumentClient(), config.stateTableName);
  const members = new DynamoMemberDirectory(getDocumentClient(), config.stateTableName);
  for (const user of demoUsers) {
    // What member.upserted would bring: names for the cards, mobiles for DingTalk @mentions.
    await members.upsert({ email: user.email, name: user.name, mobile: user.mobile, updatedAt: Date.now() });
    for (const integrationId of [DEMO_WECOM_ID, DEMO_DINGTALK_ID]) await links.set({ integrationId, email: user.email, userId: user.userId, linkedAt: Date.now() });
  }
  // A demo group bot: the simulator's on-call group robot, @mentioning responders by phone
  // (as `dutybridge bots add --integration demo-wecom --name oncall --mention phone` would).
  const botUrl = `${options.simulatorUrl}/cgi-bin/webhook/send?key=${demoWeComRobot.key}`;
  const botSecret = botSecretName(config.secretNamePrefix, 'wecom', DEMO_WECOM_ID, DEMO_BOT);
  await secretsManagerWriter(getSecretsManagerClient()).write(botSecret, { webhookUrl: botUrl });
  await new DynamoBotRegistry(getDocumentClient(), config.stateTableName).put({
    integrationId: DEMO_WECOM_ID,
    name: DEMO_BOT,
    platform: 'wecom',
    mention: 'phone',
    secretName: botSecret,
    maskedUrl: `${options.simulatorUrl}/cgi-bin/webhook/send?key=••••${demoWeComRobot.key.slice(-4)}`,
    signed: false,
    createdAt: new Date().toISOString(),
  });
  const weComCallback = `${options.gatewayUrl}/wecom/${DEMO_WECOM_ID}/callback`;
  const dingTalkEvents = `${options.gatewayUrl}/dingtalk/${DEMO_DINGTALK_ID}/events`;
  const dingTalkCards = `${options.gatewayUrl}/dingtalk/${DEMO_DINGTALK_ID}/cards`;
  await simPut(options.simulatorUrl, `/_sim/wecom/corps/${demoWeComCorp.corpId}`, {
    agentId: demoWeComCorp.agentId,
    secret: demoWeComCorp.secret,
    token: demoWeComCorp.token,
    encodingAesKey: demoWeComCorp.encodingAesKey,
    callbackUrl: weComCallback,
    users: demoUsers,
    robots: [demoWeComRobot],
  });
  await simPut(options.simulatorUrl, `/_sim/dingtalk/apps/${demoDingTalkApp.clientId}`, {
    corpId: demoDingTalkApp.corpId,
    clientId: demoDingTalkApp.clientId,
    clientSecret: demoDingTalkApp.clientSecret,
    token: demoDingTalkApp.token,
    aesKey: demoDingTalkApp.aesKey,
    robotCode: demoDingTalkApp.robotCode,
    eventsUrl: dingTalkEvents,
    users: demoUsers,
  });
  // As `integrations add dingtalk` does: tell DingTalk (the simulator) where card clicks go.
  const dingTalk = await admin.get(DEMO_DINGTALK_ID);
  if (dingTalk?.platform === 'dingtalk') {
    await registerDingTalkCardCallback(dingTalk, dingTalkSecretsSchema.parse(await secretsManagerWriter(getSecretsManagerClient()).read(dingTalk.secretName)), options.gatewayUrl, config.stateTableName);
  }
  await seedDemoSuite(options, config.stateTableName, config.secretNamePrefix);
  return { callbackUrls: [weComCallback, dingTalkEvents, dingTalkCards] };
}

/**
 * The demo third-party app (suite mode): added on our side as `suites add wecom` would, and
 * registered in the simulated provider console with our command and data URLs, plus a customer
 * corp that can install it from `<simulator>/_sim/wecom/market` (then `npx dutybridge integrations
 * add wecom --suite wwlocaldemosuite01 --corp-id wwlocaldemocustomer1`).
 */
async function seedDemoSuite(options: { gatewayUrl: string; simulatorUrl: string }, tableName: string, prefix: string): Promise<void> {
  const s = demoWeComSuite;
  const secretName = suiteSecretName(prefix, s.suiteId);
  await secretsManagerWriter(getSecretsManagerClient()).write(secretName, { suiteSecret: s.suiteSecret, token: s.token, encodingAesKey: s.encodingAesKey, providerSecret: s.providerSecret });
  await new DynamoSuiteStore(getDocumentClient(), tableName).putSuite({
    suiteId: s.suiteId,
    kind: 'third-party',
    apiBase: options.simulatorUrl,
    providerCorpId: s.providerCorpId,
    secretName,
    createdAt: new Date().toISOString(),
  });
  await simPut(options.simulatorUrl, `/_sim/wecom/customers/${demoSuiteCustomer.corpId}`, { corpName: demoSuiteCustomer.corpName, users: demoUsers });
  await simPut(options.simulatorUrl, `/_sim/wecom/suites/${s.suiteId}`, {
    ...s,
    name: 'dutybridge (demo third-party app)',
    commandUrl: `${options.gatewayUrl}/wecom-suite/${s.suiteId}/command`,
    dataUrl: `${options.gatewayUrl}/wecom-suite/${s.suiteId}/data`,
    redirectDomain: new URL(options.gatewayUrl).host,
    trustedDomain: new URL(options.gatewayUrl).host,
  });
}
