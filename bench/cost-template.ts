/**
 * The fixed-cost resources of a deployment, counted in the synthesized templates (both stacks, the
 * default context plus `fixedEgressNatGateways` when asked for): alarms, dashboards, KMS keys,
 * secrets, NAT gateways and Elastic IPs. Lambda code is replaced by an inline stub (no esbuild);
 * cdk-nag still runs, so this takes ~20 s. Loaded on demand: aws-cdk-lib is heavy.
 */
export interface TemplateCounts {
  readonly alarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  readonly secrets: number;
  readonly natGateways: number;
  readonly elasticIps: number;
  readonly metricFilters: number;
  readonly eventSourceMappings: number;
}

export async function countTemplateResources(natGateways: number): Promise<TemplateCounts> {
  const { App } = await import('aws-cdk-lib');
  const lambda = await import('aws-cdk-lib/aws-lambda');
  const { addDutyBridgeStacks } = await import('../lib/app');
  // Unknown context keys are ignored, so this is harmless before the VPC option exists.
  const app = new App({ context: natGateways > 0 ? { fixedEgressNatGateways: String(natGateways) } : {} });
  addDutyBridgeStacks(app, { codeOverrideForTests: lambda.Code.fromInline('exports.handler = async () => undefined;') });
  const counts = new Map<string, number>();
  for (const stack of app.synth().stacks) {
    const resources = (stack.template as { Resources?: Record<string, { Type: string }> }).Resources ?? {};
    for (const resource of Object.values(resources)) counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
  }
  const n = (type: string) => counts.get(type) ?? 0;
  return {
    alarms: n('AWS::CloudWatch::Alarm'),
    dashboards: n('AWS::CloudWatch::Dashboard'),
    kmsKeys: n('AWS::KMS::Key'),
    secrets: n('AWS::SecretsManager::Secret'),
    natGateways: n('AWS::EC2::NatGateway'),
    elasticIps: n('AWS::EC2::EIP'),
    metricFilters: n('AWS::Logs::MetricFilter'),
    eventSourceMappings: n('AWS::Lambda::EventSourceMapping'),
  };
}
