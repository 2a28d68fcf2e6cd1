/**
 * Imported first by local entry points: Powertools reads these when the handler modules load.
 * Locally, metrics (EMF) would print a JSON line per invocation, so they are off unless asked for;
 * logs show warnings (rejected requests, retries) and errors.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL ?? 'WARN';
process.env.POWERTOOLS_SERVICE_NAME ??= 'dutybridge';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
