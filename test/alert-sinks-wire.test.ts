/**
 * The syslog, JSON-lines and email sinks against real local listeners: a UDP socket, TCP and TLS
 * servers that split octet-counted frames, files in a temp folder and an SMTP server
 * (smtp-server). The TLS certificate is made here with the openssl CLI.
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import type { SMTPServerOptions } from 'smtp-server';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sink } from '../src/alert/sink.js';
import { emailSink, renderEmail } from '../src/alert/sinks/email.js';
import { jsonlSink } from '../src/alert/sinks/jsonl.js';
import { syslogSink } from '../src/alert/sinks/syslog.js';
import { hostileMessage, sampleMessage, testSinkContext } from './helpers/alert-message.js';
import { expectRefusedLoopback } from './helpers/sink-assert.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

const sinks: Sink[] = [];
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const s of sinks) await s.close?.();
  for (const c of closers) await c();
  removeTempDirs();
});

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function syslog(options: Record<string, unknown>, ctx = testSinkContext('siem')): Sink {
  const sink = syslogSink.create(syslogSink.options.parse({ host: '127.0.0.1', ...options }), ctx);
  sinks.push(sink);
  return sink;
}

async function udpListener() {
  const sock = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  return { port: sock.address().port, got };
}

/** Split octet-counted frames off the front of `buf`, leaving what is not complete yet. */
function takeFrames(buf: Buffer): { frames: string[]; rest: Buffer } {
  const frames: string[] = [];
  let b = buf;
  for (;;) {
    const sp = b.indexOf(0x20);
    if (sp < 0) break;
    const len = b.subarray(0, sp).toString('ascii');
    if (!/^[1-9]\d{0,4}$/.test(len)) throw new Error(`bad frame length ${JSON.stringify(len)}`);
    if (b.length < sp + 1 + Number(len)) break;
    frames.push(b.subarray(sp + 1, sp + 1 + Number(len)).toString('utf8'));
    b = b.subarray(sp + 1 + Number(len));
  }
  return { frames, rest: b };
}

/** A TCP or TLS syslog collector: every connection's octet-counted frames. */
async function streamListener(make: (onSocket: (s: net.Socket) => void) => net.Server) {
  const conns: { frames: string[]; socket: net.Socket }[] = [];
  const server = make((socket) => {
    const conn = { frames: [] as string[], socket };
    conns.push(conn);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      const { frames, rest } = takeFrames(Buffer.concat([pending, d]));
      conn.frames.push(...frames);
      pending = rest;
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const c of conns) c.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    frames: () => conns.flatMap((c) => c.frames),
  };
}

