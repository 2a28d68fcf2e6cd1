/**
 * Where `integrations add` takes secrets from (cli/secrets.ts): flag > --secrets-file (or stdin) >
 * environment, with clear errors that never contain a secret.
 */
import { resolveSecrets, SECRET_SPECS, secretsHelp, type SecretSources } from '../../cli/secrets';
import { CliUsageError } from '../../cli/target';

const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const AES_2 = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const WECOM = { secret: 'CorpSecretFromFile1234', token: 'FileToken', encodingAesKey: AES };

function sources(overrides: Partial<SecretSources> & { files?: Record<string, string> } = {}): SecretSources {
  const files = overrides.files ?? {};
  return {
    flags: {},
    env: {},
    readText: (p) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
      return files[p];
    },
    ...overrides,
  };
}

function failure(fn: () => unknown): CliUsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return error as CliUsageError;
  }
  throw new Error('expected a CliUsageError');
}

describe('resolveSecrets', () => {
  it('takes every secret from --secrets-file, keyed by the names they are stored under', () => {
    const r = resolveSecrets('wecom', sources({ secretsFile: 's.json', files: { 's.json': JSON.stringify(WECOM) } }));
    expect(r.values).toEqual({ secret: WECOM.secret, token: 'FileToken', aesKey: AES });
    expect(r.sources.token).toBe('"token" in --secrets-file s.json');
    expect(r.warnings).toEqual([]);

    const ding = { clientSecret: 'DingClientSecret99', token: 'DingTok', aesKey: AES, cardApiSecret: 'CardApiSecret123' };
    const d = resolveSecrets('dingtalk', sources({ secretsFile: 'd.json', files: { 'd.json': JSON.stringify(ding) } }));
    expect(d.values).toEqual(ding);
  });

  it('reads the same JSON from standard input with --secrets-file -', () => {
    const read: string[] = [];
    const r = resolveSecrets('wecom', { flags: {}, env: {}, secretsFile: '-', readText: (p) => (read.push(p), JSON.stringify(WECOM)) });
    expect(read).toEqual(['-']);
    expect(r.values.secret).toBe(WECOM.secret);
    expect(r.sources.secret).toBe('"secret" in --secrets-file - (standard input)');
  });

  it('takes secrets from DUTYBRIDGE_<PLATFORM>_<FLAG> environment variables', () => {
    const env = { DUTYBRIDGE_WECOM_SECRET: 'EnvCorpSecret5678', DUTYBRIDGE_WECOM_TOKEN: 'EnvToken', DUTYBRIDGE_WECOM_AES_KEY: AES };
    const r = resolveSecrets('wecom', sources({ env }));
    expect(r.values).toEqual({ secret: 'EnvCorpSecret5678', token: 'EnvToken', aesKey: AES });
    expect(r.sources).toEqual({ secret: 'DUTYBRIDGE_WECOM_SECRET', token: 'DUTYBRIDGE_WECOM_TOKEN', aesKey: 'DUTYBRIDGE_WECOM_AES_KEY' });
    // The other platform's variables are not used.
    const d = failure(() => resolveSecrets('dingtalk', sources({ env })));
    expect(d.message).toMatch(/missing DingTalk Client Secret/);
  });

  it('prefers the flag, then the file, then the environment, per secret', () => {
    const r = resolveSecrets(
      'wecom',
      sources({
        flags: { token: 'FlagToken' },
        secretsFile: 's.json',
        files: { 's.json': JSON.stringify({ token: 'FileToken', encodingAesKey: AES }) },
        env: { DUTYBRIDGE_WECOM_SECRET: 'EnvCorpSecret5678', DUTYBRIDGE_WECOM_TOKEN: 'EnvToken', DUTYBRIDGE_WECOM_AES_KEY: AES_2 },
      }),
    );
    expect(r.values).toEqual({ secret: 'EnvCorpSecret5678', token: 'FlagToken', aesKey: AES });
    expect(r.sources).toEqual({ secret: 'DUTYBRIDGE_WECOM_SECRET', token: '--token', aesKey: '"encodingAesKey" in --secrets-file s.json' });
  });

  it('warns that secret flags end up in shell history, and only when one is used', () => {
    const r = resolveSecrets('wecom', sources({ flags: { secret: 'FlagCorpSecret1234', token: 'FlagToken', 'aes-key': AES, id: 'acme' } }));
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/--secret, --token, --aes-key on the command line end up in shell history/);
    expect(r.warnings[0]).toContain('DUTYBRIDGE_WECOM_SECRET');
    expect(r.warnings[0]).not.toContain('FlagCorpSecret1234');
    expect(resolveSecrets('wecom', sources({ flags: { id: 'acme', 'corp-id': 'ww1' }, env: { DUTYBRIDGE_WECOM_SECRET: 'x'.repeat(20), DUTYBRIDGE_WECOM_TOKEN: 'T', DUTYBRIDGE_WECOM_AES_KEY: AES } })).warnings).toEqual([]);
  });

  it('names every missing secret and the ways to pass it', () => {
    const e = failure(() => resolveSecrets('wecom', sources({ env: { DUTYBRIDGE_WECOM_TOKEN: 'EnvToken', DUTYBRIDGE_WECOM_SECRET: '' } })));
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('missing WeCom app Secret (corpsecret): pass it as "secret" in --secrets-file PATH (or - for standard input), in the environment variable DUTYBRIDGE_WECOM_SECRET, or with --secret (ends up in shell history)');
    expect(lines[1]).toMatch(/^missing WeCom callback EncodingAESKey: .*"encodingAesKey" in --secrets-file.*DUTYBRIDGE_WECOM_AES_KEY.*--aes-key/);
    expect(e.message).not.toContain('EnvToken');
  });

  it('does not require the DingTalk card apiSecret (it is generated when absent)', () => {
    const r = resolveSecrets('dingtalk', sources({ env: { DUTYBRIDGE_DINGTALK_CLIENT_SECRET: 'DingClientSecret99', DUTYBRIDGE_DINGTALK_TOKEN: 'DingTok', DUTYBRIDGE_DINGTALK_AES_KEY: AES } }));
    expect(r.values.cardApiSecret).toBeUndefined();
    expect(r.values.clientSecret).toBe('DingClientSecret99');
  });

  it('refuses a file that is not JSON without quoting it', () => {
    const e = failure(() => resolveSecrets('wecom', sources({ secretsFile: 's.json', files: { 's.json': 'TopSecretValue42\n' } }))); // a bare secret instead of JSON
    expect(e.message).toMatch(/^--secrets-file s\.json is not valid JSON; expected an object like \{"secret": "…", "token": "…", "encodingAesKey": "…"\}$/);
    expect(e.message).not.toContain('TopSecret');
    for (const notObject of ['["a"]', '"TopSecretValue42"', 'null']) {
      expect(failure(() => resolveSecrets('wecom', sources({ secretsFile: 's.json', files: { 's.json': notObject } }))).message).toMatch(/must hold one JSON object/);
    }
  });

  it('refuses unknown keys, naming them and the keys of the platform', () => {
    const e = failure(() => resolveSecrets('wecom', sources({ secretsFile: 's.json', files: { 's.json': JSON.stringify({ ...WECOM, corpSecret: 'x', aesKey: AES }) } })));
    expect(e.message).toBe('--secrets-file s.json has unknown keys "corpSecret", "aesKey"; the keys for wecom are "secret", "token", "encodingAesKey"');
    // A key that looks like a pasted secret is not echoed.
    const pasted = failure(() => resolveSecrets('dingtalk', sources({ secretsFile: '-', files: { '-': JSON.stringify({ 'Ab3+/x9==TopSecret': 'v' }) } })));
    expect(pasted.message).toMatch(/unknown key a key that is not a name; the keys for dingtalk are "clientSecret", "token", "aesKey", "cardApiSecret" \(optional\)/);
    expect(pasted.message).not.toContain('TopSecret');
  });

  it('refuses non-string values and unreadable files', () => {
    expect(failure(() => resolveSecrets('wecom', sources({ secretsFile: 's.json', files: { 's.json': JSON.stringify({ ...WECOM, token: 42 }) } }))).message).toBe('"token" in --secrets-file s.json must be a string');
    expect(failure(() => resolveSecrets('wecom', sources({ secretsFile: 'nope.json' }))).message).toBe('cannot read --secrets-file nope.json: no such file; give the path of a JSON file with the secrets (or - for standard input)');
    expect(failure(() => resolveSecrets('wecom', sources({ secretsFile: '' }))).message).toBe('--secrets-file needs a path (or - for standard input)');
  });

  it('checks each value, saying where it came from but not what it is', () => {
    // (the file's good encodingAesKey wins over the bad variable, so only the token is reported)
    const e = failure(() => resolveSecrets('wecom', sources({ secretsFile: 's.json', files: { 's.json': JSON.stringify({ ...WECOM, token: 'Bad Token!' }) }, env: { DUTYBRIDGE_WECOM_AES_KEY: 'short' } })));
    expect(e.message).toMatch(/^callback Token \(from "token" in --secrets-file s\.json\): token must be 1-32 letters or digits$/);
    expect(e.message).not.toContain('Bad Token');
    expect(failure(() => resolveSecrets('wecom', sources({ flags: { secret: '' }, env: { DUTYBRIDGE_WECOM_TOKEN: 'T', DUTYBRIDGE_WECOM_AES_KEY: AES } }))).message).toBe(
      'app Secret (corpsecret) (from --secret): it is empty',
    );
  });

  it('trims the newline a pasted or `cat`-ed value brings along', () => {
    const r = resolveSecrets('wecom', sources({ env: { DUTYBRIDGE_WECOM_SECRET: 'EnvCorpSecret5678\n', DUTYBRIDGE_WECOM_TOKEN: ' EnvToken ', DUTYBRIDGE_WECOM_AES_KEY: `${AES}\r\n` } }));
    expect(r.values).toEqual({ secret: 'EnvCorpSecret5678', token: 'EnvToken', aesKey: AES });
  });

  it('warns when the secrets file can be read by other users', () => {
    const base = { secretsFile: 's.json', files: { 's.json': JSON.stringify(WECOM) } };
    expect(resolveSecrets('wecom', sources({ ...base, fileMode: () => 0o100644 })).warnings).toEqual(['s.json can be read by other users (mode 644); `chmod 600` it']);
    expect(resolveSecrets('wecom', sources({ ...base, fileMode: () => 0o100600 })).warnings).toEqual([]);
  });

  it('documents every key, flag and variable in --help', () => {
    const help = secretsHelp();
    for (const spec of [...SECRET_SPECS.wecom, ...SECRET_SPECS.dingtalk]) {
      expect(help).toMatch(new RegExp(`${spec.key}\\s+--${spec.flag}\\s+${spec.env}\\s`));
    }
  });
});
