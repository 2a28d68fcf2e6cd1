/**
 * Behaviour settings given at deploy time (`-c closedIncidentRetentionDays=90`, …) reach every
 * function's environment under the names the functions read; unset ones are left to the
 * functions' defaults, and a bad value fails synthesis instead of the first invocation.
 */
import { functionDefinitions } from '../../shared/config/functions';
import { InvalidRuntimeSettingError, runtimeSettingsEnvironment } from '../../lib/stateless-stack';
import { removeOutdir, synthApp, type SynthesizedApp } from './support/synth';

describe('runtime settings', () => {
  let synthesized: SynthesizedApp | undefined;
  afterAll(() => removeOutdir(synthesized));

  it('reach every function from the CDK context', () => {
    synthesized = synthApp({
      context: { closedIncidentRetentionDays: '90', memberRetentionDays: 365, cardCallbackWindowSeconds: '120', cardClicksPerUserPerMinute: '5', cardClicksPerIncidentPerMinute: '20', logEmailHashSalt: 'pepper' },
    });
    const functions = Object.values(synthesized.statelessTemplate.findResources('AWS::Lambda::Function')).filter((f) => (f.Properties as { Environment?: unknown }).Environment !== undefined);
    expect(functions.length).toBeGreaterThanOrEqual(functionDefinitions.length);
    for (const f of functions) {
      expect((f.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables).toMatchObject({
        CLOSED_INCIDENT_RETENTION_DAYS: '90',
        MEMBER_RETENTION_DAYS: '365',
        DINGTALK_CARD_CALLBACK_WINDOW_SECONDS: '120',
        CARD_CLICKS_PER_USER_PER_MINUTE: '5',
        CARD_CLICKS_PER_INCIDENT_PER_MINUTE: '20',
        LOG_EMAIL_HASH_SALT: 'pepper',
      });
    }
  });

  it('leave unset settings to the functions and refuse values that are not positive numbers', () => {
    expect(runtimeSettingsEnvironment({})).toEqual({});
    expect(runtimeSettingsEnvironment({ memberRetentionDays: 7 })).toEqual({ MEMBER_RETENTION_DAYS: '7' });
    expect(() => runtimeSettingsEnvironment({ closedIncidentRetentionDays: Number('ninety') })).toThrow(InvalidRuntimeSettingError);
    expect(() => runtimeSettingsEnvironment({ cardClicksPerUserPerMinute: 0 })).toThrow(/cardClicksPerUserPerMinute must be a positive number/);
  });
});
