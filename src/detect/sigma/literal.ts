/**
 * Literal text a Sigma value certainly contains: the longest run of "needle characters" (printable
 * ASCII other than `"` and `\\`, written the same in CloudTrail's JSON as in the decoded value) of a
 * string, and the longest such run a regular expression always matches. needles.ts builds the
 * reader's text needles from them; values.ts a cheap test before running RE2.
 */

/** Needles shorter than this select nearly every record: the rule is taken to select all. */
const MIN_NEEDLE = 4;

/** The longest piece of `s` made of needle characters. */
export function longestPiece(s: string): string {
  let best = '';
  for (const piece of s.split(/[^\x20-\x21\x23-\x5b\x5d-\x7e]+/)) {
    if (piece.length > best.length) best = piece;
  }
  return best;
}

/** `n` when it is long enough to be worth looking for. */
export function usable(n: string): string | undefined {
  return n.length >= MIN_NEEDLE ? n : undefined;
}

/** The longest literal run a regular expression certainly matches, outside groups and classes. */
export function regexLiteral(pattern: string): string | undefined {
  const runs: string[] = [];
  let run = '';
  let depth = 0;
  const cut = (): void => {
    if (run) runs.push(run);
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const next = pattern.charAt(++i);
      if (depth === 0 && /[.*+?()[\]{}|^$\\/-]/.test(next) && next !== '') run += next;
      else {
        // A class or a code (\d, \x41, \p{L}, \101): what follows may be its argument, not text.
        cut();
        while (i + 1 < pattern.length && /[\w{},]/.test(pattern.charAt(i + 1))) i++;
      }
    } else if (c === '[') {
      // Skip the class, escapes included; a class is one unknown character.
      for (i++; i < pattern.length && pattern.charAt(i) !== ']'; i++) {
        if (pattern.charAt(i) === '\\') i++;
      }
      cut();
    } else if (c === '(') {
      depth++;
      cut();
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      cut();
    } else if (c === '|') {
      if (depth === 0) return undefined;
    } else if (depth > 0) {
      continue;
    } else if (c === '?' || c === '*' || c === '{') {
      // The character before is optional (or repeated a bounded number of times): it leaves the
      // run, and so does the bound.
      run = run.slice(0, -1);
      cut();
      if (c === '{') while (i < pattern.length && pattern.charAt(i) !== '}') i++;
    } else if (c === '+' || c === '.' || c === '^' || c === '$') {
      cut();
    } else run += c;
  }
  cut();
  return usable(runs.map(longestPiece).reduce((a, b) => (b.length > a.length ? b : a), ''));
}
