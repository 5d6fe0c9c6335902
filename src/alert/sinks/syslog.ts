/**
 * Syslog: one RFC 5424 message per alert over UDP (RFC 5426, one datagram, at most 2048 bytes),
 * TCP (RFC 6587) or TLS (RFC 5425), both octet-counted (`<len> <msg>`, at most 8192 bytes). The
 * MSG is either the alert's one-sentence summary with the alert's ids and CloudTrail fields in
 * structured data (`format: rfc5424`), or a CEF record for SIEMs (`format: cef`).
 *
 * Every string from the alert is neutralised first (no control, line-break, bidi or zero-width
 * character survives, so no second syslog line can be forged), then escaped for where it goes:
 * SD values escape `"`, `\` and `]`; CEF header fields `\` and `|`; CEF extension values `\`, `=`,
 * and line breaks as `\r`/`\n`. Oversized values are cut (with `…`) so the message fits.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { z } from 'zod';
import type { AlertKind, AlertMessage, Severity } from '../../core/index.js';
import { safeCell, safeText } from '../../core/index.js';
import { thrownResult } from '../http.js';
import type { Sink, SinkDefinition, SinkResult } from '../sink.js';
import { createStreamSender, sendDatagram, streamOpener } from './lib/syslog-transport.js';

/** Facility names (RFC 5424 §6.2.1) and their numbers. */
const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
type FacilityName = keyof typeof FACILITIES;

/**
 * authpriv: every stock syslog configuration routes it to the restricted security log
 * (`/var/log/auth.log`, `/var/log/secure`), where a stolen-key alert belongs.
 */
const DEFAULT_FACILITY = FACILITIES.authpriv;

/** Syslog severities: critical→2 crit, high→3 err, medium→4 warning, low→5 notice, info→6 info. */
const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  info: 6,
};

/** CEF severities, 0–10 (7–8 high, 9–10 very high). */
const CEF_SEVERITY: Readonly<Record<Severity, number>> = {
  critical: 10,
  high: 8,
  medium: 5,
  low: 3,
  info: 1,
};

/** How each kind of alert opens its sentence. */
const KIND_LEAD: Readonly<Record<AlertKind, string>> = {
  opened: 'New incident',
  updated: 'Incident updated',
  acknowledged: 'Incident acknowledged',
  resolved: 'Incident resolved',
  'false-positive': 'Incident marked a false positive',
  reopened: 'Incident reopened',
  test: 'TEST alert (a sink check, not a real incident)',
};

/**
 * The SD-ID. 32473 is the Private Enterprise Number RFC 5612 sets aside for examples; Keysnare
 * has none of its own, and a receiver matches on the whole `keysnare@32473`.
 */
export const SYSLOG_SD_ID = 'keysnare@32473';

/** The most bytes a message takes over UDP (RFC 5426: receivers should accept 2048). */
const UDP_MAX_BYTES = 2048;
/** The most bytes a message takes over TCP and TLS (RFC 5425: receivers should accept 8192). */
const STREAM_MAX_BYTES = 8192;
/** Successively smaller caps (code points) on SD and CEF values, until the message fits. */
const VALUE_CAPS = [1023, 512, 256, 128, 64, 32, 16, 8] as const;
/** The MSG room below which SD values are cut further. */
const MIN_MSG_BYTES = 240;

const headerToken = (max: number) =>
  z
    .string()
    .regex(
      new RegExp(`^[\\x21-\\x7e]{1,${max}}$`),
      `1 to ${max} printable ASCII characters, no spaces`,
    );