/** A port nothing listens on (it was just freed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('syslog over UDP', () => {
  it('sends one datagram per alert, within 2048 bytes', async () => {
    const udp = await udpListener();
    const sink = syslog({ port: udp.port });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    const big = hostileMessage({ userAgent: 'A'.repeat(100_000), summary: 'ü'.repeat(100_000) });
    expect(await sink.deliver(big, undefined)).toEqual({ kind: 'ok' });
    await until(() => udp.got.length === 2, 'two datagrams');
    const first = udp.got[0]!.toString('utf8');
    expect(first).toMatch(/^<82>1 2026-11-30T10:06:00\.000Z keysnare-test keysnare \d+ OPENED \[/);
    expect(udp.got[1]!.length).toBeLessThanOrEqual(2048);
    expect(udp.got[1]!.toString('utf8')).not.toMatch(/[\r\n]/);
  });

  it('sends CEF when asked', async () => {
    const udp = await udpListener();
    const sink = syslog({ port: udp.port, format: 'cef', facility: 'local0' });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    await until(() => udp.got.length === 1, 'a datagram');
    expect(udp.got[0]!.toString('utf8')).toMatch(
      /^<130>1 \S+ keysnare-test keysnare \d+ OPENED - CEF:0\|Keysnare\|Keysnare\|0\.1\.0\|honeytoken\.used\|/,
    );
  });
});

describe('syslog over TCP', () => {
  it('frames alerts by octet count on one kept connection', async () => {
    const tcp = await streamListener((on) => net.createServer(on));
    const sink = syslog({ port: tcp.port, transport: 'tcp' });
    expect(await sink.deliver(hostileMessage(), undefined)).toEqual({ kind: 'ok' });
    expect(await sink.deliver(sampleMessage({ kind: 'updated' }), 'x')).toEqual({ kind: 'ok' });
    await until(() => tcp.frames().length === 2, 'two frames');
    expect(tcp.conns).toHaveLength(1);
    const [a, b] = tcp.frames();
    expect(a).toMatch(/^<82>1 \S+ keysnare-test keysnare \d+ OPENED \[keysnare@32473 /);
    expect(a).not.toMatch(/[\r\n]/);
    expect(b).toMatch(/^<82>1 \S+ keysnare-test keysnare \d+ UPDATED \[keysnare@32473 /);
    expect(b).toContain('Incident updated: The canary key AKIAIOSFODNN7EXAMPLE');
  });

  it('reconnects when the collector closed the connection', async () => {
    const tcp = await streamListener((on) => net.createServer(on));
    const sink = syslog({ port: tcp.port, transport: 'tcp' });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    await until(() => tcp.frames().length === 1, 'the first frame');
    // The collector's side closes fully once the sink has seen the end and closed its own.
    const socket = tcp.conns[0]!.socket;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end();
    await closed;
    expect(await sink.deliver(sampleMessage({ kind: 'resolved' }), undefined)).toEqual({
      kind: 'ok',
    });
    await until(() => tcp.frames().length === 2, 'the second frame');
    expect(tcp.conns).toHaveLength(2);
    expect(tcp.conns[1]!.frames[0]).toContain(' RESOLVED ');
  });

  it('is indeterminate when nothing listens', async () => {
    const sink = syslog({ port: await closedPort(), transport: 'tcp' });
    const r = await sink.deliver(sampleMessage(), undefined);
    expect(r.kind).toBe('indeterminate');
    expect(r.kind === 'indeterminate' && r.error).toMatch(
      /syslog tcp 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
  });
});

describe('syslog over TLS', () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;

  beforeAll(() => {
    dir = tempDir('keysnare-syslog-tls-');
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      throw new Error('the TLS tests need the openssl CLI (apt-get install openssl)');
    }
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'), '-days', '2'])
        .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'key.pem'));
    cert = readFileSync(join(dir, 'ca.pem'));
  });

  const tlsListener = () => streamListener((on) => tls.createServer({ key, cert }, (s) => on(s)));

  it('delivers to a collector whose certificate chains to ca', async () => {
    const collector = await tlsListener();
    const ctx = testSinkContext('siem-tls', { dir });
    const sink = syslog({ port: collector.port, transport: 'tls', ca: 'ca.pem' }, ctx);
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    expect(await sink.deliver(hostileMessage(), undefined)).toEqual({ kind: 'ok' });
    await until(() => collector.frames().length === 2, 'two frames');
    expect(collector.frames()[0]).toMatch(/^<82>1 /);
    // servername: the certificate is checked against the name given instead of the address.
    const named = syslog(
      { port: collector.port, transport: 'tls', ca: 'ca.pem', servername: 'localhost' },
      ctx,
    );
    expect(await named.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
  });

  it('refuses a certificate from an unknown CA or for another name', async () => {
    const collector = await tlsListener();
    const unknown = syslog({ port: collector.port, transport: 'tls' });
    const r = await unknown.deliver(sampleMessage(), undefined);
    expect(r.kind).toBe('indeterminate');
    expect(r.kind === 'indeterminate' && r.error).toMatch(/self.signed|certificate/i);
    const ctx = testSinkContext('siem-tls', { dir });
    const other = syslog(
      { port: collector.port, transport: 'tls', ca: 'ca.pem', servername: 'logs.example' },
      ctx,
    );
    const r2 = await other.deliver(sampleMessage(), undefined);
    expect(r2.kind === 'indeterminate' && r2.error).toMatch(/logs\.example/);
    await sleep(50);
    expect(collector.frames()).toEqual([]);
  });

  it('fails at construction when the ca file is missing', () => {
    const ctx = testSinkContext('siem-tls', { dir });
    expect(() => syslog({ transport: 'tls', ca: 'missing.pem' }, ctx)).toThrow(
      /cannot read the ca file .*missing\.pem \(ENOENT\)/,
    );
  });
});

describe('JSON lines', () => {
  it('appends one line per alert to a new 0600 file in new folders', async () => {
    const dir = tempDir('keysnare-jsonl-');
    const ctx = testSinkContext('file', { dir });
    const sink = jsonlSink.create(jsonlSink.options.parse({ path: 'out/alerts.jsonl' }), ctx);
    sinks.push(sink);
    expect(await sink.deliver(hostileMessage(), undefined)).toEqual({ kind: 'ok' });
    expect(await sink.deliver(sampleMessage({ kind: 'resolved' }), undefined)).toEqual({
      kind: 'ok',
    });
    const path = join(dir, 'out', 'alerts.jsonl');
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'keysnare.alert',
      version: 1,
      alert: hostileMessage(),
    });
    expect((JSON.parse(lines[1]!) as { alert: { kind: string } }).alert.kind).toBe('resolved');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('is indeterminate, naming the path and the code, when it cannot write', async () => {
    const dir = tempDir('keysnare-jsonl-');
    mkdirSync(join(dir, 'a-folder'));
    writeFileSync(join(dir, 'a-file'), '');
    const ctx = testSinkContext('file', { dir });
    const sink = (path: string) => jsonlSink.create(jsonlSink.options.parse({ path }), ctx);
    const isDir = await sink('a-folder').deliver(sampleMessage(), undefined);
    expect(isDir).toEqual({
      kind: 'indeterminate',
      error: expect.stringMatching(/^cannot append to .*a-folder: EISDIR/) as unknown,
    });
    const underFile = await sink('a-file/alerts.jsonl').deliver(sampleMessage(), undefined);
    expect(underFile.kind === 'indeterminate' && underFile.error).toMatch(
      /a-file\/alerts\.jsonl: (ENOTDIR|EEXIST)/,
    );
  });
});

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

async function smtpListener(over: Partial<SMTPServerOptions> = {}) {
  const mails: Mail[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, cb) {
      connections += 1;
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        mails.push({
          from: from === false ? '' : from.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
    ...over,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    connections: () => connections,
  };
}

function email(options: Record<string, unknown>, ctx = testSinkContext('mail')): Sink {
  const parsed = emailSink.options.parse({
    host: '127.0.0.1',
    starttls: 'off',
    from: 'Keysnare <keysnare@example.test>',
    to: ['soc@example.test', 'oncall@example.test'],
    ...options,
  });
  const sink = emailSink.create(parsed, ctx);
  sinks.push(sink);
  return sink;
}

/** Headers (unfolded, names lower-cased) and body of a raw message or MIME part. */
function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, at).replace(/\r\n(?=[ \t])/g, '');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(at + 4) };
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64')
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** A header value with its RFC 2047 encoded-words decoded (the space between two dropped). */
function decodeWords(v: string): string {
  return v
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decode(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}

/** The decoded parts of a multipart/alternative message, by content type. */
function parts(raw: string): Map<string, string> {
  const { headers, body } = splitMessage(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error('not multipart');
  const out = new Map<string, string>();
  for (const chunk of body.split(`--${boundary}`).slice(1, -1)) {
    const part = splitMessage(chunk.replace(/^\r\n/, ''));
    const type = (part.headers.get('content-type') ?? '').split(';')[0]!;
    const text = decode(
      part.body.replace(/\r\n$/, ''),
      part.headers.get('content-transfer-encoding'),
    );
    out.set(type, text);
  }
  return out;
}

describe('email over SMTP', () => {
  it('sends the mail with envelope, subject, both parts and the X-Keysnare headers', async () => {
    const smtp = await smtpListener();
    const sink = email({ port: smtp.port });
    const first = await sink.deliver(hostileMessage(), undefined);
    expect(first).toEqual({ kind: 'ok', ref: '<alt-0123456789abcdef@keysnare.keysnare-test>' });
    await until(() => smtp.mails.length === 1, 'the mail');
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('keysnare@example.test');
    expect(mail.to).toEqual(['soc@example.test', 'oncall@example.test']);
    const { headers } = splitMessage(mail.raw);
    expect(headers.get('message-id')).toBe('<alt-0123456789abcdef@keysnare.keysnare-test>');
    expect(headers.get('x-keysnare-incident')).toBe('inc-00112233445566aa');
    expect(headers.get('x-keysnare-alert')).toBe('alt-0123456789abcdef');
    expect(decodeWords(headers.get('subject')!)).toBe(
      renderEmail(hostileMessage(), { subjectPrefix: '[Keysnare]', followUp: false }).subject,
    );
    // The hostile line break did not start a header of its own.
    expect(headers.has('injected')).toBe(false);
    expect(headers.get('in-reply-to')).toBeUndefined();
    const body = parts(mail.raw);
    expect([...body.keys()]).toEqual(['text/plain', 'text/html']);
    expect(body.get('text/plain')).toMatch(/^New incident: Canary key used by <script>/);
    const html = body.get('text/html')!;
    expect(html).not.toMatch(/<script|<img/i);
    // "onerror=" is there as text only: no tag carries an event handler.
    for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) expect(tag).not.toMatch(/\son\w+=/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(
      '<a href="https://keysnare.example/incidents/inc-00112233445566aa">Open the incident',
    );
  });

  it('threads a follow-up on the first mail', async () => {
    const smtp = await smtpListener();
    const sink = email({ port: smtp.port });
    const first = await sink.deliver(sampleMessage(), undefined);
    const ref = first.kind === 'ok' ? first.ref : undefined;
    expect(ref).toBe('<alt-0123456789abcdef@keysnare.keysnare-test>');
    const next = sampleMessage({ kind: 'resolved', alertId: 'alt-1111111111111111' });
    expect(await sink.deliver(next, ref)).toEqual({ kind: 'ok' });
    await until(() => smtp.mails.length === 2, 'two mails');
    const { headers } = splitMessage(smtp.mails[1]!.raw);
    expect(headers.get('in-reply-to')).toBe(ref);
    expect(headers.get('references')).toBe(ref);
    expect(headers.get('message-id')).toBe('<alt-1111111111111111@keysnare.keysnare-test>');
    expect(headers.get('x-keysnare-alert')).toBe('alt-1111111111111111');
    expect(headers.get('subject')).toBe(
      'Re: [Keysnare] CRITICAL Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
    );
    expect(parts(smtp.mails[1]!.raw).get('text/plain')).toMatch(/^Incident resolved: /);
  });

  it('is rejected, with the server text, when the server answers 550', async () => {
    const smtp = await smtpListener({
      onRcptTo: (_a, _s, cb) =>
        cb(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })),
    });
    const r = await email({ port: smtp.port }).deliver(sampleMessage(), undefined);
    expect(r.kind).toBe('rejected');
    expect(r.kind === 'rejected' && r.reason).toMatch(/550 Mailbox unavailable/);
    expect(smtp.mails).toEqual([]);
  });

  it('is indeterminate when the server answers 451', async () => {
    const smtp = await smtpListener({
      onRcptTo: (_a, _s, cb) =>
        cb(Object.assign(new Error('Try again later'), { responseCode: 451 })),
    });
    const r = await email({ port: smtp.port }).deliver(sampleMessage(), undefined);
    expect(r.kind).toBe('indeterminate');
    expect(r.kind === 'indeterminate' && r.error).toMatch(/451 Try again later/);
  });

  it('is indeterminate when nothing listens', async () => {
    const r = await email({ port: await closedPort() }).deliver(sampleMessage(), undefined);
    expect(r.kind).toBe('indeterminate');
    expect(r.kind === 'indeterminate' && r.error).toMatch(/ECONNREFUSED|connect/i);
  });

  it('is rejected on a wrong password and never names the password', async () => {
    const smtp = await smtpListener({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (_auth, _s, cb) =>
        cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 })),
    });
    const pass = 'hunter2-very-secret';
    const r = await email({ port: smtp.port, auth: { user: 'keysnare', pass } }).deliver(
      sampleMessage(),
      undefined,
    );
    expect(r.kind).toBe('rejected');
    const text = JSON.stringify(r);
    expect(text).toMatch(/535/);
    expect(text).not.toContain(pass);
    expect(text).not.toContain(Buffer.from(pass).toString('base64'));
  });

  it('fails when STARTTLS is required and the server does not offer it', async () => {
    const smtp = await smtpListener();
    const r = await email({ port: smtp.port, starttls: 'require' }).deliver(
      sampleMessage(),
      undefined,
    );
    expect(r.kind).not.toBe('ok');
    expect(smtp.mails).toEqual([]);
  });
});

describe('the security default', () => {
  it('refuses loopback for syslog and email unless allowPrivateTargets, sending nothing', async () => {
    const udp = await udpListener();
    const tcp = await streamListener((on) => net.createServer(on));
    const smtp = await smtpListener();
    const ctx = (name: string) => testSinkContext(name, { allowPrivate: false });
    for (const sink of [
      syslog({ port: udp.port }, ctx('siem')),
      syslog({ port: tcp.port, transport: 'tcp' }, ctx('siem')),
      email({ port: smtp.port }, ctx('mail')),
    ])
      expectRefusedLoopback(await sink.deliver(sampleMessage(), undefined));
    await sleep(100);
    expect(udp.got).toEqual([]);
    expect(tcp.conns).toEqual([]);
    expect(smtp.connections()).toBe(0);
  });
});
