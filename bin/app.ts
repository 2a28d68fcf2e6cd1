#!/usr/bin/env node
/**
 * CDK entry point (see cdk.json): `npx cdk synth -q`, optionally `-c stackPrefix=MyBridge`,
 * `-c alarmEmail=…` or `-c alarmTopicArn=…` (without either, synthesis warns that alarms reach
 * nobody) and `-c secretReaderArns=arn,…` (lib/app.ts CONTEXT_KEYS).
 */
import { App } from 'aws-cdk-lib';
import { addDutyBridgeStacks } from '../lib/app';

const app = new App();
addDutyBridgeStacks(app);
app.synth();