/** The syslog sink's own options. */
const options = z
  .strictObject({
    host: z.string().min(1),
    /** 514 for udp and tcp, 6514 for tls. */
    port: z.number().int().min(1).max(65535).optional(),
    transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
    format: z.enum(['rfc5424', 'cef']).default('rfc5424'),
    facility: z
      .union([
        z.number().int().min(0).max(23),
        z
          .enum(Object.keys(FACILITIES) as [FacilityName, ...FacilityName[]])
          .transform((n) => FACILITIES[n]),
      ])
      .default(DEFAULT_FACILITY),
    appName: headerToken(48).default('keysnare'),
    /** A PEM file of the CA(s) the collector's certificate chains to (tls). */
    ca: z.string().min(1).optional(),
    /** Check the collector's certificate (tls); true unless set false. */
    rejectUnauthorized: z.boolean().optional(),
    /** The name the certificate is checked against and sent as SNI (tls; default `host`). */
    servername: z.string().min(1).optional(),
  })
  .superRefine((o, issue) => {
    if (o.transport === 'tls') return;
    for (const key of ['ca', 'rejectUnauthorized', 'servername'] as const)
      if (o[key] !== undefined)
        issue.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} applies to transport: tls only`,
        });
  });

/** What {@link formatRfc5424} needs besides the alert. */
export interface SyslogFormat {
  /** 0–23. */
  readonly facility: number;
  readonly appName: string;
  /** This host's name; anything outside printable ASCII is dropped. */
  readonly hostname: string;
  readonly procId: string | number;
  /** The message's TIMESTAMP. */
  readonly time: Date;
  /** The most bytes the whole message may take: 2048 (UDP) or 8192 (TCP, TLS); at least 1024. */
  readonly maxBytes: number;
  /** `rfc5424` (default): the alert in SD, the summary as MSG; `cef`: no SD, a CEF record. */
  readonly format?: 'rfc5424' | 'cef';
  /** Keysnare's version, CEF's device version. */
  readonly version?: string;
}

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** `s` cut to at most `max` UTF-8 bytes on a code point boundary, ending in `…` when cut. */
function cutBytes(s: string, max: number): string {
  if (utf8Bytes(s) <= max) return s;
  let out = '';
  let size = 0;
  for (const ch of s) {
    const n = utf8Bytes(ch);
    if (size + n > max - 3) break;
    out += ch;
    size += n;
  }
  return max >= 3 ? `${out}…` : '';
}

/** A header field: printable ASCII 33–126 only, at most `max`, `-` (NILVALUE) when empty. */
function headerField(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v === '' ? '-' : v;
}

/** The alert's one sentence: what kind of alert it is, then the summary. */
function sentence(m: AlertMessage): string {
  return `${KIND_LEAD[m.kind]}: ${m.summary}`;
}

/** An SD-PARAM value: neutralised, cut to `cap` code points, `"` `\` `]` backslash-escaped. */
function sdValue(v: string, cap: number): string {
  return safeCell(v, cap).replace(/["\\\]]/g, '\\$&');
}

function structuredData(m: AlertMessage, cap: number): string {
  const params: [string, string | undefined][] = [
    ['incident', m.incidentId],
    ['alert', m.alertId],
    ['kind', m.kind],
    ['severity', m.severity],
    ['rule', m.rules.join(',')],
    ['src', m.sourceIp],
    ['key', m.accessKeyId],
    ['user', m.principalArn],
    ['event', m.eventName],
    ['region', m.region],
  ];
  const body = params
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => ` ${k}="${sdValue(v, cap)}"`)
    .join('');
  return `[${SYSLOG_SD_ID}${body}]`;
}

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`, PRI from the
 * facility and the alert's severity, MSGID the alert kind (`OPENED`, `FALSE-POSITIVE`, …). With
 * `format: 'rfc5424'` the SD is `[keysnare@32473 incident=… alert=… kind=… severity=… rule=… src=…
 * key=… user=… event=… region=…]` and the MSG the kind and summary (a UTF-8 MSG starts with a BOM,
 * as RFC 5424 asks); with `format: 'cef'` the SD is `-` and the MSG {@link formatCef}'s record.
 * The result is one line of at most `maxBytes` UTF-8 bytes.
 *
 * @example
 * formatRfc5424(message, { facility: 10, appName: 'keysnare', hostname: 'h', procId: 1,
 *   time, maxBytes: 2048 }) // '<82>1 2026-11-30T10:06:00.000Z h keysnare 1 OPENED [keysnare@32473 …] New incident: …'
 */
export function formatRfc5424(message: AlertMessage, f: SyslogFormat): string {
  const pri = f.facility * 8 + SYSLOG_SEVERITY[message.severity];
  const fields = [
    headerField(f.hostname, 255),
    headerField(f.appName, 48),
    headerField(String(f.procId), 128),
    headerField(message.kind.toUpperCase(), 32),
  ];
  const header = `<${pri}>1 ${f.time.toISOString()} ${fields.join(' ')}`;
  const budget = Math.max(f.maxBytes, 1024) - utf8Bytes(header) - 1;
  if (f.format === 'cef') return `${header} - ${formatCef(message, f.version ?? '-', budget - 2)}`;
  let sd = '';
  for (const cap of VALUE_CAPS) {
    sd = structuredData(message, cap);
    if (budget - utf8Bytes(sd) >= MIN_MSG_BYTES) break;
  }
  const text = safeText(sentence(message));
  // A MSG that is not ASCII is MSG-UTF8, which RFC 5424 has start with a BOM.
  const ascii = /^[\x20-\x7e]*$/.test(text);
  const room = budget - utf8Bytes(sd) - 1 - (ascii ? 0 : 3);
  const msg = cutBytes(text, room);
  if (msg === '') return `${header} ${sd}`;
  return `${header} ${sd} ${ascii ? '' : '\ufeff'}${msg}`;
}

/** A CEF header field: neutralised, cut to `cap`, `\` and `|` backslash-escaped. */
function cefHeader(v: string, cap: number): string {
  return safeCell(v, cap).replace(/[\\|]/g, '\\$&');
}

const CEF_EXT_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '=': '\\=',
  '\r': '\\r',
  '\n': '\\n',
};

/**
 * A CEF extension value: cut to `cap` code points, `\` `=` CR LF escaped, every other control,
 * bidi, zero-width or line-separator character (and lone surrogates) a space.
 */
function cefValue(v: string, cap: number): string {
  const chars = [...v];
  const cut = chars.length > cap ? `${chars.slice(0, cap - 1).join('')}…` : v;
  return cut.replace(
    /[\\=\r\n]|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu,
    (c) => CEF_EXT_ESCAPES[c] ?? ' ',
  );
}

function cefRecord(m: AlertMessage, version: string, cap: number): string {
  const name = m.kind === 'test' ? `TEST: ${m.title}` : m.title;
  const head = [
    'CEF:0',
    'Keysnare',
    'Keysnare',
    cefHeader(version, Math.min(cap, 63)),
    cefHeader(m.rules[0] ?? `keysnare.${m.kind}`, Math.min(cap, 128)),
    cefHeader(name, Math.min(cap, 512)),
    String(CEF_SEVERITY[m.severity]),
  ].join('|');
  const rt = Date.parse(m.time);
  const src = m.sourceIp;
  const ext: [string, string | undefined][] = [
    ['rt', Number.isNaN(rt) ? undefined : String(rt)],
    // CEF's src is an IP address; CloudTrail also names AWS services there.
    [src !== undefined && net.isIP(src) ? 'src' : 'shost', src],
    ['suser', m.principalArn],
    ['act', m.eventName],
    ['requestClientApplication', m.userAgent],
    ['cs1Label', m.accessKeyId === undefined ? undefined : 'accessKeyId'],
    ['cs1', m.accessKeyId],
    ['cs2Label', 'incident'],
    ['cs2', m.incidentId],
    ['cs3Label', 'alertId'],
    ['cs3', m.alertId],
    ['cs4Label', m.rules.length > 0 ? 'rules' : undefined],
    ['cs4', m.rules.length > 0 ? m.rules.join(',') : undefined],
    ['msg', sentence(m)],
    ['externalId', m.alertId],
    ['cat', m.kind],
  ];
  const pairs = ext
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${cefValue(v, cap)}`);
  return `${head}|${pairs.join(' ')}`;
}

