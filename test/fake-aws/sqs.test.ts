import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';

describe('fake SQS', () => {
  const h = useFakeAws();
  const receive = (QueueUrl: string, VisibilityTimeout?: number) =>
    h.sqs().send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        ...(VisibilityTimeout !== undefined ? { VisibilityTimeout } : {}),
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );

  it('sends, receives with a checked MD5, hides for the visibility timeout and counts receives', async () => {
    h.fake.control.setNow(new Date('2025-01-01T00:00:00Z'));
    const url = h.fake.sqs.createQueue('ct', { visibilityTimeout: 30 });
    const sent = await h
      .sqs()
      .send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo' }));
    const first = await receive(url);
    expect(first.Messages).toEqual([
      expect.objectContaining({
        MessageId: sent.MessageId,
        Body: 'héllo',
        Attributes: { ApproximateReceiveCount: '1' },
      }),
    ]);
    expect((await receive(url)).Messages ?? []).toEqual([]);
    h.fake.control.advance(30_000);
    const second = await receive(url);
    expect(second.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    expect(second.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
  });

  it('deletes only with the latest receipt handle (an older one succeeds and deletes nothing)', async () => {
    h.fake.control.setNow(new Date('2025-01-01T00:00:00Z'));
    const url = h.fake.sqs.createQueue('ct');
    h.fake.sqs.sendMessage(url, 'm');
    const old = (await receive(url, 1)).Messages![0]!.ReceiptHandle!;
    h.fake.control.advance(1000);
    const latest = (await receive(url, 1)).Messages![0]!.ReceiptHandle!;
    await h.sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: old }));
    expect(h.fake.sqs.messages(url)).toHaveLength(1);
    await h.sqs().send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: latest }));
    expect(h.fake.sqs.messages(url)).toEqual([]);
  });

  it('extends visibility with ChangeMessageVisibility and refuses it when not in flight', async () => {
    h.fake.control.setNow(new Date('2025-01-01T00:00:00Z'));
    const url = h.fake.sqs.createQueue('ct', { visibilityTimeout: 30 });
    h.fake.sqs.sendMessage(url, 'm');
    const handle = (await receive(url)).Messages![0]!.ReceiptHandle!;
    h.fake.control.advance(25_000);
    await h.sqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: handle,
        VisibilityTimeout: 30,
      }),
    );
    h.fake.control.advance(25_000);
    expect((await receive(url)).Messages ?? []).toEqual([]);
    h.fake.control.advance(10_000);
    expect(h.fake.sqs.messages(url)[0]?.inFlight).toBe(false);
    const err = await rejection(
      h.sqs().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: handle,
          VisibilityTimeout: 5,
        }),
      ),
    );
    expect(err.name).toBe('MessageNotInflight');
  });

  it('long-polls until a message arrives', async () => {
    const url = h.fake.sqs.createQueue('ct');
    setTimeout(() => h.fake.sqs.sendMessage(url, 'late'), 100);
    const out = await h
      .sqs()
      .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
    expect(out.Messages?.[0]?.Body).toBe('late');
  });

  it('answers an unknown queue with QueueDoesNotExist', async () => {
    const err = await rejection(receive(`${h.fake.endpoint}/${h.fake.accountId}/missing`));
    expect(err.name).toBe('QueueDoesNotExist');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});
