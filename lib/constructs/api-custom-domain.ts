import { Token } from 'aws-cdk-lib';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

/**
 * The HTTP API under your own domain. Needed in China, where API Gateway serves unauthenticated
 * requests (all platform callbacks) only on an ICP-filed custom domain, and wherever WeCom wants
 * the callback and trusted domain to belong to the verified company.
 */
export interface CustomDomainProps {
  /** Host name the API is served at, without scheme, path or port (e.g. `oncall.example.com`). */
  readonly domainName: string;
  /**
   * ACM certificate for `domainName`, in the stack's own region (a REGIONAL endpoint cannot use
   * a certificate from another region): `arn:aws:acm:…` or, in China, `arn:aws-cn:acm:…`.
   */
  readonly certificateArn: string;
  /**
   * Route 53 hosted zone that holds `domainName`: an A alias record to the API is added there.
   * @default - no record: point a CNAME from `domainName` to the CustomDomainTarget output at
   *   your DNS provider (e.g. DNSPod or Alibaba Cloud DNS in China)
   */
  readonly hostedZoneId?: string;
}

/** Thrown at synthesis when `customDomain` is not usable as given. */
export class InvalidCustomDomainError extends Error {
  override readonly name = 'InvalidCustomDomainError';
}

/** Lower-case labels of letters, digits and inner hyphens (punycode included); not an IP address. */
const HOST_NAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+(?![0-9]+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Partition in the pattern so China's certificates (`arn:aws-cn:`) pass as well as global ones. */
const CERTIFICATE_ARN = /^arn:aws(-cn|-us-gov)?:acm:([a-z]{2}(-gov)?-[a-z]+-\d+):\d{12}:certificate\/[A-Za-z0-9-]+$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** Checks `customDomain` before anything is built; `stackRegion` may be a token (env-agnostic stack). */
export function validateCustomDomain(props: CustomDomainProps, stackRegion: string): void {
  if (!HOST_NAME.test(props.domainName)) {
    throw new InvalidCustomDomainError(
      `customDomain.domainName must be a lower-case host name such as oncall.example.com, without scheme, path or port; got ${JSON.stringify(props.domainName)}`,
    );
  }
  const certificate = CERTIFICATE_ARN.exec(props.certificateArn);
  if (certificate === null) {
    throw new InvalidCustomDomainError(
      `customDomain.certificateArn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>, arn:aws-cn:acm:… in China); got ${JSON.stringify(props.certificateArn)}`,
    );
  }
  const certificateRegion = certificate[2];
  if (!Token.isUnresolved(stackRegion) && certificateRegion !== stackRegion) {
    throw new InvalidCustomDomainError(
      `customDomain.certificateArn is in ${certificateRegion}, but a regional API domain needs a certificate in the stack's region ${stackRegion}`,
    );
  }
  if (props.hostedZoneId !== undefined && !HOSTED_ZONE_ID.test(props.hostedZoneId)) {
    throw new InvalidCustomDomainError(`customDomain.hostedZoneId must be a Route 53 zone id such as Z0123456789ABCDEFGHIJ; got ${JSON.stringify(props.hostedZoneId)}`);
  }
}

export interface ApiCustomDomainProps extends CustomDomainProps {
  readonly api: apigatewayv2.IHttpApi;
  readonly stage: apigatewayv2.IHttpStage;
}

/**
 * A REGIONAL API Gateway domain name with the API mapped at its root (no mapping key): WeCom
 * fetches its verification file from `https://<domain>/WW_verify_<code>.txt`, so the API cannot
 * sit under a path.
 */
export class ApiCustomDomain extends Construct {
  public readonly domainName: apigatewayv2.DomainName;
  /** The API's base URL on the domain, ending with `/` like `HttpStage.url`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ApiCustomDomainProps) {
    super(scope, id);
    this.domainName = new apigatewayv2.DomainName(this, 'DomainName', {
      domainName: props.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      endpointType: apigatewayv2.EndpointType.REGIONAL,
      securityPolicy: apigatewayv2.SecurityPolicy.TLS_1_2,
    });
    new apigatewayv2.ApiMapping(this, 'RootMapping', { api: props.api, domainName: this.domainName, stage: props.stage });
    this.url = `https://${props.domainName}/`;

    if (props.hostedZoneId !== undefined) {
      // The zone's own name is not known (the domain may be the zone apex or any name below it),
      // so the record is named by its fully qualified name (trailing dot) and the zone by id only.
      new route53.ARecord(this, 'AliasRecord', {
        zone: route53.HostedZone.fromHostedZoneId(this, 'HostedZone', props.hostedZoneId),
        recordName: `${props.domainName}.`,
        target: route53.RecordTarget.fromAlias(
          new route53Targets.ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId),
        ),
      });
    }
  }
}
