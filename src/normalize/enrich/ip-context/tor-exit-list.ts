/**
 * Tor exit addresses: the bulk list (`torbulkexitlist`, one address per line) or the
 * `exit-addresses` document (`ExitAddress <ip> <date>` lines among `ExitNode`, `Published` and
 * `LastStatus` lines). Blank lines and `#` comments are skipped; anything else is an error naming
 * the line, so a truncated download is caught.
 */
import { AppError } from '../../../core/index.js';
import { readDataFile } from './files.js';
import { formatIpv6, parseAddress } from './ip.js';
import type { Address } from './ip.js';

/** A loaded exit list. */
export interface TorExits {
  readonly v4: ReadonlySet<number>;
  /** Canonical (full) IPv6 text. */
  readonly v6: ReadonlySet<string>;
  readonly size: number;
}

const DESCRIPTOR_KEYWORDS = new Set(['ExitNode', 'Published', 'LastStatus']);

/** Parse an exit list; KS_IP_DATA_INVALID naming the file and line on a line that is no address. */
export function parseTorExitList(text: string, file: string): TorExits {
  const v4 = new Set<number>();
  const v6 = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const keyword = fields[0]!;
    if (DESCRIPTOR_KEYWORDS.has(keyword)) return;
    const text = keyword === 'ExitAddress' ? (fields[1] ?? '') : fields.length === 1 ? line : '';
    const a = parseAddress(text);
    if (!a) {
      const shown = JSON.stringify(line.length > 48 ? `${line.slice(0, 48)}…` : line);
      throw new AppError('KS_IP_DATA_INVALID', {
        file,
        reason: `line ${i + 1}: expected an IP address (one per line), found ${shown}`,
      });
    }
    if (a.family === 4) v4.add(a.value);
    else v6.add(formatIpv6(a.words));
  });
  if (v4.size + v6.size === 0) {
    throw new AppError('KS_IP_DATA_INVALID', { file, reason: 'lists no addresses' });
  }
  return { v4, v6, size: v4.size + v6.size };
}

/** Read and parse an exit list file. */
export function loadTorExitList(file: string): TorExits {
  return parseTorExitList(readDataFile(file).toString('utf8'), file);
}

/** True when `a` is on the list. */
export function isTorExit(t: TorExits, a: Address): boolean {
  return a.family === 4 ? t.v4.has(a.value) : t.v6.has(formatIpv6(a.words));
}
