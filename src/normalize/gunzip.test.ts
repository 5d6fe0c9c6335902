import { gzipSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipText } from './gunzip.js';

/** Text of `n` bytes that compresses well but not trivially. */
function text(n: number, seed: number): Buffer {
  const parts: string[] = [];
  for (let i = 0, len = 0; len < n; i++) {
    const s = `{"eventID":"${seed}-${i}","n":${(i * 7919) % 1000}},`;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('').slice(0, n));
}

function errorOf(f: () => unknown): { code?: unknown; message: string } {
  try {
    f();
  } catch (err) {
    return { code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
  throw new Error('did not throw');
}

describe('gunzipText', () => {
  it('inflates as gunzipSync does, file after file into the kept buffer', () => {
    const a = text(3_000_000, 1);
    const b = text(200_000, 2);
    expect(gunzipText(gzipSync(a), 64 << 20).equals(a)).toBe(true);
    // The second result reuses the buffer: the first must have been used before.
    expect(gunzipText(gzipSync(b), 64 << 20).equals(b)).toBe(true);
    expect(gunzipText(gzipSync(a), 64 << 20).equals(a)).toBe(true);
  });

  it('inflates small files, several gzip members, and a trailer that lies about the size', () => {
    const small = text(1000, 3);
    expect(gunzipText(gzipSync(small), 1 << 20).equals(small)).toBe(true);
    const one = text(500_000, 4);
    const two = text(400_000, 5);
    const both = Buffer.concat([gzipSync(one), gzipSync(two)]);
    expect(gunzipText(both, 64 << 20).equals(Buffer.concat([one, two]))).toBe(true);
    const lying = gzipSync(one);
    lying.writeUInt32LE(70_000, lying.length - 4);
    // A trailer claiming far more than the data holds: gunzip rejects it as gunzipSync does,
    // without allocating what it claims first.
    const big = gzipSync(small);
    big.writeUInt32LE(400 * 1024 * 1024, big.length - 4);
    expect(errorOf(() => gunzipText(big, 512 << 20)).code).toBe(
      errorOf(() => gunzipSync(big)).code,
    );
    // gunzip checks ISIZE itself: whatever it says about a lying trailer, so does this.
    const expected = errorOf(() => gunzipSync(lying));
    expect(errorOf(() => gunzipText(lying, 64 << 20)).code).toBe(expected.code);
  });

  it('fails as gunzipSync does on truncated, corrupt and oversized input', () => {
    const gz = gzipSync(text(1_000_000, 6));
    const truncated = gz.subarray(0, gz.length >> 1);
    expect(errorOf(() => gunzipText(truncated, 64 << 20)).code).toBe(
      errorOf(() => gunzipSync(truncated)).code,
    );
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 40, 400);
    expect(errorOf(() => gunzipText(corrupt, 64 << 20)).code).toBe(
      errorOf(() => gunzipSync(corrupt)).code,
    );
    expect(errorOf(() => gunzipText(gz, 500_000)).code).toBe('ERR_BUFFER_TOO_LARGE');
    // A trailer claiming less than the limit does not get past it: the output is over the limit or
    // the trailer is found wrong, whichever inflating meets first.
    const claims = Buffer.from(gz);
    claims.writeUInt32LE(100_000, claims.length - 4);
    expect(['ERR_BUFFER_TOO_LARGE', 'Z_DATA_ERROR']).toContain(
      errorOf(() => gunzipText(claims, 500_000)).code,
    );
    // Nor does a small honest last member after a huge first one.
    const huge = Buffer.concat([gzipSync(Buffer.alloc(5_000_000)), gzipSync(text(70_000, 7))]);
    expect(errorOf(() => gunzipText(huge, 1_000_000)).code).toBe('ERR_BUFFER_TOO_LARGE');
  });
});
