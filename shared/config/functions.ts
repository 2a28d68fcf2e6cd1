/**
 * Every Lambda function and HTTP route, declared once: the CDK stateless stack creates one
 * NodejsFunction per entry and the local gateway serves the same routes with the same modules.
 */
import { QueueDefinition, cardRefreshQueue, inboundCallbacksQueue, incidentEventsQueue, outgoingImQueue } from './resources';

export type HttpMethod = 'GET' | 'POST';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway HTTP API route path; `{name}` marks a path parameter. */
  readonly path: string;
}

export interface FunctionDefinition {
  /** Short name; the handler lives in functions/<name>/handler.ts and exports `handler`. */
  readonly name: string;
  readonly description: string;
  readonly routes?: readonly RouteDefinition[];
  /** Queue whose messages invoke this function (event source mapping with partial batch failures). */
  readonly queue?: QueueDefinition;
  /** Runs on a timer (EventBridge schedule in AWS, an interval on the local stack), every N minutes. */
  readonly everyMinutes?: number;
  /** Lambda timeout in seconds. Callback functions answer well inside WeCom's 5 s and DingTalk's 2 s. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export const functionDefinitions: readonly FunctionDefinition[] = [
  {
    name: 'healthz',
    description: 'Liveness probe',
    routes: [{ method: 'GET', path: '/healthz' }],
    timeoutSeconds: 3,
    memoryMb: 256,
  },
  {
    name: 'wecom-callback',
    description: 'WeCom app callback: URL verification (GET) and encrypted events (POST)',
    routes: [
      { method: 'GET', path: '/wecom/{integrationId}/callback' },
      { method: 'POST', path: '/wecom/{integrationId}/callback' },
    ],
    timeoutSeconds: 5,
    memoryMb: 512,
  },
  {
    name: 'dingtalk-events',
    description: 'DingTalk HTTP-push event subscription (check_url, group and cool-app events)',
    routes: [{ method: 'POST', path: '/dingtalk/{integrationId}/events' }],
    timeoutSeconds: 3,
    memoryMb: 512,
  },
  {
    name: 'dingtalk-cards',
    description: 'DingTalk interactive-card button callbacks (answered synchronously)',
    routes: [{ method: 'POST', path: '/dingtalk/{integrationId}/cards' }],
    timeoutSeconds: 3,
    memoryMb: 512,
  },
  {
    name: 'process-inbound',
    description: 'Processes verified callbacks: group registry, clicks, contact changes',
    queue: inboundCallbacksQueue,
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  {
    name: 'notify',
    description: 'Consumes incident and member events and turns them into cards',
    queue: incidentEventsQueue,
    timeoutSeconds: 50,
    memoryMb: 512,
  },
  {
    name: 'refresh-card',
    description: 'Brings every copy of an incident\u2019s cards up to date within the platforms\u2019 update rules',
    queue: cardRefreshQueue,
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  {
    name: 'dispatch',
    description: 'Makes queued DingTalk calls within the app\u2019s QPS and the org\u2019s monthly quota',
    queue: outgoingImQueue,
    timeoutSeconds: 45,
    memoryMb: 512,
  },
  {
    name: 'flush-digests',
    description: 'Sends the DingTalk digests whose 10-minute window has ended (quota above 95%)',
    everyMinutes: 1,
    timeoutSeconds: 60,
    memoryMb: 256,
  },
];

export function functionEntry(name: string): string {
  return `functions/${name}/handler.ts`;
}
