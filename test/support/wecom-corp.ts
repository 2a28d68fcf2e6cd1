/**
 * WeCom setup shared by the integration tests that run against the simulator: a corp in the
 * simulator and the matching integration on the test stack. People are linked with linkPeople.
 */
import type { Simulator } from '../../sim/server';
import type { TestStack } from './stack';

export { linkPeople } from './links';

export interface SimWeComCorp {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
}

export interface SimWeComUser {
  userId: string;
  name: string;
  mobile: string;
  email: string;
  unlicensed?: boolean;
}

/** PUT /_sim/wecom/corps/<corpId>, with the callback URL and users; returns the answer's status. */
export async function putSimWeComCorp(sim: Simulator, corp: SimWeComCorp, options: { callbackUrl?: string; users: SimWeComUser[] }): Promise<number> {
  const res = await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...corp, callbackUrl: options.callbackUrl, users: options.users }),
  });
  return res.status;
}

/** Adds the WeCom integration for a simulator corp (API base on the simulator). */
export async function addWeComIntegration(t: TestStack, sim: Simulator, options: { id: string; corp: SimWeComCorp }): Promise<void> {
  const { id, corp } = options;
  await t.admin.addWeCom({ id, corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
}
