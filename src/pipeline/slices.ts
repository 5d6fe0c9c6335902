/**
 * Record boundaries of a CloudTrail S3 delivery file as CloudTrail writes it — compact
 * `{"Records":[{"eventVersion":…},{"eventVersion":…}]}` — found without parsing, so the reader
 * parses only the records some enabled rule may match, one at a time.
 *
 * Why this is safe: inside a JSON string every `"` is escaped, so the text `{"eventVersion"` can
 * only start an object. An object nested in a record whose first key is `eventVersion` would cut
 * that record in two, and then neither part parses (the first ends mid-value, the second has text
 * after its object): the reader treats any slice that does not parse as one whole object as "not
 * this shape" and parses the whole file the ordinary way instead. Anything else unexpected (other
 * framing, whitespace between records, a `\u` or `\/` escape that could spell a word the
 * pre-filter looks for) also returns undefined here.
 */

const HEAD = '{"Records":[';
const KEY = '"eventVersion":';
/** What {@link KEY} is found by: a rarer first character than `"` (see record-choice.ts `Key`). */
const KEY_TAIL = 'Version":';
const KEY_LEAD = KEY.length - KEY_TAIL.length;

/** Where each record's text starts and ends (exclusive), in file order. */
export interface RecordSlices {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /**
   * `"eventVersion":` keys that start no record (a nested object's, or a second one in a record):
   * the record choice then reads every record (see record-choice.ts).
   */
  readonly nestedKeys: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** True when the text has a `\u` or `\/` escape (one pass over its backslashes). */
function hasWordEscape(text: string): boolean {
  for (let at = text.indexOf('\\'); at >= 0; at = text.indexOf('\\', at + 2)) {
    const c = text.charCodeAt(at + 1);
    if (c === 0x75 || c === 0x2f) return true;
  }
  return false;
}

/** The next `"eventVersion":` key at or after `from`, or -1. */
function nextKey(text: string, from: number): number {
  for (
    let at = text.indexOf(KEY_TAIL, from + KEY_LEAD);
    at >= 0;
    at = text.indexOf(KEY_TAIL, at + 1)
  )
    if (text.startsWith(KEY, at - KEY_LEAD)) return at - KEY_LEAD;
  return -1;
}

/**
 * The records' slices, or undefined when the text is not a compact S3 delivery file. One pass
 * over the `"eventVersion":` keys finds the records (a key right after `{`) and counts the others.
 */
export function sliceRecords(text: string): RecordSlices | undefined {
  let from = 0;
  while (from < text.length && isSpace(text.charCodeAt(from))) from++;
  if (!text.startsWith(HEAD, from)) return undefined;
  let end = text.length;
  while (end > from && isSpace(text.charCodeAt(end - 1))) end--;
  // `]}` closes the list and the document.
  if (text.charCodeAt(end - 1) !== 0x7d || text.charCodeAt(end - 2) !== 0x5d) return undefined;
  return sliceList(text, from + HEAD.length, end - 2);
}

/**
 * The slices of the records listed, comma-separated, from `first` to `close` (exclusive) in
 * `text`: a whole delivery file's list, or a piece of one cut at record boundaries
 * ({@link recordPieces}). Undefined when the text there is not such a list.
 */
export function sliceList(text: string, first: number, close: number): RecordSlices | undefined {
  if (hasWordEscape(text)) return undefined;
  if (first === close) return { starts: [], ends: [], nestedKeys: 0 };
  if (text.charCodeAt(first) !== 0x7b || !text.startsWith(KEY, first + 1)) return undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  let nestedKeys = 0;
  let s = first;
  for (let at = nextKey(text, first + 1 + KEY.length); ; at = nextKey(text, at + KEY.length)) {
    const inside = at >= 0 && at < close;
    if (inside && text.charCodeAt(at - 1) !== 0x7b) {
      nestedKeys++;
      continue;
    }
    const next = inside ? at - 1 : -1;
    const stop = next < 0 ? close : next - 1;
    // Each record ends with `}`, followed by `,` before the next one.
    if (text.charCodeAt(stop - 1) !== 0x7d) return undefined;
    if (stop !== close && text.charCodeAt(stop) !== 0x2c) return undefined;
    starts.push(s);
    ends.push(stop);
    if (next < 0) break;
    s = next;
  }
  return { starts, ends, nestedKeys };
}

/** Where a record starts after the one before it: `},` then {@link KEY} (see {@link recordPieces}). */
const BETWEEN = `},{${KEY}`;

/**
 * A compact delivery file's bytes cut into pieces of about `size` bytes, each a comma-separated
 * run of whole records (from a record's `{` to the `}` that ends the last one), so each can be
 * decoded and read on its own; undefined when the bytes do not have the file's framing. A cut is
 * made only before `{"eventVersion":` right after `},`: were that inside a record (an object
 * nested in it, in that form), the pieces on both sides of it would not parse as records, and the
 * reader then reads the whole file the ordinary way (read.ts).
 */
export function recordPieces(
  bytes: Buffer,
  size: number,
): { from: number; to: number }[] | undefined {
  let from = 0;
  while (from < bytes.length && isSpace(bytes[from]!)) from++;
  if (bytes.toString('latin1', from, from + HEAD.length) !== HEAD) return undefined;
  let end = bytes.length;
  while (end > from && isSpace(bytes[end - 1]!)) end--;
  if (bytes[end - 1] !== 0x7d || bytes[end - 2] !== 0x5d) return undefined;
  const close = end - 2;
  const pieces: { from: number; to: number }[] = [];
  let start = from + HEAD.length;
  while (close - start > size) {
    const cut = bytes.indexOf(BETWEEN, start + size, 'latin1');
    if (cut < 0 || cut >= close) break;
    pieces.push({ from: start, to: cut + 1 });
    start = cut + 2;
  }
  pieces.push({ from: start, to: close });
  return pieces;
}

/** The index of the record whose slice holds `position`, or -1 (between or outside records). */
export function recordAt(slices: RecordSlices, position: number): number {
  const { starts, ends } = slices;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! > position) hi = mid - 1;
    else if (ends[mid]! <= position) lo = mid + 1;
    else return mid;
  }
  return -1;
}
