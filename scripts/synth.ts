/**
 * `npm run synth`: the deploy check that needs no AWS account. Synthesizes the whole app for one
 * global region (us-east-1, partition aws) and one China region (cn-north-1, partition aws-cn),
 * offline, with CDK's built-in CloudFormation Validate plugin (per-region resource schemas) turned
 * into errors and cdk-nag on. Prints, per partition, the resources, the findings and any context
 * a real `cdk synth` would have to look up in the account; exits 1 on any finding, missing
 * context or synthesis error.
 *
 * The validator knows which resource types a region has (it rejects AWS::SES::* in cn-north-1),
 * not which features a service lacks there (Lambda Function URLs, X-Ray): test/lib/china.test.ts
 * checks those on a synthesis built the same way (buildAppForEnvironment).
 *
 * Functions get placeholder code unless `--bundle` is passed. Bundling works offline (local
 * esbuild, no Docker), but bundling every function took ~45 s of a ~67 s synthesis per region here
 * (2 CPUs) and CDK bundles again for each region, so over two minutes per run; the placeholder
 * changes only each function's Code and Handler, which neither check reads.
 *
 * Usage: node scripts/run-ts.js scripts/synth.ts [--bundle] [-c key=value ...]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CloudFormationValidatePlugin, Validations, type Environment } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { addDutyBridgeStacks, type DutyBridgeStacks } from '../lib/app';

/** Stands in for the account; nothing is looked up, so any 12 digits do. */
export const OFFLINE_ACCOUNT = '111111111111';

/** One region per partition the app is deployed to. */
export const SYNTH_REGIONS = ['us-east-1', 'cn-north-1'] as const;

/** Flags on top of cdk.json for an env-specific check. */
export const VALIDATION_CONTEXT: Readonly<Record<string, unknown>> = {
  // Without it CloudFormation Validate findings (F3006 "resource type does not exist in region")
  // are printed as warnings and synthesis succeeds (flag added in aws-cdk-lib 2.262).
  [cxapi.VALIDATE_AGAINST_DEFAULT_RULES]: true,
  // Capturing a stack trace per construct is most of a synthesis' cost; no check reads them.
  [cxapi.DISABLE_METADATA_STACK_TRACE]: true,
};

/** Deployed instead of the esbuild bundles when bundling is skipped. */
export const PLACEHOLDER_FUNCTION_CODE = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');

/** One unacknowledged rule violation from the synthesis validation report. */
export interface ValidationFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly constructPaths: readonly string[];
}

export interface EnvironmentSynthOptions {
  readonly env: Required<Pick<Environment, 'account' | 'region'>>;
  /** Cloud assembly directory (must exist). */
  readonly outdir: string;
  /** Extra context over cdk.json and VALIDATION_CONTEXT, as `-c key=value` would give. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Code for every function instead of its esbuild bundle; undefined bundles for real. */
  readonly codeOverride?: lambda.Code;
}

export interface EnvironmentApp extends DutyBridgeStacks {
  readonly app: App;
}

export interface EnvironmentSynthResult {
  readonly region: string;
  readonly partition: string;
  readonly outdir: string;
  /** Resources per stack (template file name without `.template.json`). */
  readonly resourceCounts: Readonly<Record<string, number>>;
  readonly findings: readonly ValidationFinding[];
  /** Context keys synthesis wanted from the account (e.g. `availability-zones:…`). */
  readonly missingContext: readonly string[];
  /** Why synthesis threw, when it did (validation failure or a construct error). */
  readonly error?: string;
}

/** The repository root: this file runs from source (jest) or from an esbuild bundle under .build/. */
function repositoryRoot(): string {
  let directory = __dirname;
  while (!fs.existsSync(path.join(directory, 'cdk.json')) && path.dirname(directory) !== directory) directory = path.dirname(directory);
  return directory;
}

function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Both stacks in `env`, as bin/app.ts builds them, with validation findings turned into errors. */
export function buildAppForEnvironment(options: EnvironmentSynthOptions): EnvironmentApp {
  const app = new App({ outdir: options.outdir, context: { ...cdkJsonContext(), ...VALIDATION_CONTEXT, ...options.context } });
  // Registered by hand, the validator also runs under CDK_VALIDATION=false, which would otherwise
  // skip it silently and let this check pass without checking anything.
  Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
  const stacks = addDutyBridgeStacks(app, { env: options.env, codeOverrideForTests: options.codeOverride });
  return { app, ...stacks };
}

interface ValidationReportFile {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity?: string; description: string; violatingConstructs?: { constructPath?: string }[] }[];
  }[];
}

