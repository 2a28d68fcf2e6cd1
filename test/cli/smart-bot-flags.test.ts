/** `integrations set … --smart-bot … --model …` flags and their secrets: parsed with the other flags, mistakes refused before anything opens. */
import { INTEGRATIONS_SET_USAGE, parseIntegrationsSet, parseModelFlags, parseSmartBotFlags } from '../../cli/integrations-set';
import { CliUsageError } from '../../cli/target';

const io = { env: {}, readText: () => '' };
const TOKEN = 'botTok123';
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const withFile = (json: unknown) => ({ env: {}, readText: () => JSON.stringify(json) });

it('reads --smart-bot and --bot-id', () => {
  expect(parseSmartBotFlags({ 'smart-bot': 'on' })).toEqual({ enabled: true });
  expect(parseSmartBotFlags({ 'smart-bot': 'on', 'bot-id': 'aib-1' })).toEqual({ enabled: true, botId: 'aib-1' });
  expect(parseSmartBotFlags({ 'smart-bot': 'off' })).toEqual({ enabled: false });
  expect(parseSmartBotFlags({ 'bot-id': 'aib-2' })).toEqual({ botId: 'aib-2' });
  expect(parseSmartBotFlags({})).toBeUndefined();
});

it('reads --model and its settings; the timeout is whole seconds', () => {
  expect(parseModelFlags({ model: 'on', 'model-base-url': 'https://api.example.com/v1', 'model-name': 'qwen-plus', 'model-timeout': '45' })).toEqual({
    enabled: true,
    baseUrl: 'https://api.example.com/v1',
    model: 'qwen-plus',
    timeoutSeconds: 45,
  });
  expect(parseModelFlags({ model: 'off' })).toEqual({ enabled: false });
  expect(parseModelFlags({ 'model-timeout': '300' })).toEqual({ timeoutSeconds: 300 });
  expect(parseModelFlags({ 'model-timeout': '1' })).toEqual({ timeoutSeconds: 1 });
  expect(parseModelFlags({})).toBeUndefined();
});

it('takes the bot and model secrets from the secrets file apart from the linking ones, trimmed, and names only their keys as sources', () => {
  const r = parseIntegrationsSet('acme', { 'smart-bot': 'on', 'secrets-file': 'bot.json' }, withFile({ botToken: TOKEN, botEncodingAesKey: `${AES}\n`, modelApiKey: 'sk-model-key-123456', smtpUrl: 'smtp://u:p@h:25' }));
  expect(r.smartBot).toEqual({ enabled: true });
  expect(r.botSecrets).toEqual({ botToken: TOKEN, botEncodingAesKey: AES, modelApiKey: 'sk-model-key-123456' });
  expect(r.secrets).toEqual({ smtpUrl: 'smtp://u:p@h:25' });
  expect(r.secretSources.join(' ')).not.toContain(TOKEN);
  expect(r.secretSources).toContain('botToken ← --secrets-file bot.json');
  // The file alone is something to set (rotating the bot's Token).
  expect(parseIntegrationsSet('acme', { 'secrets-file': '-' }, withFile({ botToken: TOKEN })).botSecrets).toEqual({ botToken: TOKEN });
  // Nothing of the bot's when none is given.
  const plain = parseIntegrationsSet('acme', { 'auto-match': 'on' }, io);
  expect([plain.smartBot, plain.model, plain.botSecrets]).toEqual([undefined, undefined, {}]);
});

it('goes with the other flags in one call, and alone is something to set', () => {
  const all = parseIntegrationsSet('acme', { 'auto-match': 'off', 'war-room': 'on', 'smart-bot': 'off', model: 'off' }, io);
  expect(all.patch).toEqual({ autoMatch: false });
  expect(all.warRoom).toEqual({ enabled: true });
  expect(all.smartBot).toEqual({ enabled: false });
  expect(all.model).toEqual({ enabled: false });
  expect(parseIntegrationsSet('acme', { 'model-name': 'glm-4' }, io).model).toEqual({ model: 'glm-4' });
});

it.each([
  [{ 'smart-bot': 'yes' }, '--smart-bot must be on or off'],
  [{ model: 'enabled' }, '--model must be on or off'],
  [{ 'smart-bot': 'on', 'bot-id': ' ' }, '--bot-id needs a value'],
  [{ 'model-name': '' }, '--model-name needs a value'],
  [{ 'model-base-url': 'api.example.com/v1' }, '--model-base-url must be an http(s) URL'],
  [{ 'model-base-url': 'ftp://api.example.com/v1' }, '--model-base-url must be an http(s) URL'],
  [{ 'model-base-url': 'https://user:sk-123@api.example.com/v1' }, '--model-base-url must not carry credentials'],
  [{ 'model-base-url': 'https://api.example.com/v1/chat/completions' }, 'the base before /chat/completions'],
  [{ 'model-timeout': '0' }, '--model-timeout must be a whole number of seconds from 1 to 300'],
  [{ 'model-timeout': '301' }, '--model-timeout must be a whole number of seconds from 1 to 300'],
  [{ 'model-timeout': '2.5' }, '--model-timeout must be a whole number of seconds from 1 to 300'],
  [{ 'model-timeout': '30s' }, '--model-timeout must be a whole number of seconds from 1 to 300'],
])('refuses %j as a usage error', (flags, message) => {
  const parse = () => parseIntegrationsSet('acme', flags, io);
  expect(parse).toThrow(CliUsageError);
  expect(parse).toThrow(message);
});

it.each([
  [{ botToken: 'has-dash-token' }, '"botToken" in --secrets-file s.json: token must be 1-32 letters or digits'],
  [{ botToken: 'a'.repeat(33) }, '"botToken" in --secrets-file s.json: token must be 1-32 letters or digits'],
  [{ botEncodingAesKey: AES.slice(1) }, '"botEncodingAesKey" in --secrets-file s.json: AES key must be exactly 43 letters or digits'],
  [{ botEncodingAesKey: ' \n' }, '"botEncodingAesKey" in --secrets-file s.json: it is empty'],
  [{ modelApiKey: 7 }, '"modelApiKey" in --secrets-file s.json must be a non-empty string'],
  [{ modelKey: 'sk-1' }, '"botToken", "botEncodingAesKey" and "modelApiKey"'],
])('refuses the bad secret %j, never echoing it', (json, message) => {
  const parse = () => parseIntegrationsSet('acme', { 'smart-bot': 'on', 'secrets-file': 's.json' }, withFile(json));
  expect(parse).toThrow(CliUsageError);
  expect(parse).toThrow(message);
  const value = Object.values(json)[0];
  if (typeof value === 'string' && value.trim() !== '') {
    try {
      parse();
    } catch (error) {
      expect((error as Error).message).not.toContain(value.trim());
    }
  }
});

it('the usage text names every smart bot and model flag and secret key', () => {
  for (const text of ['--smart-bot on|off', '--bot-id ID', '--model on|off', '--model-base-url URL', '--model-name NAME', '--model-timeout SECONDS', '"botToken"', '"botEncodingAesKey"', '"modelApiKey"']) {
    expect(INTEGRATIONS_SET_USAGE).toContain(text);
  }
});
