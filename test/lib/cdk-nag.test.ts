import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { functionDefinitions } from '../../shared/config/functions';
import { StatefulStack } from '../../lib/stateful-stack';
import { StatelessStack } from '../../lib/stateless-stack';
import {
  BuiltApp,
  PLACEHOLDER_CODE,
  SynthesizedApp,
  buildApp,
  cdkJsonContext,
  removeOutdir,
  synthApp,
} from './support/synth';

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string; severity?: string }[] }[];
}

function readValidationReport(outdir: string): ValidationReport {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
}

/** Every acknowledgement recorded through Validations.of(...).acknowledge(), with where it sits. */
function acknowledgements(root: IConstruct): { id: string; reason: string; construct: IConstruct }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id, reason, construct })),
      ),
  );
}

describe('cdk-nag AwsSolutions on the deployed app', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    // synth() throws on unacknowledged findings (the app runs in-memory under jest).
    synthesized = synthApp();
  });
  afterAll(() => removeOutdir(synthesized));

  it('reports no unacknowledged AwsSolutions finding of any severity', () => {
    const report = readValidationReport(synthesized.outdir);
    const awsSolutions = report.pluginReports.filter((pluginReport) => pluginReport.pluginName === 'AwsSolutions');
    expect(awsSolutions.flatMap((pluginReport) => pluginReport.violations)).toEqual([]);
    expect(awsSolutions.every((pluginReport) => pluginReport.conclusion !== 'failure')).toBe(true);
  });

  it.each(['stateful', 'stateless'] as const)('leaves no error annotation on the %s stack, and no warning but the missing alarm subscriber', (which) => {
    const annotations = Annotations.fromStack(synthesized[which]);
    const warnings = annotations.findWarning('*', Match.anyValue()).map((warning) => String(warning.entry.data));
    expect(warnings).toEqual(which === 'stateful' ? [expect.stringMatching(/^No alarm subscriber/)] : []);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('leaves no warning at all when an alarm subscriber is set', () => {
    const withEmail = synthApp({ context: { alarmEmail: 'oncall@example.com' } });
    try {
      for (const stack of [withEmail.stateful, withEmail.stateless]) {
        expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      }
    } finally {
      removeOutdir(withEmail);
    }
  });

  it('acknowledges only the expected rules, each on a resource rather than a stack, with a reason', () => {
    const found = acknowledgements(synthesized.app);
    const ids = [...new Set(found.map((acknowledgement) => acknowledgement.id))].sort();
    expect(ids).toEqual(
      [
        'AwsSolutions::AwsSolutions-APIG4',
        'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/integrations/*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/integrations/dingtalk/*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/integrations/wecom/*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/sources/*]',
        // WeCom suites (issue 16): suite secrets read, corps' permanent codes written by the auth path.
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/suites/*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/suites/*/corps/*]',
        // send-link-code mails through SES From addresses that are integration settings.
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        'AwsSolutions::AwsSolutions-L1',
        'AwsSolutions::AwsSolutions-SQS3',
      ].sort(),
    );
    for (const acknowledgement of found) {
      expect(Stack.isStack(acknowledgement.construct)).toBe(false);
      expect(acknowledgement.construct.node.scope).toBeDefined();
      expect(acknowledgement.reason.length).toBeGreaterThan(40);
    }
  });

  it('acknowledges IAM5 per function, only for the wildcards that function’s own policy holds, saying why for it', () => {
    const found = acknowledgements(synthesized.app).filter((acknowledgement) => acknowledgement.id.includes('-IAM5['));
    for (const definition of functionDefinitions) {
      const role = synthesized.stateless.functions[definition.name].role;
      const own = found.filter((acknowledgement) => acknowledgement.construct === role);
      const ids = own.map((acknowledgement) => acknowledgement.id.replace(/^.*-IAM5\[/, '').replace(/\]$/, '')).sort();
      const secretIds: string[] = definition.access.secretsOf.length === 0 ? [] : [
        ...definition.access.secretsOf.map((platform) => `Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/integrations/${platform}/*`),
        'Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/integrations/*',
      ];
      if (definition.access.sourceSecrets === true) secretIds.push('Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/sources/*');
      if (definition.access.suiteSecrets !== undefined) secretIds.push('Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/suites/*');
      if (definition.access.suiteSecrets === 'write') secretIds.push('Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dutybridge/DutyBridge/suites/*/corps/*');
      const keyIds = definition.access.state.length === 0 ? [] : ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'];
      const sesIds = definition.access.sesSend === true ? ['Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*'] : [];
      expect(ids).toEqual([...secretIds, ...keyIds, ...sesIds].sort());
      for (const acknowledgement of own) expect(acknowledgement.reason).toContain(definition.name);
    }
    expect(found.every((acknowledgement) => acknowledgement.construct.node.id === 'Role')).toBe(true);
  });

  it('acknowledges APIG4 on exactly the platform routes and L1 on exactly the functions', () => {
    const found = acknowledgements(synthesized.app);
    const routeCount = functionDefinitions.reduce((count, definition) => count + (definition.routes?.length ?? 0), 0);
    expect(found.filter((acknowledgement) => acknowledgement.id.endsWith('-APIG4'))).toHaveLength(routeCount);
    expect(found.filter((acknowledgement) => acknowledgement.id.endsWith('-L1'))).toHaveLength(
      functionDefinitions.length,
    );
  });
});

describe('cdk-nag with the production props (fixed egress, custom domain, WeCom file)', () => {
  let synthesized: SynthesizedApp;

  beforeAll(() => {
    synthesized = synthApp({
      context: {
        fixedEgressNatGateways: '2',
        customDomainName: 'oncall.example.com',
        customDomainCertificateArn: 'arn:aws-cn:acm:cn-north-1:111111111111:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
        wecomVerifyFile: 'WW_verify_AbCdEf123.txt',
      },
    });
  });
  afterAll(() => removeOutdir(synthesized));

  it('reports no unacknowledged finding', () => {
    const report = readValidationReport(synthesized.outdir);
    const awsSolutions = report.pluginReports.filter((pluginReport) => pluginReport.pluginName === 'AwsSolutions');
    expect(awsSolutions.flatMap((pluginReport) => pluginReport.violations)).toEqual([]);
  });

  it('acknowledges only the VPC flow logs and the ENI wildcard beyond the defaults, each once, on the egress construct', () => {
    const found = acknowledgements(synthesized.app);
    const defaultApp = buildApp();
    const defaults = new Set(acknowledgements(defaultApp.app).map((acknowledgement) => acknowledgement.id));
    removeOutdir(defaultApp);
    const added = found.filter((acknowledgement) => !defaults.has(acknowledgement.id));
    expect(added.map((acknowledgement) => acknowledgement.id).sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions::AwsSolutions-VPC7',
    ]);
    for (const acknowledgement of added) {
      expect(acknowledgement.construct.node.path).toMatch(/^DutyBridge\/FixedEgress\/(Vpc|NetworkInterfacesPolicy)$/);
      expect(acknowledgement.reason.length).toBeGreaterThan(40);
    }
  });

  it('acknowledges APIG4 on the WeCom verification route as well', () => {
    const routeCount = functionDefinitions.reduce((count, definition) => count + (definition.routes?.length ?? 0), 0);
    const apig4 = acknowledgements(synthesized.app).filter((acknowledgement) => acknowledgement.id.endsWith('-APIG4'));
    expect(apig4).toHaveLength(routeCount + 1);
  });
});

describe('cdk-nag with tracing switched on', () => {
  it('accepts the X-Ray wildcard only because it is acknowledged on each role', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dutybridge-nag-'));
    try {
      const app = new App({ outdir, context: cdkJsonContext() });
      const stateful = new StatefulStack(app, 'TracedState');
      new StatelessStack(app, 'Traced', {
        tables: stateful.tables,
        queues: stateful.queues,
        deadLetterQueues: stateful.deadLetterQueues,
        tracing: lambda.Tracing.ACTIVE,
        codeOverrideForTests: PLACEHOLDER_CODE,
      });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).not.toThrow();
      const xrayAcknowledgements = acknowledgements(app).filter(
        (acknowledgement) => acknowledgement.id === 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      );
      expect(xrayAcknowledgements).toHaveLength(functionDefinitions.length);
      for (const { construct } of xrayAcknowledgements) expect(construct.node.id).toBe('Role');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('cdk-nag negative control', () => {
  let built: BuiltApp | undefined;
  afterEach(() => removeOutdir(built));

  it('fails synthesis when a resource breaks an AwsSolutions rule without acknowledgement', () => {
    built = buildApp();
    // No DLQ, no TLS enforcement: AwsSolutions-SQS3 and -SQS4.
    new sqs.Queue(built.stateless, 'UnacknowledgedQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    expect(() => built!.app.synth()).toThrow(/AwsSolutions-SQS4/);
    const report = readValidationReport(built.outdir);
    const ruleNames = report.pluginReports.flatMap((pluginReport) =>
      pluginReport.violations.map((violation) => violation.ruleName),
    );
    expect(ruleNames).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
