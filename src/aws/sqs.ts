/**
 * {@link SqsPort} over the AWS SDK v3 SQS client (JSON protocol). ReceiveMessage asks for the
 * receive count and sent time, which the poison-message rule and health need.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { awsError } from './clients.js';
import type { SqsMessage, SqsPort } from './ports.js';

function sentAt(value: string | undefined): string | undefined {
  const ms = Number(value);
  return value !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Build the SQS port over a client (constructed by app.ts). */
export function createSqsPort(client: SQSClient): SqsPort {
  return {
    async receiveMessages(input, signal) {
      try {
        const r = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: input.queueUrl,
            MaxNumberOfMessages: input.maxMessages,
            WaitTimeSeconds: input.waitSeconds,
            ...(input.visibilitySeconds !== undefined
              ? { VisibilityTimeout: input.visibilitySeconds }
              : {}),
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
          signal ? { abortSignal: signal } : {},
        );
        return (r.Messages ?? []).flatMap((m): SqsMessage[] => {
          if (m.MessageId === undefined || m.ReceiptHandle === undefined) return [];
          const count = Number(m.Attributes?.ApproximateReceiveCount ?? '1');
          const sent = sentAt(m.Attributes?.SentTimestamp);
          return [
            {
              messageId: m.MessageId,
              receiptHandle: m.ReceiptHandle,
              body: m.Body ?? '',
              receiveCount: Number.isInteger(count) && count > 0 ? count : 1,
              ...(sent ? { sentAt: sent } : {}),
            },
          ];
        });
      } catch (err) {
        throw awsError('ReceiveMessage', err);
      }
    },
    async deleteMessage(queueUrl, receiptHandle) {
      try {
        await client.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }),
        );
      } catch (err) {
        throw awsError('DeleteMessage', err);
      }
    },
    async changeMessageVisibility(queueUrl, receiptHandle, seconds) {
      try {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          }),
        );
      } catch (err) {
        throw awsError('ChangeMessageVisibility', err);
      }
    },
  };
}
