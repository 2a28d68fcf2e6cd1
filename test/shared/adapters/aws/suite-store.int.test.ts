/**
 * DynamoSuiteStore on the local DynamoDB (a private test stack): the newest suite_ticket wins in
 * whatever order pushes arrive (DOC-90628), an auth code is claimed once (and can be released when
 * its exchange failed), authorizations keep encrypted corp ids verbatim (case-sensitive, DOC-96516).
 */
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoSuiteStore } from '../../../../shared/adapters/aws/suite-store';
import type { SuiteAuthorization } from '../../../../shared/domain/wecom-suite';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
const store = () => new DynamoSuiteStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => t?.stop());

it('keeps the newest ticket: an older push arriving late changes nothing; the same second, the later arrival', async () => {
  const s = store();
  expect(await s.getTicket('wwticketsuite')).toBeUndefined();
  expect(await s.saveTicketIfNewer('wwticketsuite', { ticket: 'T-600', timestamp: 1_700_000_600, receivedAtMs: 1 })).toBe(true);
  expect(await s.saveTicketIfNewer('wwticketsuite', { ticket: 'T-000', timestamp: 1_700_000_000, receivedAtMs: 2 })).toBe(false);
  expect(await s.getTicket('wwticketsuite')).toEqual({ ticket: 'T-600', timestamp: 1_700_000_600, receivedAtMs: 1 });
  expect(await s.saveTicketIfNewer('wwticketsuite', { ticket: 'T-600b', timestamp: 1_700_000_600, receivedAtMs: 3 })).toBe(true);
  expect(await s.saveTicketIfNewer('wwticketsuite', { ticket: 'T-1200', timestamp: 1_700_001_200, receivedAtMs: 4 })).toBe(true);
  expect((await s.getTicket('wwticketsuite'))?.ticket).toBe('T-1200');
  // Another suite's ticket is its own.
  expect(await s.getTicket('wwothersuite')).toBeUndefined();
});

it('claims an auth code once, per suite; a released claim can be taken again', async () => {
  const s = store();
  expect(await s.claimAuthCode('wwclaimsuite', 'AUTH-CODE-1', Date.now())).toBe(true);
  expect(await s.claimAuthCode('wwclaimsuite', 'AUTH-CODE-1', Date.now())).toBe(false);
  expect(await s.claimAuthCode('wwclaimsuite2', 'AUTH-CODE-1', Date.now())).toBe(true);
  await s.releaseAuthCode('wwclaimsuite', 'AUTH-CODE-1');
  expect(await s.claimAuthCode('wwclaimsuite', 'AUTH-CODE-1', Date.now())).toBe(true);
});

it('notes which corp a claimed code was exchanged for (a retry finishes from it)', async () => {
  const s = store();
  expect(await s.claimAuthCode('wwnotesuite', 'AUTH-CODE-9', Date.now())).toBe(true);
  expect(await s.exchangedCorp('wwnotesuite', 'AUTH-CODE-9')).toBeUndefined();
  await s.recordExchangedCode('wwnotesuite', 'AUTH-CODE-9', 'wpNotedCorp', Date.now());
  expect(await s.exchangedCorp('wwnotesuite', 'AUTH-CODE-9')).toBe('wpNotedCorp');
  // Still claimed: a second push of the same code is not exchanged again.
  expect(await s.claimAuthCode('wwnotesuite', 'AUTH-CODE-9', Date.now())).toBe(false);
});

it('keeps authorizations per corp id verbatim: two ids differing only in case are two corps', async () => {
  const s = store();
  const base: SuiteAuthorization = { suiteId: 'wwauthsuite', corpId: 'wpAbCdEf', corpName: 'Upper', agentId: '1000002', status: 'active', secretName: 'x/suites/wwauthsuite/corps/wpAbCdEf', authorizedAtMs: 1, updatedAtMs: 1 };
  await s.putAuthorization(base);
  await s.putAuthorization({ ...base, corpId: 'wpabcdef', corpName: 'Lower', secretName: 'x/suites/wwauthsuite/corps/wpabcdef' });
  expect((await s.getAuthorization('wwauthsuite', 'wpAbCdEf'))?.corpName).toBe('Upper');
  expect((await s.getAuthorization('wwauthsuite', 'wpabcdef'))?.corpName).toBe('Lower');
  expect((await s.listAuthorizations('wwauthsuite')).map((a) => a.corpName).sort()).toEqual(['Lower', 'Upper']);
  await s.putAuthorization({ ...base, status: 'cancelled', cancelledAtMs: 5, updatedAtMs: 5 });
  expect(await s.getAuthorization('wwauthsuite', 'wpAbCdEf')).toMatchObject({ status: 'cancelled', cancelledAtMs: 5 });
  expect(await s.listAuthorizations('wwnosuch')).toEqual([]);
});

it('lists suites through the index and reads one back', async () => {
  const s = store();
  await s.putSuite({ suiteId: 'wwlistsuite', kind: 'third-party', apiBase: 'https://qyapi.weixin.qq.com', secretName: 'x/suites/wwlistsuite', createdAt: '2026-12-02T00:00:00.000Z' });
  await s.putSuite({ suiteId: 'dklistsuite', kind: 'developer-hosted', apiBase: 'https://qyapi.weixin.qq.com', secretName: 'x/suites/dklistsuite', createdAt: '2026-12-02T00:00:00.000Z' });
  expect((await s.listSuites()).map((x) => x.suiteId).sort()).toEqual(expect.arrayContaining(['dklistsuite', 'wwlistsuite']));
  expect((await s.getSuite('dklistsuite'))?.kind).toBe('developer-hosted');
  expect(await s.getSuite('wwnosuchsuite')).toBeUndefined();
});
