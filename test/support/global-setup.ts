/**
 * Integration tests share one set of local AWS servers (dynalite, fauxqs, Secrets Manager); each
 * test file provisions its own tables and queues under a unique prefix (test/support/stack.ts).
 * globalSetup runs in Jest's parent process, where fauxqs (ESM-only) can be imported natively.
 */
import { startLocalAws } from '../../local/aws';

export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Rejections are asserted by the tests; their warning lines would only bury the results.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const aws = await startLocalAws();
  (globalThis as { __DUTYBRIDGE_AWS__?: unknown }).__DUTYBRIDGE_AWS__ = aws;
  // Variables set here reach the test workers.
  Object.assign(process.env, aws.env, { DUTYBRIDGE_TEST_AWS: '1' });
}
