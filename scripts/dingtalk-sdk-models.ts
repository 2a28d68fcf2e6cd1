/**
 * Reads request models out of the installed official DingTalk SDK (`@alicloud/dingtalk`, a
 * devDependency: never imported by Lambda or simulator code). For each request class:
 *  - field names, JSON keys and JSON types from its static `names()` and `types()`, recursively
 *    through nested model classes, arrays and maps;
 *  - which fields are required, from the "This parameter is required." remark in the module's
 *    client.d.ts (the generated code does not expose it at runtime);
 *  - the HTTP method and path, by calling the SDK client's `<operation>WithOptions` with its
 *    `execute` replaced, so nothing is sent.
 * Used by `npm run sdk-models` (scripts/export-sdk-models.ts) and by the tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SdkField, SdkFields, SdkModelSnapshot, SdkRequestModel, SdkType } from '../sim/dingtalk/sdk-models';

/** The requests dutybridge makes to api.dingtalk.com, by SDK module, request class and operation. */
export const SDK_REQUESTS = [
  { module: 'oauth2_1_0', request: 'GetAccessTokenRequest', operation: 'getAccessToken' },
  { module: 'oauth2_1_0', request: 'GetUserTokenRequest', operation: 'getUserToken' },
  { module: 'card_1_0', request: 'CreateAndDeliverRequest', operation: 'createAndDeliver' },
  { module: 'card_1_0', request: 'UpdateCardRequest', operation: 'updateCard' },
  { module: 'card_1_0', request: 'RegisterCallbackRequest', operation: 'registerCallback' },
  { module: 'robot_1_0', request: 'BatchSendOTORequest', operation: 'batchSendOTO' },
  { module: 'robot_1_0', request: 'OrgGroupSendRequest', operation: 'orgGroupSend' },
  // War Room scene groups: POST /v1.0/im/sceneGroups (the SDK has no model for member add/delete;
  // those are written by hand in sim/dingtalk/sdk-models.ts).
  { module: 'im_1_0', request: 'CreateSceneGroupConversationRequest', operation: 'createSceneGroupConversation' },
] as const;

export const SDK_PACKAGE = '@alicloud/dingtalk';

interface TeaModelClass {
  readonly name: string;
  names(): Record<string, string>;
  types(): Record<string, unknown>;
  new (map?: Record<string, unknown>): object;
}

type SdkModule = Record<string, unknown> & { default: new (config: object) => Record<string, unknown> };

function sdkRoot(): string {
  return path.dirname(require.resolve(`${SDK_PACKAGE}/package.json`));
}

