/** Puts smart bot reply jobs on the bot-replies queue (issue 15). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { BotReplyJob, BotReplyJobs } from '../../application/smart-bot-ports';

export class SqsBotReplyJobs implements BotReplyJobs {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async request(job: BotReplyJob): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
