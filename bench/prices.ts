/**
 * List prices `npm run bench:cost` multiplies its counts by: us-east-1 in USD, cn-north-1 (Beijing,
 * operated by Sinnet) in CNY. On-demand list prices, first pricing tier, no free tier applied, no
 * Savings Plans. Every price names its page; `confirmed: false` marks a value we could not read off
 * that page (the bench prints UNCONFIRMED next to it and next to every total that uses it).
 *
 * cn-north-1 placeholders: when the China page could not be read, the value is the us-east-1 price
 * converted at CNY_PER_USD, so the figure stays reproducible and is visibly a stand-in, not a quote.
 */

export const PRICES_CHECKED = '2026-12-02';

/** For the placeholders and the USD column of the China totals only; not a quoted exchange rate. */
export const CNY_PER_USD = 7.1;

export interface Price {
  readonly value: number;
  readonly source: string;
  readonly confirmed: boolean;
  readonly note?: string;
}

export interface RegionPrices {
  readonly region: 'us-east-1' | 'cn-north-1';
  readonly currency: 'USD' | 'CNY';
  readonly lambdaRequestsPerMillion: Price;
  /** Arm (Graviton) duration, first tier. */
  readonly lambdaArmGbSecond: Price;
  readonly httpApiPerMillion: Price;
  /** On-demand, Standard table class. */
  readonly dynamoWruPerMillion: Price;
  readonly dynamoRruPerMillion: Price;
  readonly sqsStandardPerMillion: Price;
  readonly sqsFifoPerMillion: Price;
  readonly secretPerMonth: Price;
  readonly secretsApiPer10k: Price;
  readonly kmsKeyPerMonth: Price;
  readonly kmsRequestsPer10k: Price;
  /** CloudWatch Logs Standard log class, ingestion. */
  readonly logsIngestPerGb: Price;
  /** Standard resolution (60 s) alarm, per alarm metric. */
  readonly alarmPerMonth: Price;
  /** Custom dashboard, beyond the 3 free ones. */
  readonly dashboardPerMonth: Price;
  readonly customMetricPerMonth: Price;
  readonly natGatewayPerHour: Price;
  readonly natGatewayPerGb: Price;
  /** The NAT gateway's Elastic IP is a public IPv4 address, billed per hour since 2024-02-01. */
  readonly publicIpv4PerHour: Price;
  /** Data transfer out to the internet (what leaves through the NAT), first paid tier. */
  readonly dataOutPerGb: Price;
}

const US = {
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  apigw: 'https://aws.amazon.com/api-gateway/pricing/',
  dynamo: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  secrets: 'https://aws.amazon.com/secrets-manager/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
};
const CN = {
  lambda: 'https://www.amazonaws.cn/en/lambda/pricing/',
  apigw: 'https://www.amazonaws.cn/en/api-gateway/pricing/',
  dynamo: 'https://www.amazonaws.cn/en/dynamodb/pricing/',
  sqs: 'https://www.amazonaws.cn/en/sqs/pricing/',
  secrets: 'https://www.amazonaws.cn/en/secrets-manager/pricing/',
  kms: 'https://www.amazonaws.cn/en/kms/pricing/',
  cloudwatch: 'https://www.amazonaws.cn/cloudwatch/pricing/',
  vpc: 'https://www.amazonaws.cn/en/vpc/pricing/',
  ec2: 'https://www.amazonaws.cn/en/ec2/pricing/',
};

const usd = (value: number, source: string, note?: string): Price => ({ value, source, confirmed: true, ...(note ? { note } : {}) });