export function sdkVersion(): string {
  return (JSON.parse(readFileSync(path.join(sdkRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

function loadModule(name: string): SdkModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`${SDK_PACKAGE}/${name}`) as SdkModule;
}

function isModelClass(value: unknown): value is TeaModelClass {
  return typeof value === 'function' && typeof (value as Partial<TeaModelClass>).names === 'function' && typeof (value as Partial<TeaModelClass>).types === 'function';
}

/** class name → property names marked "This parameter is required." in `dist/<module>/client.d.ts`. */
export function requiredProperties(moduleName: string): Map<string, Set<string>> {
  const text = readFileSync(path.join(sdkRoot(), 'dist', moduleName, 'client.d.ts'), 'utf8');
  const required = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  let pending = false;
  for (const line of text.split('\n')) {
    const declared = /^export declare class (\w+) extends \$tea\.Model \{/.exec(line);
    if (declared) {
      current = new Set();
      required.set(declared[1] as string, current);
      pending = false;
      continue;
    }
    if (!current) continue;
    if (line.includes('This parameter is required.')) pending = true;
    // Properties are declared at exactly four spaces; nested type lines are deeper.
    const property = /^ {4}(\w+)\??:/.exec(line);
    if (property) {
      if (pending) current.add(property[1] as string);
      pending = false;
    }
    if (line === '}') current = undefined;
  }
  return required;
}

function describeType(raw: unknown, required: Map<string, Set<string>>, where: string, seen: readonly string[]): SdkType {
  if (raw === 'string' || raw === 'number' || raw === 'boolean') return { kind: raw };
  if (isModelClass(raw)) {
    if (seen.includes(raw.name)) throw new Error(`${where}: model ${raw.name} refers to itself; the snapshot format has no references`);
    return { kind: 'object', model: raw.name, fields: describeFields(raw, required, [...seen, raw.name]) };
  }
  if (typeof raw === 'object' && raw !== null) {
    const spec = raw as { type?: unknown; itemType?: unknown; keyType?: unknown; valueType?: unknown };
    if (spec.type === 'array') return { kind: 'array', items: describeType(spec.itemType, required, `${where}[]`, seen) };
    if (spec.type === 'map') {
      if (spec.keyType !== 'string') throw new Error(`${where}: map key type ${String(spec.keyType)} cannot be a JSON key`);
      return { kind: 'map', values: describeType(spec.valueType, required, `${where}{}`, seen) };
    }
  }
  throw new Error(`${where}: SDK type ${JSON.stringify(raw)} is not one the snapshot format knows`);
}

function describeFields(model: TeaModelClass, required: Map<string, Set<string>>, seen: readonly string[]): SdkFields {
  const names = model.names();
  const types = model.types();
  const requiredHere = required.get(model.name);
  if (!requiredHere) throw new Error(`class ${model.name} not found in the SDK's client.d.ts`);
  const fields: Record<string, SdkField> = {};
  for (const property of Object.keys(names).sort()) {
    const jsonKey = names[property] as string;
    fields[jsonKey] = { required: requiredHere.has(property), type: describeType(types[property], required, `${model.name}.${property}`, seen) };
  }
  return fields;
}

/** Method and path of an SDK operation, from the request the client would build (nothing is sent). */
export async function operationRoute(moduleName: string, operation: string): Promise<{ method: string; path: string }> {
  const sdk = loadModule(moduleName);
  const client = new sdk.default({});
  const captured: { method?: string; path?: string } = {};
  client.execute = async (params: { method: string; pathname: string }) => {
    captured.method = params.method;
    captured.path = params.pathname;
    throw new Error('captured');
  };
  const capitalised = operation.charAt(0).toUpperCase() + operation.slice(1);
  const Request = sdk[`${capitalised}Request`] as TeaModelClass;
  // Unauthenticated operations (getAccessToken) declare no Headers class: a plain map does.
  const Headers = sdk[`${capitalised}Headers`] as TeaModelClass | undefined;
  const call = client[`${operation}WithOptions`] as (request: object, headers: object, runtime: object) => Promise<unknown>;
  await call.call(client, new Request({}), Headers ? new Headers({}) : {}, {}).catch(() => undefined);
  if (!captured.method || !captured.path) throw new Error(`${moduleName}.${operation}WithOptions did not reach execute()`);
  return { method: captured.method.toUpperCase(), path: captured.path };
}

/** The request model of one SDK request class, read from the installed SDK. */
export async function sdkRequestModel(spec: (typeof SDK_REQUESTS)[number]): Promise<SdkRequestModel> {
  const sdk = loadModule(spec.module);
  const model = sdk[spec.request];
  if (!isModelClass(model)) throw new Error(`${SDK_PACKAGE}/${spec.module} has no model ${spec.request}`);
  const route = await operationRoute(spec.module, spec.operation);
  return { name: `${spec.module}.${spec.request}`, family: 'new', ...route, fields: describeFields(model, requiredProperties(spec.module), [model.name]) };
}

/** What sim/dingtalk/sdk-models.json must contain for the installed SDK. */
export async function sdkModelSnapshotFromSdk(): Promise<SdkModelSnapshot> {
  const requests: SdkRequestModel[] = [];
  for (const spec of SDK_REQUESTS) requests.push(await sdkRequestModel(spec));
  return { sdk: `${SDK_PACKAGE}@${sdkVersion()}`, generatedBy: 'npm run sdk-models (scripts/export-sdk-models.ts); do not edit', requests };
}
