/** Puts War Room jobs on the war-room queue (issue 14). */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WarRoomJob, WarRoomJobs } from '../../application/war-room-ports';

export class SqsWarRoomJobs implements WarRoomJobs {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async request(job: WarRoomJob): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