/**
 * The alert as a CEF record: `CEF:0|Keysnare|Keysnare|<version>|<first rule id>|<title>|<0-10>|`
 * then the extension `rt src suser act requestClientApplication cs1…cs4 (with labels) msg
 * externalId cat` (`shost` instead of `src` when the source is a service name, not an IP). Values
 * are cut until the record fits `maxBytes` (UTF-8).
 *
 * @example
 * formatCef(message, '0.1.0') // 'CEF:0|Keysnare|Keysnare|0.1.0|honeytoken.used|Canary key … |10|rt=1795946760000 src=…'
 */
export function formatCef(message: AlertMessage, version: string, maxBytes = 8192): string {
  let record = '';
  for (const cap of VALUE_CAPS) {
    record = cefRecord(message, version, cap);
    if (utf8Bytes(record) <= maxBytes) break;
  }
  return record;
}

/** An octet-counted frame (RFC 6587 §3.4.1, RFC 5425 §4.3): `<length> <message>`. */
export function octetFrame(msg: string): Buffer {
  const body = Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** An indeterminate result's error, saying where it happened. */
function located(result: SinkResult, where: string): SinkResult {
  return result.kind === 'indeterminate'
    ? { ...result, error: `${where}: ${result.error}` }
    : result;
}

function readCa(path: string, sink: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`sink ${sink}: cannot read the ca file ${path} (${code})`, { cause: err });
  }
}

/** The syslog sink (RFC 5424 or CEF, over UDP, TCP or TLS). */
export const syslogSink: SinkDefinition<typeof options> = {
  type: 'syslog',
  title: 'Syslog (RFC 5424 or CEF over UDP, TCP or TLS)',
  options,
  create(opts, ctx): Sink {
    const port = opts.port ?? (opts.transport === 'tls' ? 6514 : 514);
    const maxBytes = opts.transport === 'udp' ? UDP_MAX_BYTES : STREAM_MAX_BYTES;
    const render = (m: AlertMessage) =>
      formatRfc5424(m, {
        facility: opts.facility,
        appName: opts.appName,
        hostname: ctx.hostname,
        procId: process.pid,
        time: ctx.now(),
        maxBytes,
        format: opts.format,
        version: ctx.version,
      });
    const base = { name: ctx.name, type: 'syslog' };
    const where = `syslog ${opts.transport} ${opts.host}:${port}`;
    if (opts.transport === 'udp')
      return {
        ...base,
        async deliver(message) {
          try {
            const target = await ctx.guard(opts.host);
            await sendDatagram(Buffer.from(render(message), 'utf8'), port, target);
            return { kind: 'ok' };
          } catch (err) {
            return located(thrownResult(err), where);
          }
        },
      };
    const check =
      opts.transport === 'tls'
        ? {
            ca: opts.ca === undefined ? undefined : readCa(ctx.resolvePath(opts.ca), ctx.name),
            servername: opts.servername ?? (net.isIP(opts.host) === 0 ? opts.host : undefined),
            rejectUnauthorized: opts.rejectUnauthorized ?? true,
          }
        : undefined;
    const sender = createStreamSender(opts.host, port, ctx.guard, streamOpener(port, check));
    return {
      ...base,
      async deliver(message) {
        try {
          await sender.send(octetFrame(render(message)));
          return { kind: 'ok' };
        } catch (err) {
          return located(thrownResult(err), where);
        }
      },
      close: () => sender.close(),
    };
  },
};
