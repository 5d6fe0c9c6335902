/**
 * `npm run build` (and `prepare`), after `tsc`: compile the packaged ASN CSVs of
 * `@ip-location-db/asn` into dist/data/asn-ipv4.bin and asn-ipv6.bin, which the built code reads
 * in milliseconds instead of parsing the CSVs (src/normalize/enrich/ip-context/compiled-asn.ts).
 * Uses the built modules in dist/, so the compiled form is the one the built code reads.
 *
 * Prints nothing when done. Without the package there is nothing to compile (the built code finds
 * no CSV either), so it says nothing and exits 0. A CSV that is there but cannot be compiled is one
 * line on stderr and exit status 1.
 */
import { statSync } from 'node:fs';
import process from 'node:process';

/** One line for a failure: an AppError's message names the file and what is wrong. */
const oneLine = (err) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

try {
  // Imported here, not above, so that even a missing dist/ is one line, not a stack trace.
  const { loadAsnCsv } = await import('../dist/normalize/enrich/ip-context/asn-csv.js');
  const { writeCompiledAsn } = await import('../dist/normalize/enrich/ip-context/compiled-asn.js');
  const packaged = await import('../dist/normalize/enrich/ip-context/packaged.js');
  for (const [file, family] of [
    [packaged.PACKAGED_ASN_IPV4_CSV, 4],
    [packaged.PACKAGED_ASN_IPV6_CSV, 6],
  ]) {
    const csv = packaged.packagedPath(file);
    const out = packaged.compiledPath(file);
    if (csv === undefined || out === undefined) continue;
    // Stat before reading: a CSV replaced meanwhile then reads as stale, never as current.
    const source = statSync(csv);
    writeCompiledAsn(loadAsnCsv(csv, family), source, out);
  }
} catch (err) {
  process.stderr.write(`build-ip-data: ${oneLine(err)}\n`);
  process.exitCode = 1;
}
