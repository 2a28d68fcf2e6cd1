/**
 * Conformance of request bodies to the official DingTalk SDK's request models, for tests. The
 * models are read from the INSTALLED `@alicloud/dingtalk` (scripts/dingtalk-sdk-models.ts), not
 * from the simulator's snapshot, so a test here holds our requests against the SDK itself; the
 * oapi getbymobile model, which the SDK does not cover, is the one written from the official page.
 * The check itself (unknown fields at any depth, JSON types and nesting, required fields) is the
 * one the simulator applies: sim/dingtalk/sdk-models.ts.
 */
import { SDK_REQUESTS, sdkRequestModel } from '../../scripts/dingtalk-sdk-models';
import { GET_BY_MOBILE_MODEL, SCENE_GROUP_MEMBER_ADD_MODEL, SCENE_GROUP_MEMBER_DELETE_MODEL, conformanceIssues, type ConformanceIssue, type SdkRequestModel } from '../../sim/dingtalk/sdk-models';

export type { ConformanceIssue, SdkRequestModel };
export { conformanceIssues };

let cached: Promise<SdkRequestModel[]> | undefined;

/** The SDK's request models for every endpoint dutybridge calls, plus the ones written from official pages (getbymobile, scene-group members). */
export function liveRequestModels(): Promise<SdkRequestModel[]> {
  cached ??= Promise.all(SDK_REQUESTS.map((spec) => sdkRequestModel(spec))).then((models) => [...models, GET_BY_MOBILE_MODEL, SCENE_GROUP_MEMBER_ADD_MODEL, SCENE_GROUP_MEMBER_DELETE_MODEL]);
  return cached;
}

export async function liveRequestModel(name: string): Promise<SdkRequestModel> {
  const model = (await liveRequestModels()).find((candidate) => candidate.name === name);
  if (!model) throw new Error(`no request model ${name}`);
  return model;
}

/** The model of the request a client sent, by method and path. */
export async function modelForRequest(method: string, path: string): Promise<SdkRequestModel | undefined> {
  return (await liveRequestModels()).find((model) => model.method === method.toUpperCase() && model.path === path);
}

/** Throws, listing every problem, when `body` does not fit the model. */
export function assertConforms(body: unknown, model: SdkRequestModel): void {
  const issues = conformanceIssues(body, model);
  if (issues.length > 0) throw new Error(`request body does not fit ${model.name}:\n  ${issues.map((issue) => issue.message).join('\n  ')}\nbody: ${JSON.stringify(body)}`);
}
