/**
 * `npm start`: the whole product on this machine, in one foreground process on 127.0.0.1 —
 * local DynamoDB/SQS/Secrets Manager, the gateway (PORT, default 8787), the queue pollers and the
 * platform simulator (SIM_PORT, default 8788) with demo integrations. Prints one line per URL,
 * then `ready`. Ctrl-C stops everything.
 */
import '../local/env-defaults';
import path from 'node:path';
import { startLocalStack } from '../local/stack';
import { isVerbose, printOutcomes } from '../local/verbose';
import { DEMO_DINGTALK_ID, DEMO_WECOM_ID, seedDemo } from '../local/demo';
import { createSimulator } from '../sim/server';
import { resolveSmtpPort } from '../sim/mail/mailbox';
import { actionsFromJsonLines, localViewInsight } from '../local/view-insight';
import { actionsTapFile } from '../local/actions-tap';

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = path.resolve(process.env.DUTYBRIDGE_DATA_DIR ?? path.join(process.cwd(), '.data'));
  const verbose = isVerbose(process.argv.slice(2), process.env);
  // One summary line per delivery, click and callback (the functions' outcome lines).
  if (verbose) printOutcomes();
  const log = verbose ? (line: string) => console.log(line) : undefined;
  // PUBLIC_API_URL (e.g. a tunnel that phones can reach) goes into the links people get; default the gateway.
  const stack = await startLocalStack({ dataDir, port: Number(process.env.PORT ?? 8787), log, publicApiUrl: process.env.PUBLIC_API_URL || undefined });
  // The view shows, per card, the operation log and the incident.action messages of its incident.
  const insight = localViewInsight({
    tableName: stack.env.STATE_TABLE_NAME!,
    // The stack's copy of every published incident.action (local/actions-tap.ts).
    actions: actionsFromJsonLines(actionsTapFile(dataDir)),
  });
  const simulator = await createSimulator({ port: Number(process.env.SIM_PORT ?? 8788), smtpPort: resolveSmtpPort(), seed: true, log, insight });
  const demo = await seedDemo({ gatewayUrl: stack.gatewayUrl, simulatorUrl: simulator.url, smtpPort: simulator.smtpPort });

  console.log(`data        ${dataDir}`);
  console.log(`gateway     ${stack.gatewayUrl}/healthz`);
  for (const url of demo.callbackUrls) console.log(`callback    ${url}`);
  // The account-linking pages, opened "inside" the simulated clients (README: People: linking).
  console.log(`linking     ${simulator.url}/_sim/wecom/client?user=lina&url=${encodeURIComponent(`${stack.gatewayUrl}/link/wecom/${DEMO_WECOM_ID}`)}`);
  console.log(`linking     ${simulator.url}/_sim/dingtalk/client?user=lina&url=${encodeURIComponent(`${stack.gatewayUrl}/link/dingtalk/${DEMO_DINGTALK_ID}`)}`);
  console.log(`dynamodb    ${stack.env.AWS_ENDPOINT_URL_DYNAMODB}`);
  console.log(`sqs         ${stack.env.AWS_ENDPOINT_URL_SQS}`);
  console.log(`secrets     ${stack.env.AWS_ENDPOINT_URL_SECRETS_MANAGER}`);
  console.log(`simulator   ${simulator.url}/`);
  console.log(`smtp        smtp://127.0.0.1:${simulator.smtpPort} (mailbox: ${simulator.url}/_sim/mailbox)`);
  console.log(`ready in ${Date.now() - started} ms`);
  console.log('ready');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    await simulator.stop();
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    const which = String(e.port) === String(process.env.SIM_PORT ?? 8788) ? 'SIM_PORT' : String(e.port) === String(resolveSmtpPort()) ? 'SIM_SMTP_PORT' : 'PORT';
    console.error(`dutybridge local stack failed to start: port ${e.port ?? '?'} is in use (another \`npm start\` or program): stop it, or choose another with ${which}=…`);
    process.exit(1);
  }
  console.error(`dutybridge local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
