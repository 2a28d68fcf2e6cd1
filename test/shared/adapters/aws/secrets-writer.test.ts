/**
 * The CLI's secret writes: new secrets are encrypted with the stack's secrets key when one is
 * given, removal schedules deletion with a recovery window (never a force delete), and re-adding
 * an integration inside that window restores the secret before overwriting it.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  RestoreSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SECRET_RECOVERY_WINDOW_DAYS, secretsManagerWriter } from '../../../../shared/adapters/aws/secrets';

function fakeClient(failCreateWith?: Error) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      if (command instanceof CreateSecretCommand && failCreateWith) throw failCreateWith;
      return {};
    },
  } as unknown as SecretsManagerClient;
  return { client, sent };
}

describe('secretsManagerWriter', () => {
  it('creates a secret with the given KMS key', async () => {
    const { client, sent } = fakeClient();
    await secretsManagerWriter(client, { kmsKeyId: 'arn:aws:kms:cn-north-1:111122223333:key/abc' }).write('p/integrations/wecom/a', { secret: 's' });
    expect(sent).toEqual([
      {
        name: CreateSecretCommand.name,
        input: expect.objectContaining({ Name: 'p/integrations/wecom/a', KmsKeyId: 'arn:aws:kms:cn-north-1:111122223333:key/abc', SecretString: '{"secret":"s"}' }),
      },
    ]);
  });

  it('leaves the key to Secrets Manager without one', async () => {
    const { client, sent } = fakeClient();
    await secretsManagerWriter(client).write('n', {});
    expect(sent[0].input.KmsKeyId).toBeUndefined();
  });

  it('overwrites an existing secret', async () => {
    const { client, sent } = fakeClient(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    await secretsManagerWriter(client).write('n', { a: 1 });
    expect(sent.map((s) => s.name)).toEqual([CreateSecretCommand.name, PutSecretValueCommand.name]);
  });

  it('restores a secret scheduled for deletion, then overwrites it', async () => {
    const { client, sent } = fakeClient(
      new InvalidRequestException({ message: "You can't create this secret because a secret with this name is already scheduled for deletion.", $metadata: {} }),
    );
    await secretsManagerWriter(client).write('n', { a: 1 });
    expect(sent.map((s) => s.name)).toEqual([CreateSecretCommand.name, RestoreSecretCommand.name, PutSecretValueCommand.name]);
  });

  it('rethrows other invalid requests', async () => {
    const { client } = fakeClient(new InvalidRequestException({ message: 'something else', $metadata: {} }));
    await expect(secretsManagerWriter(client).write('n', {})).rejects.toThrow('something else');
  });

  it('deletes with a recovery window, never by force', async () => {
    const { client, sent } = fakeClient();
    await secretsManagerWriter(client).delete('n');
    expect(sent).toEqual([{ name: DeleteSecretCommand.name, input: { SecretId: 'n', RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS } }]);
    expect(SECRET_RECOVERY_WINDOW_DAYS).toBeGreaterThanOrEqual(7);
  });

  it('says who may read when the secrets key refuses the caller', async () => {
    const denied = Object.assign(new Error('Access to KMS is not allowed'), { name: 'AccessDeniedException' });
    const client = { send: async () => Promise.reject(denied) } as unknown as SecretsManagerClient;
    await expect(secretsManagerWriter(client).read('p/integrations/dingtalk/a')).rejects.toThrow(/cannot read secret p\/integrations\/dingtalk\/a: Access to KMS is not allowed.*secretReaderArns/);
  });
});
