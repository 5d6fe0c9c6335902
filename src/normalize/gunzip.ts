/**
 * Gunzip into one output buffer kept per thread, for the text a file decodes to (the text is
 * copied out before the next file). Allocating a fresh multi-megabyte buffer per delivery file
 * costs time and, worse, memory: freed large buffers leave the C allocator's heaps fragmented (about
 * 60 MB of peak memory per thread at 1M records, docs/performance.md). Node offers no public way to
 * inflate into a given buffer, so this hands the buffer to a zlib engine as its first output
 * chunk, the way `gunzipSync` fills one, through the engine's legacy `_processChunk`. Where those
 * internals are missing (another Node), it is plain `gunzipSync`. Errors are gunzipSync's own.
 */
import { createGunzip, gunzipSync } from 'node:zlib';

/** Output kept between files; a file needing more gets a buffer of its own, not kept. */
const KEPT_BYTES = 32 * 1024 * 1024;
const DEFAULT_CHUNK = 64 * 1024;
/** The largest output chunk allocated from what a gzip trailer states. */
const MAX_CHUNK = 64 * 1024 * 1024;

/** The internals of a zlib engine used here (Node 20 has them; gunzip.test.ts runs this path). */
interface Engine {
  _processChunk?: (chunk: Buffer, flushFlag: number) => Buffer;
  _finishFlushFlag?: number;
  _outBuffer?: Buffer;
  _outOffset?: number;
  _chunkSize?: number;
}

let kept: Buffer | undefined;

/**
 * What `data` inflates to, at most `max` bytes (else gunzipSync's ERR_BUFFER_TOO_LARGE). The
 * result may be a view of the kept buffer: use it before the next call on this thread.
 */
export function gunzipText(data: Buffer, max: number): Buffer {
  const stated = statedSize(data);
  if (stated === undefined || stated >= max || stated + 1 > KEPT_BYTES) {
    // The trailer is the file's word, not a fact: never allocate more than a chunk of it up front.
    const chunkSize =
      stated !== undefined && stated < max ? Math.min(stated + 1, MAX_CHUNK) : DEFAULT_CHUNK;
    return gunzipSync(data, { maxOutputLength: max, chunkSize });
  }
  const engine = createGunzip({ maxOutputLength: max }) as unknown as Engine;
  if (
    typeof engine._processChunk !== 'function' ||
    typeof engine._finishFlushFlag !== 'number' ||
    !Buffer.isBuffer(engine._outBuffer)
  ) {
    return gunzipSync(data, { maxOutputLength: max, chunkSize: stated + 1 });
  }
  if (!kept || kept.length < stated + 1) kept = Buffer.allocUnsafe(roundUp(stated + 1));
  engine._outBuffer = kept;
  engine._outOffset = 0;
  engine._chunkSize = kept.length;
  return engine._processChunk(data, engine._finishFlushFlag);
}

/** The size the gzip trailer states (ISIZE: the last member's length mod 2^32), if plausible. */
function statedSize(data: Buffer): number | undefined {
  if (data.length < 18) return undefined;
  const stated = data.readUInt32LE(data.length - 4);
  return stated >= DEFAULT_CHUNK ? stated : undefined;
}

function roundUp(n: number): number {
  const mb = 1024 * 1024;
  return Math.min(KEPT_BYTES, Math.ceil(n / mb) * mb);
}
