/**
 * Shared copies of repeated strings. Values that cross from a worker thread arrive as fresh copies
 * (a user agent seen 14,000 times was 14,000 strings); what a run keeps to its end keeps one. The
 * table is bounded: past `max` distinct strings it starts again, which only costs sharing.
 */
export function createInterner(max = 100_000): (s: string) => string {
  let table = new Map<string, string>();
  return (s) => {
    const known = table.get(s);
    if (known !== undefined) return known;
    if (table.size >= max) table = new Map();
    table.set(s, s);
    return s;
  };
}
