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
const MARK = '{"eventVersion"';

/** Where each record's text starts and ends (exclusive), in file order. */
export interface RecordSlices {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The records' slices, or undefined when the text is not a compact S3 delivery file. */
export function sliceRecords(text: string): RecordSlices | undefined {
  let from = 0;
  while (from < text.length && isSpace(text.charCodeAt(from))) from++;
  if (!text.startsWith(HEAD, from)) return undefined;
  let end = text.length;
  while (end > from && isSpace(text.charCodeAt(end - 1))) end--;
  // `]}` closes the list and the document.
  if (text.charCodeAt(end - 1) !== 0x7d || text.charCodeAt(end - 2) !== 0x5d) return undefined;
  if (text.includes('\\u') || text.includes('\\/')) return undefined;
  const close = end - 2;
  const first = from + HEAD.length;
  if (first === close) return { starts: [], ends: [] };
  if (!text.startsWith(MARK, first)) return undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  for (let s = first; s >= 0;) {
    const next = text.indexOf(MARK, s + MARK.length);
    const stop = next < 0 || next > close ? close : next - 1;
    // Each record ends with `}`, followed by `,` before the next one.
    if (text.charCodeAt(stop - 1) !== 0x7d) return undefined;
    if (stop !== close && text.charCodeAt(stop) !== 0x2c) return undefined;
    starts.push(s);
    ends.push(stop);
    s = stop === close ? -1 : next;
  }
  return { starts, ends };
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
