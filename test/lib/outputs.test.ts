import { functionDefinitions } from '../../shared/config/functions';
import { SECRET_PREFIX_ENV, queues, tables } from '../../shared/config/resources';
import {
  CALLBACK_URL_TEMPLATE_OUTPUTS,
  CallbackRouteNotFoundError,
  InvalidEnvironmentKeyError,
  callbackRoutePath,
  outputKeyForEnv,
  resourceEnvironmentKeys,
} from '../../lib/outputs';

describe('outputKeyForEnv', () => {
  it.each([
    ['STATE_TABLE_NAME', 'StateTableName'],
    ['INCIDENT_EVENTS_QUEUE_URL', 'IncidentEventsQueueUrl'],
    ['INCIDENT_ACTIONS_DLQ_URL', 'IncidentActionsDlqUrl'],
    ['SECRET_NAME_PREFIX', 'SecretNamePrefix'],
    ['S3', 'S3'],
    ['OAUTH2_TOKEN', 'Oauth2Token'],
  ])('%s → %s', (envKey, expected) => {
    expect(outputKeyForEnv(envKey)).toBe(expected);
  });

  it.each(['', 'state_table', 'State_Table', '_LEADING', 'TRAILING_', 'DOUBLE__UNDERSCORE', 'HAS-DASH'])(
    'rejects %p',
    (envKey) => {
      expect(() => outputKeyForEnv(envKey)).toThrow(InvalidEnvironmentKeyError);
    },
  );

  it('gives every resource environment variable a distinct alphanumeric key', () => {
    const keys = resourceEnvironmentKeys().map(outputKeyForEnv);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe('resourceEnvironmentKeys', () => {
  it('lists every table, queue and dead-letter queue variable plus the secret prefix', () => {
    expect(resourceEnvironmentKeys().sort()).toEqual(
      [
        ...tables.map((table) => table.envKey),
        ...queues.map((queue) => queue.envKey),
        ...queues.map((queue) => queue.dlqEnvKey),
        SECRET_PREFIX_ENV,
      ].sort(),
    );
  });
});

describe('callbackRoutePath', () => {
  it('reads each URL template path from the function definitions', () => {
    expect(callbackRoutePath('wecom-callback')).toBe('wecom/{integrationId}/callback');
    expect(callbackRoutePath('dingtalk-events')).toBe('dingtalk/{integrationId}/events');
    expect(callbackRoutePath('dingtalk-cards')).toBe('dingtalk/{integrationId}/cards');
  });

  it('resolves every declared template to a route path with the integrationId (or, for the WeCom suite, suiteId) placeholder', () => {
    for (const { functionName } of CALLBACK_URL_TEMPLATE_OUTPUTS) {
      const definition = functionDefinitions.find((candidate) => candidate.name === functionName);
      expect(definition?.routes?.map((route) => route.path)).toContain(`/${callbackRoutePath(functionName)}`);
      expect(callbackRoutePath(functionName)).toContain(functionName.startsWith('wecom-suite-') ? '{suiteId}' : '{integrationId}');
    }
    expect(callbackRoutePath('wecom-suite-command')).toBe('wecom-suite/{suiteId}/command');
  });

  it('rejects functions without exactly one route path', () => {
    expect(() => callbackRoutePath('notify')).toThrow(CallbackRouteNotFoundError);
    expect(() => callbackRoutePath('no-such-function')).toThrow(CallbackRouteNotFoundError);
  });
});
