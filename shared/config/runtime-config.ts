/**
 * Runtime configuration, read from the environment once and validated, so a misconfigured
 * function fails at its first invocation with a clear message instead of deep inside an SDK call.
 */
import * as z from 'zod/mini';
import { queues, stateTable } from './resources';

const configSchema = z.object({
  stateTableName: z.string().check(z.minLength(1)),
  secretNamePrefix: z.string().check(z.minLength(1)),
  queueUrls: z.record(z.string(), z.string().check(z.minLength(1))),
  deadLetterQueueUrls: z.record(z.string(), z.string().check(z.minLength(1))),
});
export type RuntimeConfig = z.infer<typeof configSchema>;

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const missing: string[] = [];
  const need = (key: string): string => {
    const v = env[key];
    if (!v) missing.push(key);
    return v ?? '';
  };
  const queueUrls: Record<string, string> = {};
  const deadLetterQueueUrls: Record<string, string> = {};
  for (const q of queues) {
    queueUrls[q.id] = need(q.envKey);
    deadLetterQueueUrls[q.id] = need(q.dlqEnvKey);
  }
  const config = {
    stateTableName: need(stateTable.envKey),
    secretNamePrefix: need('SECRET_NAME_PREFIX'),
    queueUrls,
    deadLetterQueueUrls,
  };
  if (missing.length > 0) throw new ConfigurationError(`missing environment variables: ${missing.join(', ')}`);
  return configSchema.parse(config);
}
