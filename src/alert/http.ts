/**
 * Outgoing requests for sinks, guarded: a sink's URL comes from config, but a DNS name can point
 * anywhere, so every target address is checked after resolution and the connection goes to the
 * address that was checked (no second lookup an attacker's DNS could answer differently).
 * Loopback, link-local (which holds the cloud metadata address 169.254.169.254), unspecified,
 * multicast and the known metadata addresses are refused unless the sink sets
 * `allowPrivateTargets: true`. Redirects are never followed: a 3xx is a failure naming where it
 * pointed. Private RFC 1918 networks are allowed (self-hosted Jira, syslog collectors).
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { SinkResult } from './sink.js';

/** One request. */
export interface HttpRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** One response, its body read as text (capped). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** What sinks send requests with. Throws {@link TargetRefused} or a network error. */
export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResponse>;
}

/** A target address this guard will not connect to. */
export class TargetRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly why: string,
  ) {
    super(
      `refused ${host} (${address}): ${why}; set allowPrivateTargets: true on the sink to allow it`,
    );
  }
}

/** Resolves a host to the one address a sink may connect to, or throws {@link TargetRefused}. */
export type TargetGuard = (host: string) => Promise<{ address: string; family: 4 | 6 }>;

const REFUSED: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['255.255.255.255', 32, 'ipv4', 'broadcast'],
  ['100.100.100.200', 32, 'ipv4', 'cloud metadata'],
  ['192.0.0.192', 32, 'ipv4', 'cloud metadata'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['fd00:ec2::254', 128, 'ipv6', 'cloud metadata'],
];

const lists = REFUSED.map(([net, prefix, family, why]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, family, why };
});

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function groupsOf(v6: string): number[] | undefined {
  let a = v6.toLowerCase();
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (tail) {
    const [b0, b1, b2, b3] = tail.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, tail.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, rest] = a.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array<string>(Math.max(0, fill)).fill('0'), ...right];
  return all.length === 8 ? all.map((g) => parseInt(g, 16)) : undefined;
}

/**
 * The IPv4 address an IPv6 address reaches or carries: IPv4-mapped (`::ffff:0:0/96`, in any
 * spelling, hex included: the URL parser writes `[::ffff:127.0.0.1]` as `[::ffff:7f00:1]`),
 * IPv4-compatible (`::/96`), NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`).
 */
function embeddedIpv4(v6: string): string | undefined {
  const g = groupsOf(v6);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!);
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6]!, g[7]!);
  if (zero(0, 6) && !(g[6] === 0 && (g[7] === 0 || g[7] === 1))) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return undefined;
}

/** Why `address` is refused, or undefined when a sink may connect to it. */
export function refusedBecause(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) {
      const why = refusedBecause(v4);
      if (why) return `${why}, as ${v4}`;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, family: f, why } of lists)
    if (f === type && list.check(address, type)) return why;
  return undefined;
}

/** A guard that refuses what {@link refusedBecause} names, unless `allowPrivate`. */
export function createGuard(allowPrivate: boolean): TargetGuard {
  return async (host) => {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const literal = isIP(bare);
    const found =
      literal !== 0
        ? [{ address: bare, family: literal }]
        : await lookup(bare, { all: true, verbatim: true });
    if (found.length === 0) throw new Error(`${host} does not resolve`);
    if (!allowPrivate) {
      for (const f of found) {
        const why = refusedBecause(f.address);
        if (why) throw new TargetRefused(host, f.address, why);
      }
    }
    const first = found[0]!;
    return { address: first.address, family: first.family === 6 ? 6 : 4 };
  };
}

/** The most of a response body kept (receivers' error texts are short). */
const BODY_CAP = 64 * 1024;

/** An HTTP client whose connections go only to addresses `guard` allowed. */
export function createHttpClient(guard: TargetGuard, timeoutMs = 15_000): HttpClient {
  return {
    async send(req) {
      const url = new URL(req.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new Error(`unsupported URL scheme ${url.protocol}`);
      const target = await guard(url.hostname);
      const mod = url.protocol === 'https:' ? https : http;
      const body = req.body;
      const headers: Record<string, string | number> = { ...req.headers };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      return await new Promise<HttpResponse>((resolve, reject) => {
        const r = mod.request(
          url,
          {
            method: req.method ?? (body === undefined ? 'GET' : 'POST'),
            headers,
            timeout: timeoutMs,
            lookup: (_h, opts, cb) => {
              if ((opts as { all?: boolean }).all)
                (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
              else cb(null, target.address, target.family);
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              if (size < BODY_CAP) chunks.push(c);
              size += c.length;
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: flatHeaders(res.headers),
                body: Buffer.concat(chunks).toString('utf8').slice(0, BODY_CAP),
              }),
            );
            res.on('error', reject);
            res.on('aborted', () => reject(new Error('the response was cut off')));
          },
        );
        // The socket's idle timeout alone would let a receiver that drips a byte now and then
        // hold a delivery forever: the whole exchange has a deadline too.
        const deadline = setTimeout(
          () => r.destroy(new Error(`no complete response within ${timeoutMs} ms`)),
          timeoutMs,
        );
        r.on('close', () => clearTimeout(deadline));
        r.on('timeout', () => r.destroy(new Error(`no response within ${timeoutMs} ms`)));
        r.on('error', reject);
        r.end(body);
      });
    },
  };
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`, when present and sane. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), 86_400) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - now.getTime(), 86_400_000));
}

/**
 * The usual meaning of an HTTP answer for a delivery: 2xx ok; 408, 425, 429 and 5xx may succeed
 * later (with the receiver's Retry-After); a 3xx is not followed; any other status is final.
 */
export function httpResult(res: HttpResponse, now: Date, ref?: string): SinkResult {
  const s = res.status;
  const said = res.body.trim().slice(0, 200);
  const why = `HTTP ${s}${said ? `: ${said}` : ''}`;
  if (s >= 200 && s < 300) return ref === undefined ? { kind: 'ok' } : { kind: 'ok', ref };
  if (s === 408 || s === 425 || s === 429 || s >= 500) {
    const after = retryAfterMs(res.headers['retry-after'], now);
    return after === undefined
      ? { kind: 'indeterminate', error: why }
      : { kind: 'indeterminate', error: why, retryAfterMs: after };
  }
  if (s >= 300 && s < 400)
    return {
      kind: 'rejected',
      reason: `${why} (redirect to ${res.headers.location ?? '?'} not followed)`,
    };
  return { kind: 'rejected', reason: why };
}

/** A request that threw (refused target, network error) as a delivery result. */
export function thrownResult(err: unknown): SinkResult {
  if (err instanceof TargetRefused) return { kind: 'rejected', reason: err.message };
  return { kind: 'indeterminate', error: err instanceof Error ? err.message : String(err) };
}

/** Send `req` and read the answer the usual way ({@link httpResult}), never throwing. */
export async function deliverHttp(
  client: HttpClient,
  req: HttpRequest,
  now: Date,
): Promise<SinkResult> {
  try {
    return httpResult(await client.send(req), now);
  } catch (err) {
    return thrownResult(err);
  }
}