/** Every unacknowledged violation in the assembly's validation-report.json (acknowledged ones are listed apart). */
export function readValidationFindings(outdir: string): ValidationFinding[] {
  const file = path.join(outdir, cxapi.VALIDATION_REPORT_FILE);
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationReportFile;
  return report.pluginReports.flatMap((pluginReport) =>
    pluginReport.violations.map((violation) => ({
      plugin: pluginReport.pluginName,
      rule: violation.ruleName,
      severity: violation.severity ?? 'unknown',
      description: violation.description,
      constructPaths: (violation.violatingConstructs ?? []).map((construct) => construct.constructPath ?? '?'),
    })),
  );
}

/** Context keys the assembly manifest says synthesis needed and did not have. */
export function readMissingContext(outdir: string): string[] {
  const file = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(file)) return [];
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { missing?: { key: string }[] };
  return (manifest.missing ?? []).map((missing) => missing.key);
}

function readResourceCounts(outdir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')) as { Resources?: Record<string, unknown> };
    counts[file.replace(/\.template\.json$/, '')] = Object.keys(template.Resources ?? {}).length;
  }
  return counts;
}

/** Builds and synthesizes the app for `env`; a validation failure is returned, not thrown. */
export function synthesizeForEnvironment(options: EnvironmentSynthOptions): EnvironmentSynthResult {
  let error: string | undefined;
  try {
    buildAppForEnvironment(options).app.synth();
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  return {
    region: options.env.region,
    partition: RegionInfo.get(options.env.region).partition ?? 'unknown',
    outdir: options.outdir,
    resourceCounts: fs.existsSync(options.outdir) ? readResourceCounts(options.outdir) : {},
    findings: readValidationFindings(options.outdir),
    missingContext: readMissingContext(options.outdir),
    error,
  };
}

/** `-c key=value` pairs, as the CDK CLI passes them (strings). */
function parseArguments(argv: readonly string[]): { bundle: boolean; context: Record<string, string> } {
  const context: Record<string, string> = {};
  let bundle = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--bundle') bundle = true;
    else if (argument === '-c' || argument === '--context') {
      const pair = argv[index + 1] ?? '';
      const separator = pair.indexOf('=');
      if (separator <= 0) throw new SynthUsageError(`${argument} needs key=value, got ${JSON.stringify(pair)}`);
      context[pair.slice(0, separator)] = pair.slice(separator + 1);
      index += 1;
    } else throw new SynthUsageError(`unknown argument ${JSON.stringify(argument)}`);
  }
  return { bundle, context };
}

/** A command-line argument the script does not understand. */
export class SynthUsageError extends Error {
  override readonly name = 'SynthUsageError';
}

function main(): void {
  const { bundle, context } = parseArguments(process.argv.slice(2));
  let failed = false;
  for (const region of SYNTH_REGIONS) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `dutybridge-synth-${region}-`));
    // CDK prints the validation report itself only outside "inmemory" mode; the summary below
    // lists the same findings once.
    const result = synthesizeForEnvironment({
      env: { account: OFFLINE_ACCOUNT, region },
      outdir,
      context: { ...context, [cxapi.CDK_APP_MODE_CONTEXT]: 'inmemory' },
      codeOverride: bundle ? undefined : PLACEHOLDER_FUNCTION_CODE,
    });
    const resources = Object.values(result.resourceCounts).reduce((sum, count) => sum + count, 0);
    const stacks = Object.entries(result.resourceCounts).map(([stack, count]) => `${stack} ${count}`).join(', ');
    console.log(
      `${result.partition} (${region}): ${resources} resources (${stacks}), ${result.findings.length} findings, ` +
        `${result.missingContext.length} missing context`,
    );
    for (const finding of result.findings) {
      console.log(`  ${finding.severity} ${finding.plugin} ${finding.rule}: ${finding.description} [${finding.constructPaths.join(', ')}]`);
    }
    for (const key of result.missingContext) console.log(`  missing context ${key} (a real synth would look it up in the account)`);
    const validationOnly = result.error !== undefined && result.findings.length > 0;
    if (result.error !== undefined && !validationOnly) console.log(`  synthesis failed: ${result.error}`);
    if (result.error !== undefined || result.findings.length > 0 || result.missingContext.length > 0) {
      failed = true;
      console.log(`  cloud assembly kept in ${outdir}`);
    } else {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  process.exitCode = failed ? 1 : 0;
}

// Run only as the entry point (run-ts.js sets argv[1] to this bundle), not when a test imports it.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === __filename) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof SynthUsageError)) throw error;
    console.error(`${error.message}\nusage: node scripts/run-ts.js scripts/synth.ts [--bundle] [-c key=value ...]`);
    process.exitCode = 2;
  }
}
