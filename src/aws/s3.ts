/**
 * {@link S3Port} over the AWS SDK v3 S3 client: one ListObjectsV2 page per call, and GetObject read
 * with a size cap (the declared length is checked first, then the bytes actually read).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AppError } from '../core/index.js';
import { awsError } from './clients.js';
import type { S3Port } from './ports.js';

/** The error {@link S3Port.getObject} throws past its size cap. */
function tooLarge(bucket: string, key: string, bytes: number, maxBytes: number): AppError {
  return new AppError('KS_AWS', {
    operation: 'GetObject',
    reason: `s3://${bucket}/${key} is larger than the cap of ${maxBytes} bytes (${bytes} or more)`,
    sizeCap: maxBytes,
  });
}

/** True when `err` is the size-cap refusal of {@link S3Port.getObject} (retrying will not help). */
export function isObjectTooLarge(err: unknown): boolean {
  return err instanceof AppError && typeof err.details['sizeCap'] === 'number';
}

interface DestroyableBody extends AsyncIterable<Uint8Array> {
  destroy?: () => void;
}

async function readCapped(
  body: DestroyableBody,
  where: { bucket: string; key: string },
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      body.destroy?.();
      throw tooLarge(where.bucket, where.key, size, maxBytes);
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, size);
}

/** Build the S3 port over a client (constructed by app.ts). */
export function createS3Port(client: S3Client): S3Port {
  return {
    async listObjects(input, signal) {
      try {
        const r = await client.send(
          new ListObjectsV2Command({
            Bucket: input.bucket,
            ...(input.prefix ? { Prefix: input.prefix } : {}),
            ...(input.startAfter ? { StartAfter: input.startAfter } : {}),
            ...(input.continuationToken ? { ContinuationToken: input.continuationToken } : {}),
            ...(input.delimiter ? { Delimiter: input.delimiter } : {}),
            ...(input.maxKeys ? { MaxKeys: input.maxKeys } : {}),
          }),
          signal ? { abortSignal: signal } : {},
        );
        return {
          objects: (r.Contents ?? []).flatMap((o) =>
            o.Key === undefined
              ? []
              : [
                  {
                    key: o.Key,
                    ...(o.Size !== undefined ? { size: o.Size } : {}),
                    ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}),
                  },
                ],
          ),
          prefixes: (r.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
          ...(r.IsTruncated && r.NextContinuationToken
            ? { nextToken: r.NextContinuationToken }
            : {}),
        };
      } catch (err) {
        throw awsError('ListObjectsV2', err);
      }
    },
    async getObject({ bucket, key, maxBytes }, signal) {
      let body: DestroyableBody | undefined;
      try {
        const r = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key }),
          signal ? { abortSignal: signal } : {},
        );
        body = r.Body as DestroyableBody | undefined;
        if (!body) return Buffer.alloc(0);
        if (r.ContentLength !== undefined && r.ContentLength > maxBytes) {
          body.destroy?.();
          throw tooLarge(bucket, key, r.ContentLength, maxBytes);
        }
        return await readCapped(body, { bucket, key }, maxBytes);
      } catch (err) {
        if (err instanceof AppError) throw err;
        body?.destroy?.();
        throw awsError('GetObject', err);
      }
    },
  };
}
