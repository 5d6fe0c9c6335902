import { describe, it, expect } from 'vitest';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  decodeText,
  extractRecords,
  extractRecordsFromText,
  type ExtractResult,
} from './records.js';
import {
  buildEnvelope,
  buildLookupItem,
  buildRecord,
  buildRecords,
  buildS3Delivery,
} from './fixtures/records.js';

const LIMITS = { maxDecompressedBytes: 10 * 1024 * 1024, maxRecordBytes: 1024 * 1024 };
const FILE = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/01/01/x.json.gz';

function extract(value: unknown, file = FILE): ExtractResult {
  return extractRecordsFromText(file, JSON.stringify(value), LIMITS);
}

function eventIds(r: ExtractResult): unknown[] {
  return r.records.map((x) => x.value.eventID);
}

const THREE = buildRecords(3);
const IDS = THREE.map((r) => r.eventID);

describe('extractRecords: bytes, gzip and limits', () => {
  const body = Buffer.from(JSON.stringify(buildS3Delivery(THREE)));

  it('gunzips by magic bytes whatever the file is called, and reads plain JSON too', () => {
    expect(eventIds(extractRecords('plain-name.json', gzipSync(body), LIMITS))).toEqual(IDS);
    expect(eventIds(extractRecords('x.json.gz', body, LIMITS))).toEqual(IDS);
  });

  it('strips a UTF-8 byte-order mark', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
    expect(eventIds(extractRecords('bom.json', withBom, LIMITS))).toEqual(IDS);
  });

  it('rejects a truncated gzip file with a clear reason', () => {
    const gz = gzipSync(body);
    expect(extractRecords(FILE, gz.subarray(0, gz.length - 20), LIMITS).rejections).toEqual([
      { file: FILE, reason: 'unexpected end of gzip data (truncated file?)' },
    ]);
  });

  it('rejects corrupt gzip data', () => {
    const gz = Buffer.from(gzipSync(body));
    gz[12] = (gz[12] ?? 0) ^ 0xff;
    gz[13] = (gz[13] ?? 0) ^ 0xff;
    expect(decodeText(FILE, gz, LIMITS)).toMatchObject({
      rejection: { file: FILE, reason: expect.stringMatching(/gzip/) },
    });
  });

  it('rejects a gzip bomb at the decompressed-size limit', () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    expect(extractRecords(FILE, bomb, LIMITS).rejections).toEqual([
      { file: FILE, reason: 'decompresses to more than the 10 MB limit' },
    ]);
  });

  it('rejects a plain file over the size limit', () => {
    const small = { maxDecompressedBytes: 100, maxRecordBytes: 100 };
    expect(extractRecords(FILE, body, small).rejections[0]?.reason).toMatch(
      /^file is 2\.\d KB, over the 100 bytes limit$/,
    );
  });

  it('rejects UTF-16 text', () => {
    expect(decodeText(FILE, Buffer.from('\ufeff{}', 'utf16le'), LIMITS)).toEqual({
      rejection: { file: FILE, reason: 'file is UTF-16 text; CloudTrail files are UTF-8' },
    });
  });

  it('rejects a record over maxRecordBytes by index and size, keeping the rest', () => {
    const big = buildRecord({
      eventID: 'big',
      requestParameters: { blob: 'b'.repeat(2.2 * 1024 * 1024) },
    });
    const r = extract(buildS3Delivery([THREE[0]!, big, THREE[1]!]));
    expect(r.records.map((x) => x.index)).toEqual([0, 2]);
    expect(r.rejections).toEqual([{ file: FILE, index: 1, reason: '2.2 MB, over the 1 MB limit' }]);
  });

  it('rejects an oversized JSON line and an oversized CloudTrailEvent string', () => {
    const big = JSON.stringify(
      buildRecord({ requestParameters: { blob: 'b'.repeat(1.5 * 1024 * 1024) } }),
    );
    const lines = extractRecordsFromText(FILE, [JSON.stringify(THREE[0]), big].join('\n'), LIMITS);
    expect(lines.rejections).toEqual([
      { file: FILE, index: 1, reason: '1.5 MB, over the 1 MB limit (line 2)' },
    ]);
    const lookup = extract({ Events: [buildLookupItem(THREE[0]!, big)] });
    expect(lookup.rejections[0]?.reason).toBe('1.5 MB, over the 1 MB limit');
  });

  it('rejects records nested deeper than the depth limit and keeps the others', () => {
    // JSON.stringify itself overflows on this, so the text is assembled by hand.
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const bad = JSON.stringify(buildRecord({ requestParameters: { x: 'DEEP' } })).replace(
      '"DEEP"',
      deep,
    );
    const text = `{"Records":[${JSON.stringify(THREE[0])},${bad},${JSON.stringify(THREE[1])}]}`;
    const r = extractRecordsFromText(FILE, text, LIMITS);
    expect(r.records.map((x) => x.index)).toEqual([0, 2]);
    expect(r.rejections).toEqual([
      { file: FILE, index: 1, reason: 'nested more than 256 levels deep' },
    ]);
    const shallow = JSON.stringify([buildRecord({ a: [[[[1]]]] })]);
    expect(
      extractRecordsFromText(FILE, shallow, { ...LIMITS, maxDepth: 4 }).rejections,
    ).toHaveLength(1);
    expect(
      extractRecordsFromText(FILE, shallow, { ...LIMITS, maxDepth: 6 }).rejections,
    ).toHaveLength(0);
  });
});

describe('extractRecordsFromText: hostile input', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (s) => {
        const r = extractRecordsFromText('f.json', s, LIMITS);
        expect(Array.isArray(r.records)).toBe(true);
        for (const rej of r.rejections) expect(typeof rej.reason).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON values wrapped in every shape', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        for (const wrapped of [
          v,
          [v],
          { Records: [v] },
          { Events: [{ CloudTrailEvent: JSON.stringify(v) }] },
          buildEnvelope(v as never),
        ]) {
          expect(() => extract(wrapped)).not.toThrow();
        }
      }),
    );
  });

  it('never throws on arbitrary bytes, gzip or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, gz) => {
        const data = gz
          ? Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(bytes)])
          : Buffer.from(bytes);
        expect(() => extractRecords('f', data, LIMITS)).not.toThrow();
      }),
    );
  });
});
