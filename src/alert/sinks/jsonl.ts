/**
 * JSON lines: each alert appended to a file as one line, `{"type":"keysnare.alert","version":1,
 * "alert":{…}}`, for a log shipper (Filebeat, Vector, Fluent Bit) to pick up. The line is
 * appended (O_APPEND, so concurrent writers never interleave and a rotated file is simply
 * reopened) and fsync'd before the delivery counts as done, with the folder fsync'd too when the
 * file was new: a crash after `ok` does not lose it. Values are kept as they were (the file is
 * data, not markup); the characters a viewer could be tricked by are written as `\uXXXX` escapes,
 * so no line holds a raw line break, control, bidi or line-separator character.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { AlertMessage } from '../../core/index.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import { capJson, escapeInJson } from './lib/text.js';

/** The `type` of every line. */
export const JSONL_RECORD_TYPE = 'keysnare.alert';

/** One line of the file. `truncated` is there when a string or list was cut to fit. */
export interface JsonlRecord {
  readonly type: typeof JSONL_RECORD_TYPE;
  readonly version: 1;
  readonly truncated?: true;
  readonly alert: AlertMessage;
}

/** The longest string kept (a 100 KB user agent is cut, with `…`), the longest list. */
const CAPS = { string: 8192, list: 100 } as const;

/** The JSON-lines sink's own options. */
const options = z.strictObject({
  /** The file, against the workspace when relative; created (0600) with its folders (0700). */
  path: z.string().min(1),
});

/** What JSON may carry raw that a terminal or viewer could act on (JSON escapes C0 itself). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * `message` as one line of JSON (no trailing newline): strings over 8 KiB cut and lists over 100
 * entries shortened (the record then says `"truncated":true`), and every control, format (bidi,
 * zero-width), U+2028 and U+2029 character written as `\uXXXX`, so `JSON.parse` gives the values
 * back unchanged while the bytes hold none of them raw.
 *
 * @example
 * formatJsonLine(message) // '{"type":"keysnare.alert","version":1,"alert":{"alertId":"alt-…",…}}'
 */
export function formatJsonLine(message: AlertMessage): string {
  const { value, truncated } = capJson(message, CAPS);
  const alert = value as AlertMessage;
  const record: JsonlRecord = truncated
    ? { type: JSONL_RECORD_TYPE, version: 1, truncated: true, alert }
    : { type: JSONL_RECORD_TYPE, version: 1, alert };
  return escapeInJson(JSON.stringify(record), INVISIBLE);
}

/** Open `path` for appending, saying whether this created it. */
async function openForAppend(path: string) {
  try {
    return { file: await open(path, 'ax', 0o600), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { file: await open(path, 'a', 0o600), created: false };
  }
}

/** Append `line` to `path` and fsync it (and the folder, when the file is new). */
async function appendDurably(path: string, line: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { file, created } = await openForAppend(path);
  try {
    await file.appendFile(line, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  if (!created) return;
  // The new file's name is in the folder: without this a crash could lose the whole file.
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } catch (err) {
    // Some platforms (Windows) cannot fsync a folder; the file itself is synced.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await folder.close();
  }
}

function failed(path: string, err: unknown): SinkResult {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e.code === 'string' ? e.code : 'error';
  const what = e.syscall ? `${e.syscall} failed` : String(err);
  // A full or read-only disk may come back: the dispatcher retries.
  return { kind: 'indeterminate', error: `cannot append to ${path}: ${code} (${what})` };
}

/** The JSON-lines file sink. */
export const jsonlSink: SinkDefinition<typeof options> = {
  type: 'jsonl',
  title: 'JSON lines file',
  options,
  create(opts, ctx) {
    const path = ctx.resolvePath(opts.path);
    let chain: Promise<unknown> = Promise.resolve();
    return {
      name: ctx.name,
      type: 'jsonl',
      async deliver(message) {
        const line = `${formatJsonLine(message)}\n`;
        // One append at a time, in the order the dispatcher delivers.
        const run = chain.then(() => appendDurably(path, line));
        chain = run.catch(() => undefined);
        try {
          await run;
          return { kind: 'ok' };
        } catch (err) {
          return failed(path, err);
        }
      },
      async close() {
        await chain;
      },
    };
  },
};
