/**
 * How the store keeps a raw record: one BLOB whose first byte names the codec. Records are short
 * (~1.4 KB) and alike, so deflate with a preset dictionary of CloudTrail's vocabulary stores one in
 * about a quarter of its size; a record that would not shrink is kept as plain UTF-8.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { RECORD_DICTIONARY_V1 } from './record-dictionary.js';

/** Codec ids (the BLOB's first byte). Never reuse or renumber one. */
const PLAIN = 0;
const DEFLATE_DICT_V1 = 1;

const DICT_V1 = Buffer.from(RECORD_DICTIONARY_V1, 'utf8');

/** Encode a raw record (JSON text) for the `events.record` column. */
export function encodeRecord(raw: string): Buffer {
  const text = Buffer.from(raw, 'utf8');
  const packed = deflateRawSync(text, { dictionary: DICT_V1 });
  if (packed.length >= text.length) return Buffer.concat([Buffer.of(PLAIN), text]);
  return Buffer.concat([Buffer.of(DEFLATE_DICT_V1), packed]);
}

/** Decode an `events.record` BLOB back to the exact raw text. Throws on an unknown codec. */
export function decodeRecord(blob: Uint8Array): string {
  const body = Buffer.from(blob.buffer, blob.byteOffset + 1, blob.byteLength - 1);
  const codec = blob[0];
  if (codec === PLAIN) return body.toString('utf8');
  if (codec === DEFLATE_DICT_V1)
    return inflateRawSync(body, { dictionary: DICT_V1 }).toString('utf8');
  throw new Error(`unknown record codec ${String(codec)}`);
}
