/** Suite authorization jobs on SQS `wecom-suite-auth` (issue 16), read by the suite-auth worker. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SuiteAuthJobQueue } from '../../application/wecom-suite-command';
import type { SuiteAuthJob } from '../../domain/wecom-suite';

export class SqsSuiteAuthJobs implements SuiteAuthJobQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(job: SuiteAuthJob): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
