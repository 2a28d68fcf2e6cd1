/**
 * The local stack's Secrets Manager: a small server speaking the AWS JSON 1.1 protocol
 * (`X-Amz-Target: secretsmanager.<Operation>`), so the same SDK and Powertools code that reads
 * Secrets Manager in AWS reads it here (AWS_ENDPOINT_URL_SECRETS_MANAGER). No npm emulator exists.
 * Persisted to one JSON file (mode 0600) so a restart keeps the integrations' secrets.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

interface StoredSecret {
  name: string;
  arn: string;
  versionId: string;
  secretString: string;
  description?: string;
  createdDate: number;
  deleted?: boolean;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface LocalSecretsServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

function secretArn(name: string): string {
  return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`;
}

class SecretsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}

export async function startLocalSecrets(options: { file?: string; port?: number } = {}): Promise<LocalSecretsServer> {
  const secrets = new Map<string, StoredSecret>();
  if (options.file && existsSync(options.file)) {
    for (const s of JSON.parse(readFileSync(options.file, 'utf8')) as StoredSecret[]) secrets.set(s.name, s);
  }
  const persist = (): void => {
    if (!options.file) return;
    const tmp = `${options.file}.tmp`;
    writeFileSync(tmp, JSON.stringify([...secrets.values()]), { mode: 0o600 });
    renameSync(tmp, options.file);
  };
  const find = (id: unknown): StoredSecret => {
    if (typeof id !== 'string' || id.length === 0) throw new SecretsError('InvalidParameterException', 'SecretId is required');
    const s = secrets.get(id) ?? [...secrets.values()].find((x) => x.arn === id);
    if (!s || s.deleted) throw new SecretsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return s;
  };
  const describe = (s: StoredSecret) => ({
    ARN: s.arn,
    Name: s.name,
    Description: s.description,
    CreatedDate: s.createdDate / 1000,
    VersionIdsToStages: { [s.versionId]: ['AWSCURRENT'] },
  });

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateSecret(input) {
      const name = input.Name;
      if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
        throw new SecretsError('InvalidParameterException', 'Name is invalid');
      }
      if (typeof input.SecretString !== 'string') throw new SecretsError('InvalidParameterException', 'SecretString is required');
      const existing = secrets.get(name);
      if (existing && !existing.deleted) throw new SecretsError('ResourceExistsException', `The secret ${name} already exists.`);
      const s: StoredSecret = {
        name,
        arn: secretArn(name),
        versionId: randomUUID(),
        secretString: input.SecretString,
        description: typeof input.Description === 'string' ? input.Description : undefined,
        createdDate: Date.now(),
      };
      secrets.set(name, s);
      persist();
      return { ARN: s.arn, Name: s.name, VersionId: s.versionId };
    },
    PutSecretValue(input) {
      const s = find(input.SecretId);
      if (typeof input.SecretString !== 'string') throw new SecretsError('InvalidParameterException', 'SecretString is required');
      s.secretString = input.SecretString;
      s.versionId = randomUUID();
      persist();
      return { ARN: s.arn, Name: s.name, VersionId: s.versionId, VersionStages: ['AWSCURRENT'] };
    },
    GetSecretValue(input) {
      const s = find(input.SecretId);
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: s.versionId,
        SecretString: s.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: s.createdDate / 1000,
      };
    },
    DescribeSecret(input) {
      return describe(find(input.SecretId));
    },
    ListSecrets() {
      return { SecretList: [...secrets.values()].filter((s) => !s.deleted).map(describe) };
    },
    DeleteSecret(input) {
      const s = find(input.SecretId);
      secrets.delete(s.name);
      persist();
      return { ARN: s.arn, Name: s.name, DeletionDate: Date.now() / 1000 };
    },
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
      };
      try {
        const fn = operations[op];
        if (!fn) throw new SecretsError('InvalidAction', `Operation ${op || '(none)'} is not supported by the local stack`);
        const input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        send(200, fn(input));
      } catch (e) {
        if (e instanceof SecretsError) send(400, { __type: e.type, message: e.message });
        else send(400, { __type: 'InvalidRequestException', message: 'Malformed request' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
