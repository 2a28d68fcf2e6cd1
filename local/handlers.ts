/** The handler modules the local gateway and pollers invoke: the same modules Lambda runs. */
import type { Context } from 'aws-lambda';
import { handler as dingtalkCards } from '../functions/dingtalk-cards/handler';
import { handler as dingtalkEvents } from '../functions/dingtalk-events/handler';
import { handler as dispatch } from '../functions/dispatch/handler';
import { handler as autoLink } from '../functions/auto-link/handler';
import { handler as flushDigests } from '../functions/flush-digests/handler';
import { handler as healthz } from '../functions/healthz/handler';
import { handler as linkPages } from '../functions/link-pages/handler';
import { handler as notify } from '../functions/notify/handler';
import { handler as processInbound } from '../functions/process-inbound/handler';
import { handler as refreshCard } from '../functions/refresh-card/handler';
import { handler as sendLinkCode } from '../functions/send-link-code/handler';
import { handler as warRoom } from '../functions/war-room/handler';
import { handler as weComBot } from '../functions/wecom-bot/handler';
import { handler as botReplies } from '../functions/bot-replies/handler';
import { handler as ingest } from '../functions/ingest/handler';
import { handler as alertIncidents } from '../functions/alert-incidents/handler';
import { handler as alertSilences } from '../functions/alert-silences/handler';
import { handler as wecomCallback } from '../functions/wecom-callback/handler';
import { handler as wecomSuiteCommand } from '../functions/wecom-suite-command/handler';
import { handler as wecomSuiteData } from '../functions/wecom-suite-data/handler';
import { handler as wecomSuiteInstall } from '../functions/wecom-suite-install/handler';
import { handler as wecomSuiteAuth } from '../functions/wecom-suite-auth/handler';
import { handler as wecomLicenses } from '../functions/wecom-licenses/handler';

export type AnyHandler = (event: never, context: Context) => Promise<unknown>;

export const localHandlers: Record<string, AnyHandler> = {
  healthz: healthz as AnyHandler,
  'wecom-callback': wecomCallback as AnyHandler,
  'dingtalk-events': dingtalkEvents as AnyHandler,
  'dingtalk-cards': dingtalkCards as AnyHandler,
  'process-inbound': processInbound as AnyHandler,
  notify: notify as AnyHandler,
  'refresh-card': refreshCard as AnyHandler,
  dispatch: dispatch as AnyHandler,
  'flush-digests': flushDigests as AnyHandler,
  'send-link-code': sendLinkCode as AnyHandler,
  'link-pages': linkPages as AnyHandler,
  'auto-link': autoLink as AnyHandler,
  'war-room': warRoom as AnyHandler,
  'wecom-bot': weComBot as AnyHandler,
  'bot-replies': botReplies as AnyHandler,
  ingest: ingest as AnyHandler,
  'alert-incidents': alertIncidents as AnyHandler,
  'alert-silences': alertSilences as AnyHandler,
  'wecom-suite-command': wecomSuiteCommand as AnyHandler,
  'wecom-suite-data': wecomSuiteData as AnyHandler,
  'wecom-suite-install': wecomSuiteInstall as AnyHandler,
  'wecom-suite-auth': wecomSuiteAuth as AnyHandler,
  'wecom-licenses': wecomLicenses as AnyHandler,
};

let invocation = 0;
export function lambdaContext(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  invocation += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${process.pid}-${invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
