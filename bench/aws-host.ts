/**
 * The local AWS servers (DynamoDB, SQS, Secrets Manager; local/aws.ts) in a process of their own,
 * for benches that run several processes against them: as in AWS, the services do not share an
 * event loop with the code that calls them. Sends its environment over IPC; stops on 'stop'.
 */
import { startLocalAws } from '../local/aws';

void startLocalAws().then((aws) => {
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stop') void aws.stop().then(() => process.exit(0));
  });
  process.send?.({ env: aws.env });
});
