#!/usr/bin/env node
/** CDK entry point (see cdk.json): `npx cdk synth -q`, optionally `-c stackPrefix=MyBridge`. */
import { App } from 'aws-cdk-lib';
import { addDutyBridgeStacks } from '../lib/app';

const app = new App();
addDutyBridgeStacks(app);
app.synth();
