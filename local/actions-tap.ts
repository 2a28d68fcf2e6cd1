/**
 * The local stack's copy of `incident-actions.fifo`: every incident.action the functions publish
 * (a SendMessage to the actions queue through the process's shared SQS client) is also appended,
 * once SQS accepted it, to `actions.jsonl` in the data folder. `dutybridge actions tail` reads that
 * file, so watching the actions never takes a message from the queue's consumer (your incident
 * system). Local only: in AWS, subscribe a queue of your own as the README describes.
 */
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SendMessageCommandInput, SendMessageCommandOutput, SQSClient } from '@aws-sdk/client-sqs';

export const ACTIONS_TAP_FILE = 'actions.jsonl';
/** The file is rotated to `actions.jsonl.1` once it is this big (bytes). */
export const ACTIONS_TAP_MAX_BYTES = 5 * 1024 * 1024;
const MIDDLEWARE_NAME = 'dutybridgeLocalActionsTap';

/** One line of the file. */
export interface TappedAction {
  /** When SQS accepted it (ISO). */
  readonly tappedAt: string;
  readonly messageId?: string;
  /** The message body as published (an incident.action). */
  readonly action: Record<string, unknown>;
}

export function actionsTapFile(dataDir: string): string {
  return path.join(dataDir, ACTIONS_TAP_FILE);
}

function append(file: string, line: string): void {
  if (existsSync(file) && statSync(file).size + line.length > ACTIONS_TAP_MAX_BYTES) renameSync(file, `${file}.1`);
  appendFileSync(file, line, { mode: 0o600 });
}

/** Copies every message sent to `actionsQueueUrl` through `sqs` to `file`; returns the uninstaller. */
export function installActionsTap(sqs: SQSClient, actionsQueueUrl: string, file: string, log?: (line: string) => void): () => void {
  sqs.middlewareStack.remove(MIDDLEWARE_NAME);
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as Partial<SendMessageCommandInput>;
      if (context.commandName === 'SendMessageCommand' && input.QueueUrl === actionsQueueUrl && typeof input.MessageBody === 'string') {
        try {
          const tapped: TappedAction = {
            tappedAt: new Date().toISOString(),
            messageId: (result.output as Partial<SendMessageCommandOutput>).MessageId,
            action: JSON.parse(input.MessageBody) as Record<string, unknown>,
          };
          append(file, `${JSON.stringify(tapped)}\n`);
        } catch (error) {
          // The copy is for watching; the publish itself already succeeded.
          log?.(`actions tap: could not copy an action to ${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return result;
    },
    { step: 'initialize', name: MIDDLEWARE_NAME },
  );
  return () => void sqs.middlewareStack.remove(MIDDLEWARE_NAME);
}