export const US_EAST_1: RegionPrices = {
  region: 'us-east-1',
  currency: 'USD',
  lambdaRequestsPerMillion: usd(0.2, US.lambda),
  lambdaArmGbSecond: usd(0.0000133334, US.lambda, 'first 7.5 billion GB-s a month'),
  httpApiPerMillion: usd(1.0, US.apigw, 'first 300 million requests; each 512 KB counts as one request'),
  dynamoWruPerMillion: usd(0.625, US.dynamo, 'after the 2024-11-01 on-demand price reduction'),
  dynamoRruPerMillion: usd(0.125, US.dynamo, 'after the 2024-11-01 on-demand price reduction'),
  sqsStandardPerMillion: usd(0.4, US.sqs, 'each 64 KB chunk of a payload is one request'),
  sqsFifoPerMillion: usd(0.5, US.sqs),
  secretPerMonth: usd(0.4, US.secrets),
  secretsApiPer10k: usd(0.05, US.secrets),
  kmsKeyPerMonth: usd(1.0, US.kms, 'plus 1 USD a month for each of the first two automatic rotations'),
  kmsRequestsPer10k: usd(0.03, US.kms),
  logsIngestPerGb: usd(0.5, US.cloudwatch),
  alarmPerMonth: usd(0.1, US.cloudwatch),
  dashboardPerMonth: usd(3.0, US.cloudwatch, 'the first 3 dashboards are free'),
  customMetricPerMonth: usd(0.3, US.cloudwatch, 'first 10,000 metrics'),
  natGatewayPerHour: usd(0.045, US.vpc),
  natGatewayPerGb: usd(0.045, US.vpc, 'data processed, both directions'),
  publicIpv4PerHour: usd(0.005, US.vpc, 'in use or idle, since 2024-02-01'),
  dataOutPerGb: usd(0.09, US.ec2, 'after the first 100 GB a month'),
};

/** A China price we could not read: the us-east-1 one converted, flagged. */
function placeholder(us: Price, source: string): Price {
  return { value: us.value * CNY_PER_USD, source, confirmed: false, note: `placeholder: us-east-1 price × ${CNY_PER_USD}` };
}
const cny = (value: number, source: string, note?: string): Price => ({ value, source, confirmed: true, ...(note ? { note } : {}) });
const u = US_EAST_1;

export const CN_NORTH_1: RegionPrices = {
  region: 'cn-north-1',
  currency: 'CNY',
  lambdaRequestsPerMillion: placeholder(u.lambdaRequestsPerMillion, CN.lambda),
  lambdaArmGbSecond: placeholder(u.lambdaArmGbSecond, CN.lambda),
  httpApiPerMillion: placeholder(u.httpApiPerMillion, CN.apigw),
  dynamoWruPerMillion: cny(11.1538, CN.dynamo, 'on-demand write requests, China (Beijing) and (Ningxia); the stored copy of the page may predate a price change'),
  dynamoRruPerMillion: {
    value: 11.1538 / 5,
    source: CN.dynamo,
    confirmed: false,
    note: 'derived: the write price divided by 5, the read:write ratio of the same page’s provisioned prices (¥0.058 per 50 RCU vs per 10 WCU)',
  },
  sqsStandardPerMillion: placeholder(u.sqsStandardPerMillion, CN.sqs),
  sqsFifoPerMillion: placeholder(u.sqsFifoPerMillion, CN.sqs),
  secretPerMonth: placeholder(u.secretPerMonth, CN.secrets),
  secretsApiPer10k: placeholder(u.secretsApiPer10k, CN.secrets),
  kmsKeyPerMonth: placeholder(u.kmsKeyPerMonth, CN.kms),
  kmsRequestsPer10k: placeholder(u.kmsRequestsPer10k, CN.kms),
  logsIngestPerGb: placeholder(u.logsIngestPerGb, CN.cloudwatch),
  alarmPerMonth: cny(0.622, CN.cloudwatch, 'standard resolution alarm metric; free tier 10 alarms'),
  dashboardPerMonth: placeholder(u.dashboardPerMonth, CN.cloudwatch),
  customMetricPerMonth: cny(2.0, CN.cloudwatch, 'first 10,000 metrics; free tier 10 metrics'),
  natGatewayPerHour: placeholder(u.natGatewayPerHour, CN.vpc),
  natGatewayPerGb: placeholder(u.natGatewayPerGb, CN.vpc),
  publicIpv4PerHour: placeholder(u.publicIpv4PerHour, CN.vpc),
  dataOutPerGb: placeholder(u.dataOutPerGb, CN.ec2),
};

export const REGIONS: readonly RegionPrices[] = [US_EAST_1, CN_NORTH_1];

/** Names of a region's prices we could not confirm, for the report. */
export function unconfirmed(prices: RegionPrices): string[] {
  return Object.entries(prices)
    .filter(([, price]) => typeof price === 'object' && price !== null && (price as Price).confirmed === false)
    .map(([name]) => name);
}
