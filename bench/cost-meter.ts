/**
 * What a run on the local stack would be billed for, counted per principal (a function, a function's
 * SQS event source mapping `esm:<fn>`, or `incident-system`, the bench playing the caller's system):
 *
 * - Lambda: each handler call through local/handlers.ts (wrapped here, before the gateway and the
 *   pollers pick the handlers up). Its billed duration per region is its compute time (wall time
 *   less the time with an AWS or platform call outstanding: on this machine those calls are served
 *   by dynalite, fauxqs and the simulator on the same thread) plus an assumed network time per call
 *   (NETWORK_MS; calls taken as sequential, an upper bound). API Gateway: one request per call of a
 *   function with routes.
 * - DynamoDB: the consumed capacity DynamoDB itself would report. The middleware asks every call on
 *   the shared document client for `ReturnConsumedCapacity: TOTAL`, which dynalite computes by
 *   DynamoDB's rules (reads per 4 KB, halved when eventually consistent; writes per 1 KB of the
 *   larger of old and new item). A put of an item carrying the gsi1 key is counted twice (the index
 *   write); a write refused by its condition still costs 1 WRU.
 * - SQS: every request of every SQSClient in the process (prototype patch: the pollers' client is
 *   private to local/stack.ts), one request per 64 KB of payload; empty receives are kept apart
 *   (the local pollers wait 1 s, Lambda's 20 s: idle polling is priced as a fixed cost instead).
 * - Secrets Manager GetSecretValue calls and the (function, secret) pairs behind them.
 * - Log bytes and lines each invocation writes (Powertools JSON and EMF), via cost-env.ts.
 * - KMS uses by (resource, principal) pair, which the report turns into requests per 5-minute window.
 */
import { performance } from 'node:perf_hooks';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localHandlers, type AnyHandler } from '../local/handlers';
import { getDocumentClient, getSecretsManagerClient } from '../shared/adapters/aws/clients';
import { functionDefinitions } from '../shared/config/functions';
import { queues } from '../shared/config/resources';
import { awaitingCall, invocationScope, outputSink, type Invocation } from './cost-env';

export type BillingRegion = 'us-east-1' | 'cn-north-1';

/**
 * Assumed network time per call, added to the measured duration (local calls take ~0 ms). Platform
 * APIs (qyapi.weixin.qq.com, api.dingtalk.com) answer from mainland China: a long round trip from
 * us-east-1, a short one from Beijing.
 */
export const NETWORK_MS = { dynamodb: 6, sqs: 12, secretsManager: 20, platform: { 'us-east-1': 230, 'cn-north-1': 35 } } as const;
/** Bytes CloudWatch gets per invocation besides the function's own lines (START, END, REPORT). */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 260;
/** Request/response headers and TLS records of one platform call, beyond the bodies. */
export const PLATFORM_CALL_OVERHEAD_BYTES = 1024;
/** Signed request headers and the response of one SQS call, beyond the message bodies. */
const SQS_CALL_OVERHEAD_BYTES = 1536;

export interface Usage {
  invocations: number;
  /** SQS records handed to the invocations (batch sizes). */
  records: number;
  /** Wall time of the handler call on the local stack. */
  measuredMs: number;
  /** measuredMs less the time spent waiting on AWS and platform calls. */
  computeMs: number;
  billedMs: Record<BillingRegion, number>;
  gbSeconds: Record<BillingRegion, number>;
  apiRequests: number;
  rru: number;
  wru: number;
  sqsStandard: number;
  sqsFifo: number;
  sqsEmptyReceives: number;
  secretCalls: number;
  logBytes: number;
  logLines: number;
  platformCalls: number;
  /** Request bytes leave AWS (data transfer out); both directions pass a NAT gateway. */
  platformOutBytes: number;
  platformInBytes: number;
  /** SQS traffic of the functions placed behind the NAT gateways (`egress`): only DynamoDB has a gateway endpoint. */
  sqsViaNatBytes: number;
}

export const emptyUsage = (): Usage => ({
  invocations: 0, records: 0, measuredMs: 0, computeMs: 0, billedMs: { 'us-east-1': 0, 'cn-north-1': 0 }, gbSeconds: { 'us-east-1': 0, 'cn-north-1': 0 },
  apiRequests: 0, rru: 0, wru: 0, sqsStandard: 0, sqsFifo: 0, sqsEmptyReceives: 0, secretCalls: 0, logBytes: 0, logLines: 0, platformCalls: 0, platformOutBytes: 0, platformInBytes: 0, sqsViaNatBytes: 0,
});

