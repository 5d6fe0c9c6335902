import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';

describe('fake S3', () => {
  const h = useFakeAws();

  it('stores with PutObject and serves GetObject, keys with spaces, + and non-ASCII included', async () => {
    h.fake.s3.createBucket('trail');
    const key = "AWSLogs/a b+c%?#~!'()*é/😀.json.gz";
    await h
      .s3()
      .send(new PutObjectCommand({ Bucket: 'trail', Key: key, Body: Buffer.from('body') }));
    const out = await h.s3().send(new GetObjectCommand({ Bucket: 'trail', Key: key }));
    expect(await out.Body!.transformToString()).toBe('body');
    expect(out.ContentLength).toBe(4);
    expect(h.fake.s3.keys('trail')).toEqual([key]);
    expect(h.fake.control.calls.at(-1)).toMatchObject({
      service: 's3',
      action: 'GetObject',
      params: { Bucket: 'trail', Key: key },
      status: 200,
    });
  });

  it('pages ListObjectsV2 in UTF-8 byte order with StartAfter and ContinuationToken', async () => {
    const keys = ['p/a', 'p/b', 'p/\ue000', 'p/😀', 'p/c', 'q/x'];
    for (const k of keys) h.fake.s3.putObject('b', k, k);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await h.s3().send(
        new ListObjectsV2Command({
          Bucket: 'b',
          Prefix: 'p/',
          StartAfter: 'p/a',
          MaxKeys: 2,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    // U+E000 is EE 80 80 in UTF-8, before F0 9F 98 80 (UTF-16 order would put it after).
    expect(seen).toEqual(['p/b', 'p/c', 'p/\ue000', 'p/😀']);
  });

  it('groups CommonPrefixes by Delimiter, each once across pages', async () => {
    for (const k of ['AWSLogs/1/a', 'AWSLogs/1/b', 'AWSLogs/2/a', 'AWSLogs/top', 'AWSLogs/3/x'])
      h.fake.s3.putObject('b', k, '');
    const prefixes: string[] = [];
    const objects: string[] = [];
    let token: string | undefined;
    do {
      const page = await h.s3().send(
        new ListObjectsV2Command({
          Bucket: 'b',
          Prefix: 'AWSLogs/',
          Delimiter: '/',
          MaxKeys: 1,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      objects.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(prefixes).toEqual(['AWSLogs/1/', 'AWSLogs/2/', 'AWSLogs/3/']);
    expect(objects).toEqual(['AWSLogs/top']);
  });

  it('answers NoSuchKey and NoSuchBucket, and fails one key as told', async () => {
    h.fake.s3.putObject('b', 'good', 'x');
    h.fake.s3.putObject('b', 'bad', 'x');
    expect(
      (await rejection(h.s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'nope' })))).name,
    ).toBe('NoSuchKey');
    expect(
      (await rejection(h.s3().send(new GetObjectCommand({ Bucket: 'nob', Key: 'k' })))).name,
    ).toBe('NoSuchBucket');
    h.fake.s3.failKey('b', 'bad', 'InternalError', { times: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await rejection(h.s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'bad' })));
      expect(err.$metadata.httpStatusCode).toBe(500);
    }
    await h.s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'good' }));
    await h.s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'bad' }));
  });

  it('authenticates and authorizes: unknown keys and powerless users are refused', async () => {
    h.fake.s3.putObject('b', 'k', 'x');
    const unknown = await rejection(
      h
        .s3({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' })
        .send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(unknown.name).toBe('InvalidAccessKeyId');
    await h.iam().send(new CreateUserCommand({ UserName: 'nobody' }));
    const key = (await h.iam().send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!;
    const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const denied = await rejection(
      h.s3(creds).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(denied.name).toBe('AccessDenied');
    const forged = await rejection(
      h
        .s3({ ...creds, secretAccessKey: 'wrong' })
        .send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(forged.name).toBe('SignatureDoesNotMatch');
  });
});
