import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import type { Severity } from '../../core/index.js';
import { safeCell, safeText } from '../../core/index.js';
import type { SyslogFormat } from './syslog.js';
import { formatCef, formatRfc5424, octetFrame, SYSLOG_SD_ID, syslogSink } from './syslog.js';

const FORMAT: SyslogFormat = {
  facility: 10,
  appName: 'keysnare',
  hostname: 'keysnare-test',
  procId: 4242,
  time: new Date('2026-11-30T10:06:00.000Z'),
  maxBytes: 2048,
};

interface ParsedSyslog {
  pri: number;
  version: string;
  /** TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID. */
  fields: string[];
  sd: { id: string; params: [string, string][] } | undefined;
  msg: string | undefined;
}

/**
 * A strict RFC 5424 parser for one message with at most one SD element: a value may hold `\"`,
 * `\\` and `\]` only, an unescaped `]` or `"` inside it is an error.
 */
function parseSyslog(line: string): ParsedSyslog {
  const head = /^<(\d{1,3})>(1) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line);
  if (!head) throw new Error(`bad header: ${line.slice(0, 80)}`);
  let i = head[0].length;
  let sd: ParsedSyslog['sd'];
  if (line[i] === '-') i += 1;
  else {
    if (line[i] !== '[') throw new Error(`SD does not start at ${i}`);
    const id = /^\[([^ =\]"]{1,32})/.exec(line.slice(i));
    if (!id) throw new Error('bad SD-ID');
    i += id[0].length;
    const params: [string, string][] = [];
    while (line[i] === ' ') {
      const name = /^ ([^ =\]"]{1,32})="/.exec(line.slice(i));
      if (!name) throw new Error(`bad SD-PARAM at ${i}`);
      i += name[0].length;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error('unterminated value');
        if (c === '\\') {
          const next = line[i + 1];
          if (next !== '"' && next !== '\\' && next !== ']')
            throw new Error(`bad escape \\${next}`);
          value += next;
          i += 2;
        } else if (c === '"') {
          i += 1;
          break;
        } else if (c === ']') throw new Error(`unescaped ] in a value at ${i}`);
        else {
          value += c;
          i += 1;
        }
      }
      params.push([name[1]!, value]);
    }
    if (line[i] !== ']') throw new Error(`SD element not closed at ${i}`);
    i += 1;
    sd = { id: id[1]!, params };
  }
  let msg: string | undefined;
  if (i < line.length) {
    if (line[i] !== ' ') throw new Error(`no space before MSG at ${i}`);
    msg = line.slice(i + 1);
  }
  const [, pri, version, ...fields] = head;
  return { pri: Number(pri), version: version!, fields, sd, msg };
}

/** Splits a CEF record into its 7 header fields and its extension pairs, unescaping both. */
function parseCef(record: string): { header: string[]; ext: [string, string][] } {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  while (header.length < 7) {
    const c = record[i];
    if (c === undefined) throw new Error('short header');
    if (c === '\\') {
      const next = record[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape \\${next}`);
      cur += next;
      i += 2;
    } else if (c === '|') {
      header.push(cur);
      cur = '';
      i += 1;
    } else {
      cur += c;
      i += 1;
    }
  }
  // The extension, cut at every unescaped `=`: key, then "value key" pieces, then the last value.
  const pieces: string[] = [];
  cur = '';
  const ext = record.slice(i);
  for (let j = 0; j < ext.length; j++) {
    const c = ext[j]!;
    if (c === '\\') {
      cur += c + (ext[j + 1] ?? '');
      j += 1;
    } else if (c === '=') {
      pieces.push(cur);
      cur = '';
    } else cur += c;
  }
  pieces.push(cur);
  const unescape = (v: string) =>
    v.replace(/\\(.)/g, (_, x: string) => {
      const out = { '\\': '\\', '=': '=', r: '\r', n: '\n' }[x];
      if (out === undefined) throw new Error(`bad extension escape \\${x}`);
      return out;
    });
  const pairs: [string, string][] = [];
  let key = pieces[0]!;
  for (let p = 1; p < pieces.length; p++) {
    const piece = pieces[p]!;
    const last = p === pieces.length - 1;
    const cut = last ? piece.length : piece.lastIndexOf(' ');
    if (cut < 0) throw new Error(`no key after a value: ${piece}`);
    pairs.push([key, unescape(piece.slice(0, cut))]);
    key = piece.slice(cut + 1);
  }
  return { header, ext: pairs };
}

const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A CEF extension value as it reads back: CR and LF kept, every other control a space. */
const cefPlain = (v: string) =>
  v.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, (c) => (c === '\r' || c === '\n' ? c : ' '));

describe('formatRfc5424', () => {
  it('writes the header, the keysnare SD element and the sentence', () => {
    const line = formatRfc5424(sampleMessage(), FORMAT);
    expect(line).toBe(
      '<82>1 2026-11-30T10:06:00.000Z keysnare-test keysnare 4242 OPENED [keysnare@32473 ' +
        'incident="inc-00112233445566aa" alert="alt-0123456789abcdef" kind="opened" ' +
        'severity="critical" rule="honeytoken.used" src="185.220.101.47" key="AKIAIOSFODNN7EXAMPLE" ' +
        'user="arn:aws:iam::111122223333:user/svc-payments-staging" event="GetCallerIdentity" ' +
        'region="us-east-1"] New incident: ' +
        sampleMessage().summary,
    );
  });

  it('maps severities to syslog severities under the facility', () => {
    const pri = (severity: Severity, facility: number) =>
      parseSyslog(formatRfc5424(sampleMessage({ severity }), { ...FORMAT, facility })).pri;
    expect(pri('critical', 10)).toBe(82);
    expect(pri('high', 10)).toBe(83);
    expect(pri('medium', 10)).toBe(84);
    expect(pri('low', 10)).toBe(85);
    expect(pri('info', 13)).toBe(110);
  });

  it('names the kind in MSGID and in the sentence, marking a test alert as a test', () => {
    const fp = parseSyslog(formatRfc5424(sampleMessage({ kind: 'false-positive' }), FORMAT));
    expect(fp.fields[4]).toBe('FALSE-POSITIVE');
    expect(fp.msg).toMatch(/^Incident marked a false positive: /);
    const test = parseSyslog(formatRfc5424(sampleMessage({ kind: 'test' }), FORMAT));
    expect(test.fields[4]).toBe('TEST');
    expect(test.msg).toMatch(/^TEST alert \(a sink check, not a real incident\): /);
    expect(parseSyslog(formatRfc5424(sampleMessage({ kind: 'resolved' }), FORMAT)).msg).toMatch(
      /^Incident resolved: /,
    );
  });

  it('keeps the hostname to printable ASCII, NILVALUE when nothing is left', () => {
    const a = parseSyslog(formatRfc5424(sampleMessage(), { ...FORMAT, hostname: 'ho st\nnamé' }));
    expect(a.fields[1]).toBe('hostnam');
    const b = parseSyslog(formatRfc5424(sampleMessage(), { ...FORMAT, hostname: ' \t' }));
    expect(b.fields[1]).toBe('-');
  });

  it('renders a hostile alert as one line whose SD values cannot close the element', () => {
    const m = hostileMessage();
    const line = formatRfc5424(m, FORMAT);
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    const parsed = parseSyslog(line);
    expect(parsed.sd?.id).toBe(SYSLOG_SD_ID);
    const params = new Map(parsed.sd?.params);
    expect(params.get('event')).toBe(safeCell(m.eventName, 1023));
    expect(params.get('user')).toContain('[~admin] {code}');
    expect(params.get('region')).toBe('us-east-1');
    // The forged "<13>1 forged syslog" stays inside the one message.
    expect(line.split('<13>1 forged syslog').length).toBeGreaterThan(2);
    expect(parsed.msg?.startsWith('New incident: The canary key was used with <script>')).toBe(
      true,
    );
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(2048);
  });

  it('starts a non-ASCII MSG with a BOM', () => {
    const parsed = parseSyslog(
      formatRfc5424(sampleMessage({ summary: 'Schlüssel benutzt' }), FORMAT),
    );
    expect(parsed.msg).toBe('\ufeffNew incident: Schlüssel benutzt');
  });

  it('caps a 100 KB user agent to 2048 bytes over UDP and 8192 over streams', () => {
    const m = sampleMessage({ userAgent: 'A'.repeat(100_000), summary: 'ü'.repeat(100_000) });
    const udp = formatRfc5424(m, FORMAT);
    expect(Buffer.byteLength(udp)).toBeLessThanOrEqual(2048);
    expect(parseSyslog(udp).msg).toMatch(/ü…$/);
    const tcp = formatRfc5424(m, { ...FORMAT, maxBytes: 8192 });
    expect(Buffer.byteLength(tcp)).toBeLessThanOrEqual(8192);
    expect(Buffer.byteLength(tcp)).toBeGreaterThan(4096);
    const cef = formatRfc5424(m, { ...FORMAT, format: 'cef', version: '0.1.0' });
    expect(Buffer.byteLength(cef)).toBeLessThanOrEqual(2048);
    expect(parseCef(cef.slice(cef.indexOf('CEF:0|'))).ext.length).toBeGreaterThan(10);
  });

  it('puts a CEF record with no SD in the MSG for format cef', () => {
    const line = formatRfc5424(sampleMessage(), { ...FORMAT, format: 'cef', version: '0.1.0' });
    const parsed = parseSyslog(line);
    expect(parsed.sd).toBeUndefined();
    expect(parsed.msg).toBe(formatCef(sampleMessage(), '0.1.0'));
  });
});

describe('formatCef', () => {
  it('writes the header and the extension keys', () => {
    const { header, ext } = parseCef(formatCef(sampleMessage(), '0.1.0'));
    expect(header).toEqual([
      'CEF:0',
      'Keysnare',
      'Keysnare',
      '0.1.0',
      'honeytoken.used',
      'Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
      '10',
    ]);
    expect(Object.fromEntries(ext)).toEqual({
      rt: String(Date.parse('2026-11-30T10:06:00.000Z')),
      src: '185.220.101.47',
      suser: 'arn:aws:iam::111122223333:user/svc-payments-staging',
      act: 'GetCallerIdentity',
      requestClientApplication: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64',
      cs1Label: 'accessKeyId',
      cs1: 'AKIAIOSFODNN7EXAMPLE',
      cs2Label: 'incident',
      cs2: 'inc-00112233445566aa',
      cs3Label: 'alertId',
      cs3: 'alt-0123456789abcdef',
      cs4Label: 'rules',
      cs4: 'honeytoken.used',
      msg: `New incident: ${sampleMessage().summary}`,
      externalId: 'alt-0123456789abcdef',
      cat: 'opened',
    });
  });

  it('escapes | in the header and = \\ CR LF in the extension of a hostile alert', () => {
    const m = hostileMessage();
    const record = formatCef(m, '0.1.0');
    expect(record).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(record).toContain('evil.example\\|click');
    expect(record).toContain('src\\=x onerror\\=alert(2)');
    const { header, ext } = parseCef(record);
    expect(header).toHaveLength(7);
    expect(header[5]).toBe(safeText(m.title));
    const values = Object.fromEntries(ext);
    expect(Object.keys(values)).toContain('requestClientApplication');
    // CR and LF come back from their escapes; other controls were made spaces.
    expect(values.requestClientApplication).toBe(cefPlain(m.userAgent!));
    expect(values.cat).toBe('opened');
  });

  it('uses shost for a source that is not an IP, and marks a test alert in the name', () => {
    const { header, ext } = parseCef(
      formatCef(sampleMessage({ sourceIp: 'ec2.amazonaws.com', kind: 'test' }), '0.1.0'),
    );
    expect(header[5]).toMatch(/^TEST: /);
    expect(Object.fromEntries(ext)).toMatchObject({ shost: 'ec2.amazonaws.com', cat: 'test' });
  });

  it('cuts values until the record fits', () => {
    const m = sampleMessage({ userAgent: 'x'.repeat(100_000), principalArn: 'y'.repeat(100_000) });
    const record = formatCef(m, '0.1.0');
    expect(Buffer.byteLength(record)).toBeLessThanOrEqual(8192);
    const values = Object.fromEntries(parseCef(record).ext);
    expect(values.requestClientApplication).toMatch(/^x+…$/);
    expect(values.suser).toMatch(/^y+…$/);
  });
});

describe('octetFrame', () => {
  it('prefixes the byte length, not the character count', () => {
    expect(octetFrame('<82>1 ü').toString('utf8')).toBe('8 <82>1 ü');
  });
});

describe('syslog options', () => {
  const parse = (o: object) => syslogSink.options.safeParse({ host: 'logs.example', ...o });
  it('defaults to UDP, RFC 5424, authpriv and app name keysnare', () => {
    expect(parse({}).data).toEqual({
      host: 'logs.example',
      transport: 'udp',
      format: 'rfc5424',
      facility: 10,
      appName: 'keysnare',
    });
  });
  it('takes facility names', () => {
    expect(parse({ facility: 'local0' }).data?.facility).toBe(16);
    expect(parse({ facility: 'auth' }).data?.facility).toBe(4);
    expect(parse({ facility: 24 }).success).toBe(false);
    expect(parse({ facility: 'local8' }).success).toBe(false);
  });
  it('refuses TLS options on other transports and unknown options', () => {
    expect(parse({ transport: 'tcp', ca: 'ca.pem' }).success).toBe(false);
    expect(parse({ transport: 'tls', ca: 'ca.pem', rejectUnauthorized: false }).success).toBe(true);
    expect(parse({ appName: 'two words' }).success).toBe(false);
    expect(parse({ url: 'x' }).success).toBe(false);
  });
});

/** Strings with every separator the formats care about, lone surrogates and any code point. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\r', '\n', '\\', '"', ']', '[', '=', '|', ' ', '\u2028', '\u202e', '\u0085'),
    fc.constantFrom('\ud800', '\udfff', '\u0000', '\u001b', '\ufeff', '\u00a0'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});

const arbitraryMessage = fc
  .record({
    title: nasty,
    summary: nasty,
    userAgent: nasty,
    eventName: nasty,
    principalArn: nasty,
    sourceIp: nasty,
    accessKeyId: nasty,
    region: nasty,
    rule: nasty,
    hostname: nasty,
  })
  .map(({ rule, hostname, ...over }) => ({
    message: sampleMessage({ ...over, rules: [rule] }),
    hostname,
  }));

describe('syslog properties', () => {
  it('any strings give one parseable RFC 5424 line with no raw control characters', () => {
    fc.assert(
      fc.property(arbitraryMessage, ({ message, hostname }) => {
        const udp = formatRfc5424(message, { ...FORMAT, hostname });
        expect(Buffer.byteLength(udp)).toBeLessThanOrEqual(2048);
        parseSyslog(udp);
        const line = formatRfc5424(message, { ...FORMAT, hostname, maxBytes: 8192 });
        const parsed = parseSyslog(line);
        const msg = parsed.msg?.replace(/^\ufeff/, '') ?? '';
        const sdText = line.slice(0, line.length - msg.length);
        expect(sdText.replace(/\ufeff$/, '')).not.toMatch(CONTROL);
        expect(msg).not.toMatch(CONTROL);
        expect(parsed.sd?.id).toBe(SYSLOG_SD_ID);
        const params = new Map(parsed.sd?.params);
        for (const [name, value] of [
          ['event', message.eventName],
          ['user', message.principalArn],
          ['key', message.accessKeyId],
        ] as const)
          if (value) expect(params.get(name)).toBe(safeCell(value, 1023));
      }),
      { numRuns: 300 },
    );
  });

  it('any strings give a CEF record that splits back into the same keys and values', () => {
    fc.assert(
      fc.property(arbitraryMessage, ({ message }) => {
        const record = formatCef(message, '0.1.0');
        expect(record).not.toMatch(CONTROL);
        const { header, ext } = parseCef(record);
        expect(header[0]).toBe('CEF:0');
        expect(header[5]).toBe(safeText(message.title));
        const keys = ext.map(([k]) => k);
        expect(keys).toEqual([
          'rt',
          isIP(message.sourceIp!) === 0 ? 'shost' : 'src',
          'suser',
          'act',
          'requestClientApplication',
          'cs1Label',
          'cs1',
          'cs2Label',
          'cs2',
          'cs3Label',
          'cs3',
          'cs4Label',
          'cs4',
          'msg',
          'externalId',
          'cat',
        ]);
        const values = Object.fromEntries(ext);
        const expected = (v: string) =>
          v.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, (c) =>
            c === '\r' || c === '\n' ? c : ' ',
          );
        expect(values.requestClientApplication).toBe(expected(message.userAgent!));
        expect(values.act).toBe(expected(message.eventName!));
      }),
      { numRuns: 300 },
    );
  });
});