const definitionOf = (fn: string) => functionDefinitions.find((d) => d.name === fn);
const SQS_CHUNK_BYTES = 64 * 1024;

export class CostMeter {
  counting = false;
  readonly usage = new Map<string, Usage>();
  /** `kind|resource|principal` → uses: kind sqs-send, sqs-receive, dynamodb or secret. */
  readonly kmsUses = new Map<string, number>();
  /** Distinct EMF metrics (namespace, name, dimension names and values): CloudWatch custom metrics. */
  readonly customMetrics = new Set<string>();
  inFlight = 0;
  lastInvocationEndedAt = 0;
  /** The SQS client of the bench's incident system (its requests are that principal's). */
  incidentSystemSqs?: SQSClient;

  constructor(private readonly queuePrefix: string) {}

  of(principal: string): Usage {
    let u = this.usage.get(principal);
    if (!u) this.usage.set(principal, (u = emptyUsage()));
    return u;
  }

  private use(kind: string, resource: string, principal: string): void {
    const key = `${kind}|${resource}|${principal.replace(/^esm:/, '')}`;
    this.kmsUses.set(key, (this.kmsUses.get(key) ?? 0) + 1);
  }

  install(): void {
    this.wrapHandlers();
    this.meterDynamoDb();
    this.meterSecretsManager();
    this.meterSqs();
    outputSink.log = (bytes, text) => this.logged(bytes, text);
    outputSink.fetched = (requestBytes, responseBytes) => {
      const invocation = invocationScope.getStore();
      if (!this.counting || !invocation) return;
      invocation.platformCalls += 1;
      const u = this.of(invocation.fn);
      u.platformCalls += 1;
      u.platformOutBytes += requestBytes + PLATFORM_CALL_OVERHEAD_BYTES / 2;
      u.platformInBytes += responseBytes + PLATFORM_CALL_OVERHEAD_BYTES / 2;
    };
  }

  private wrapHandlers(): void {
    for (const [name, handler] of Object.entries(localHandlers)) {
      const memoryGb = (definitionOf(name)?.memoryMb ?? 512) / 1024;
      const routed = (definitionOf(name)?.routes?.length ?? 0) > 0;
      const wrapped: AnyHandler = async (event, context) => {
        if (!this.counting) return handler(event, context);
        const invocation: Invocation = { fn: name, awsMs: 0, platformCalls: 0, waitedMs: 0, outstanding: 0, waitStartedAt: 0 };
        const started = performance.now();
        this.inFlight += 1;
        try {
          return await invocationScope.run(invocation, () => handler(event, context));
        } finally {
          this.inFlight -= 1;
          this.lastInvocationEndedAt = Date.now();
          const measured = performance.now() - started;
          const compute = Math.max(0, measured - invocation.waitedMs);
          const u = this.of(name);
          u.invocations += 1;
          u.records += (event as { Records?: unknown[] } | undefined)?.Records?.length ?? 0;
          u.measuredMs += measured;
          u.computeMs += compute;
          if (routed) u.apiRequests += 1;
          for (const region of ['us-east-1', 'cn-north-1'] as const) {
            // Lambda bills duration rounded up to the next millisecond.
            const billed = Math.ceil(compute + invocation.awsMs + invocation.platformCalls * NETWORK_MS.platform[region]);
            u.billedMs[region] += billed;
            u.gbSeconds[region] += (billed / 1000) * memoryGb;
          }
        }
      };
      localHandlers[name] = wrapped;
    }
  }

