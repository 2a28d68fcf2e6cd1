/**
 * The local API gateway: serves the routes of shared/config/functions.ts by invoking the same
 * handler modules with API Gateway HTTP API v2 events (payload format 2.0), on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { functionDefinitions } from '../shared/config/functions';
import { lambdaContext, localHandlers } from './handlers';

/** API Gateway's own payload limit is 10 MB; the functions enforce their tighter 64 KB limit. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  method: string;
  routeKey: string;
  pattern: RegExp;
  params: string[];
  functionName: string;
  timeoutSeconds: number;
}

function compileRoutes(): CompiledRoute[] {
  const routes: CompiledRoute[] = [];
  for (const fn of functionDefinitions) {
    for (const route of fn.routes ?? []) {
      const params: string[] = [];
      const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
        params.push(name);
        return '([^/]+)';
      });
      routes.push({
        method: route.method,
        routeKey: `${route.method} ${route.path}`,
        pattern: new RegExp(`^${source}$`),
        params,
        functionName: fn.name,
        timeoutSeconds: fn.timeoutSeconds,
      });
    }
  }
  return routes;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

export interface LocalGateway {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

export async function startGateway(options: { port?: number; log?: (line: string) => void } = {}): Promise<LocalGateway> {
  const routes = compileRoutes();
  const server = createServer((req, res) => {
    void handle(req, res).catch((error) => {
      options.log?.(`gateway error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQueryString = q === -1 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();

    const pathMatches = routes.filter((r) => r.pattern.test(rawPath));
    const route = pathMatches.find((r) => r.method === method);
    if (!route) {
      // API Gateway answers unknown routes itself with 404 {"message":"Not Found"}.
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > GATEWAY_MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Request Entity Too Large' }));
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const match = route.pattern.exec(rawPath)!;
    const pathParameters: Record<string, string> = {};
    route.params.forEach((name, i) => {
      pathParameters[name] = decodeURIComponent(match[i + 1]);
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const contentType = headers['content-type'] ?? '';
    const isText = body.length === 0 || TEXT_TYPES.test(contentType);
    const queryStringParameters: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) queryStringParameters[k] = queryStringParameters[k] ? `${queryStringParameters[k]},${v}` : v;

    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath,
      rawQueryString,
      headers,
      queryStringParameters: rawQueryString ? queryStringParameters : undefined,
      pathParameters,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'local',
        http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: new Date().toISOString(),
        timeEpoch: Date.now(),
      },
      body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: body.length > 0 && !isText,
    };
    const handler = localHandlers[route.functionName];
    const result = (await handler(event as never, lambdaContext(route.functionName, route.timeoutSeconds))) as APIGatewayProxyStructuredResultV2 | string | undefined;
    writeResult(res, result);
    options.log?.(`${method} ${rawPath} -> ${res.statusCode} ${Date.now() - started}ms`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Mirrors API Gateway's handling of structured and unstructured results (payload format 2.0). */
function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string | undefined): void {
  if (result === undefined || typeof result === 'string' || result.statusCode === undefined) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  const body = result.body === undefined ? Buffer.alloc(0) : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body, 'utf8');
  headers['content-length'] = String(body.length);
  // Payload 2.0 returns cookies apart from the headers; API Gateway sends one Set-Cookie each.
  const withCookies: Record<string, string | string[]> = result.cookies?.length ? { ...headers, 'set-cookie': result.cookies } : headers;
  res.writeHead(result.statusCode, withCookies).end(body);
}
