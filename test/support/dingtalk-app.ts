/**
 * DingTalk setup shared by the integration tests that run against the simulator: an app in the
 * simulator, the matching integration on the test stack (with its card callback registered), and
 * people linked to it.
 */
import { registerDingTalkCardCallback } from '../../cli/register-card-callback';
import type { DingTalkIntegration } from '../../shared/domain/integration';
import type { Simulator } from '../../sim/server';
import type { TestStack } from './stack';

export { linkPeople } from './links';

export interface SimDingTalkApp {
  corpId: string;
  clientId: string;
  clientSecret: string;
  token: string;
  aesKey: string;
  robotCode: string;
}

export interface SimDingTalkUser {
  userId: string;
  name: string;
  mobile: string;
  email: string;
  unionId: string;
}

export interface SimDingTalkGroup {
  openConversationId: string;
  title: string;
  memberUserIds: string[];
}

/** Puts the app into the simulator (PUT /_sim/dingtalk/apps/<clientId>); fails unless it answers 200. */
export async function simDingTalkApp(sim: Simulator, app: SimDingTalkApp, options: { eventsUrl: string; users: SimDingTalkUser[]; groups?: SimDingTalkGroup[] }): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...app, eventsUrl: options.eventsUrl, users: options.users, groups: options.groups }),
  });
  if (res.status !== 200) throw new Error(`PUT /_sim/dingtalk/apps/${app.clientId} answered ${res.status}: ${await res.text()}`);
}

/**
 * Adds the DingTalk integration for a simulator app (both API bases on the simulator, the incident
 * card template) and registers its card callback at `callbackBase` (the gateway unless given).
 */
export async function addDingTalkIntegration(
  t: TestStack,
  sim: Simulator,
  options: { id: string; app: SimDingTalkApp; cardApiSecret: string; callbackBase?: string },
): Promise<DingTalkIntegration> {
  const { id, app, cardApiSecret } = options;
  const integration = await t.admin.addDingTalk({
    id,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    token: app.token,
    aesKey: app.aesKey,
    cardApiSecret,
    robotCode: app.robotCode,
    corpId: app.corpId,
    cardTemplateId: 'dutybridge-incident-card',
    apiBase: sim.url,
    oapiBase: sim.url,
  });
  if (integration.platform !== 'dingtalk') throw new Error('unexpected platform');
  await registerDingTalkCardCallback(integration, { clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret }, options.callbackBase ?? t.url, t.stack.env.STATE_TABLE_NAME);
  return integration;
}