  private meterDynamoDb(): void {
    getDocumentClient().middlewareStack.add(
      (next, context) => async (args) => {
        const invocation = invocationScope.getStore();
        if (!this.counting || !invocation) return next(args);
        const input: Record<string, unknown> = { ...(args.input as Record<string, unknown>), ReturnConsumedCapacity: 'TOTAL' };
        const command = String(context.commandName ?? '');
        const isRead = /Get|Query|Scan/.test(command);
        const u = this.of(invocation.fn);
        invocation.awsMs += NETWORK_MS.dynamodb;
        this.use('dynamodb', String(input.TableName ?? 'batch'), invocation.fn);
        try {
          const result = await awaitingCall(() => next({ ...args, input }));
          const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
          let units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
          if (/Put/.test(command) && (input.Item as Record<string, unknown> | undefined)?.gsi1pk !== undefined) units *= 2;
          if (isRead) u.rru += units;
          else u.wru += units;
          return result;
        } catch (error) {
          if ((error as Error).name === 'ConditionalCheckFailedException') u.wru += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'benchCostMeter', priority: 'high' },
    );
  }

  private meterSecretsManager(): void {
    getSecretsManagerClient().middlewareStack.add(
      (next, context) => async (args) => {
        const invocation = invocationScope.getStore();
        if (this.counting && invocation && context.commandName === 'GetSecretValueCommand') {
          invocation.awsMs += NETWORK_MS.secretsManager;
          this.of(invocation.fn).secretCalls += 1;
          this.use('secret', String((args.input as { SecretId?: string }).SecretId), invocation.fn);
          return awaitingCall(() => next(args));
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchCostMeter' },
    );
  }

  private meterSqs(): void {
    const meter = this;
    const originalSend = SQSClient.prototype.send as (this: SQSClient, ...args: unknown[]) => Promise<unknown>;
    (SQSClient.prototype as unknown as { send: unknown }).send = function send(this: SQSClient, ...args: unknown[]) {
      if (!meter.counting) return originalSend.apply(this, args);
      const invocation = invocationScope.getStore();
      const result = awaitingCall(() => originalSend.apply(this, args));
      return result.then((output) => {
        meter.sqsRequest(this, args[0] as { constructor: { name: string }; input: Record<string, unknown> }, output as Record<string, unknown>, invocation);
        return output;
      });
    };
  }

  private sqsRequest(client: SQSClient, command: { constructor: { name: string }; input: Record<string, unknown> }, output: Record<string, unknown>, invocation: Invocation | undefined): void {
    const action = command.constructor.name.replace(/Command$/, '');
    const queueName = String(command.input.QueueUrl ?? '').split('/').pop() ?? '';
    const queueId = queueName.slice(this.queuePrefix.length);
    const consumer = functionDefinitions.find((d) => d.queue?.id === queueId)?.name ?? 'unknown';
    const principal = invocation?.fn ?? (client === this.incidentSystemSqs ? 'incident-system' : `esm:${consumer}`);
    const u = this.of(principal);
    const text = (value: unknown) => Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value ?? ''));
    let payload = 0;
    if (action === 'SendMessage') payload = text(command.input.MessageBody) + text(command.input.MessageAttributes);
    if (action === 'SendMessageBatch') for (const e of (command.input.Entries as Record<string, unknown>[]) ?? []) payload += text(e.MessageBody) + text(e.MessageAttributes);
    const received = (output.Messages as { Body?: string }[] | undefined) ?? [];
    if (action === 'ReceiveMessage') {
      if (received.length === 0) {
        u.sqsEmptyReceives += 1;
        return;
      }
      for (const m of received) payload += text(m.Body);
      this.use('sqs-receive', queueId, principal);
    }
    if (action.startsWith('SendMessage')) this.use('sqs-send', queueId, principal);
    const requests = Math.max(1, Math.ceil(payload / SQS_CHUNK_BYTES));
    if (queueName.endsWith('.fifo')) u.sqsFifo += requests;
    else u.sqsStandard += requests;
    if (invocation) invocation.awsMs += NETWORK_MS.sqs;
    if (invocation && (definitionOf(invocation.fn) as { egress?: boolean } | undefined)?.egress) u.sqsViaNatBytes += payload + SQS_CALL_OVERHEAD_BYTES;
  }

  private logged(bytes: number, text: string): void {
    const invocation = invocationScope.getStore();
    if (!this.counting || !invocation) return;
    const u = this.of(invocation.fn);
    u.logBytes += bytes;
    u.logLines += text.split('\n').filter((line) => line.length > 0).length;
    for (const line of text.split('\n')) {
      if (!line.includes('"_aws"')) continue;
      try {
        const emf = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;
        for (const directive of emf._aws.CloudWatchMetrics) {
          for (const dimensions of directive.Dimensions) {
            const dims = dimensions.map((d) => `${d}=${String(emf[d])}`).join(',');
            for (const metric of directive.Metrics) this.customMetrics.add(`${directive.Namespace}/${metric.Name}{${dims}}`);
          }
        }
      } catch {
        // Not an EMF line after all: its bytes are counted, it names no metric.
      }
    }
  }
}

/** The queue ids whose messages a function consumes through an event source mapping. */
export const eventSourceMappings = functionDefinitions.filter((d) => d.queue !== undefined).map((d) => ({ fn: d.name, queue: d.queue!.id, fifo: queues.find((q) => q.id === d.queue!.id)?.fifo ?? false }));
