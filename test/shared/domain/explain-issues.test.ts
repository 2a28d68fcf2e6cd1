import * as z from 'zod/mini';
import { explainIssues } from '../../../shared/domain/explain-issues';
import { incidentEventSchema } from '../../../shared/domain/incident-events';
import { addWeComInputSchema, IntegrationAdmin, InvalidIntegrationInputError } from '../../../shared/application/integration-admin';

const base = { type: 'incident.triggered', incidentId: 'i-1', version: 1, occurredAt: '2026-11-22T02:00:00Z', title: 'T', severity: 'Critical' };

function explain(schema: z.ZodMiniType, input: unknown): string {
  const r = schema.safeParse(input);
  if (r.success) throw new Error('expected a failure');
  return explainIssues(r.error.issues, input);
}

describe('explainIssues: what the value must be, never "Invalid input"', () => {
  it('lists the allowed values of an enum', () => {
    expect(explain(incidentEventSchema, { ...base, severity: 'High' })).toBe('severity must be one of Critical, Warning, Info');
  });
  it('says a required field is missing, and a wrong type what it must be', () => {
    const { title: _t, ...noTitle } = base;
    expect(explain(incidentEventSchema, noTitle)).toBe('title is missing');
    expect(explain(incidentEventSchema, { ...base, version: '1' })).toBe('version must be a number');
    expect(explain(incidentEventSchema, { ...base, version: 1.5 })).toBe('version must be a whole number');
    expect(explain(incidentEventSchema, { ...base, version: -1 })).toBe('version must not be negative');
  });
  it('names nested paths, formats and bounds', () => {
    expect(explain(incidentEventSchema, { ...base, responders: ['not-an-email'] })).toBe('responders.0 must be a valid email');
    expect(explain(incidentEventSchema, { ...base, title: 'x'.repeat(513) })).toBe('title must be at most 512 characters');
    expect(explain(incidentEventSchema, { ...base, type: 'incident.exploded' })).toBe('type is not one of the known values');
  });
  it('keeps a check\'s own message', () => {
    expect(explain(addWeComInputSchema, { corpId: 'ww1', agentId: 'abc', secret: 's', token: 't', aesKey: 'k' })).toMatch(/^agentId is not valid: agent id must be digits/);
  });
});

describe('IntegrationAdmin refusals name each field with what is wrong', () => {
  it('carries field and problem, so the CLI can name its flag', async () => {
    const admin = new IntegrationAdmin({} as never, {} as never, 'p/');
    const error = await admin.addWeCom({ corpId: 'ww1', secret: 's', token: 't', aesKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidIntegrationInputError);
    const problems = (error as InvalidIntegrationInputError).problems;
    expect(problems).toContainEqual({ field: 'agentId', problem: 'is missing' });
    expect((error as Error).message).not.toMatch(/Invalid input/);
    const dingtalk = await admin.addDingTalk({ clientId: 'ding', edition: 'gold', qpsPerAppAndApi: 99 }).catch((e: unknown) => e);
    expect((dingtalk as InvalidIntegrationInputError).problems).toEqual(
      expect.arrayContaining([
        { field: 'edition', problem: 'must be one of standard, professional' },
        { field: 'qpsPerAppAndApi', problem: 'must be at most 60' },
      ]),
    );
  });
});
