/**
 * Builds the dutybridge CDK app the way bin/app.ts does, with cdk.json's context, for assertions.
 * Not a test file: shared by the infra tests under test/lib.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import { DutyBridgeStacks, addDutyBridgeStacks } from '../../../lib/app';

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface SynthOptions {
  /** Bundle every handler with esbuild instead of deploying inline placeholder code. */
  readonly bundle?: boolean;
  /** Extra context merged over cdk.json's. */
  readonly context?: Record<string, unknown>;
}

export interface BuiltApp extends DutyBridgeStacks {
  readonly app: App;
  readonly outdir: string;
}

/** Inline code used when a test does not need real bundles (see codeOverrideForTests). */
export const PLACEHOLDER_CODE = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');

/**
 * cdk.json's context, so tests synthesize with the same feature flags as `npx cdk synth`, plus
 * no construct stack traces: capturing one per construct is most of a synth's cost and the
 * assertions never read them.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return { ...cdkJson.context, [cxapi.DISABLE_METADATA_STACK_TRACE]: true };
}

/** Creates the app (not yet synthesized) in a fresh temporary cloud-assembly directory. */
export function buildApp(options: SynthOptions = {}): BuiltApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cdk-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...options.context } });
  const stacks = addDutyBridgeStacks(app, { codeOverrideForTests: options.bundle ? undefined : PLACEHOLDER_CODE });
  return { app, outdir, ...stacks };
}

export interface SynthesizedApp extends BuiltApp {
  readonly assembly: cxapi.CloudAssembly;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

/** Builds and synthesizes the app; synthesis runs the cdk-nag checks and throws on findings. */
export function synthApp(options: SynthOptions = {}): SynthesizedApp {
  const built = buildApp(options);
  const assembly = built.app.synth();
  return {
    ...built,
    assembly,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate: Template.fromStack(built.stateless),
  };
}

export function removeOutdir(built: BuiltApp | undefined): void {
  if (built !== undefined) fs.rmSync(built.outdir, { recursive: true, force: true });
}
