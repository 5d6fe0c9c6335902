/**
 * Email over SMTP (nodemailer): one mail per alert with a text and an HTML part. The host is
 * checked by the target guard first and nodemailer connects to the address that was checked,
 * with the configured name kept for the certificate check and SNI. The first mail of an incident
 * gets a Message-ID of our own (`<alert-id@keysnare.host>`), returned as the ref; follow-ups
 * answer it (`In-Reply-To`, `References`, `Re:`) so mail clients thread them.
 *
 * Every string from the alert is neutralised (controls, bidi and zero-width characters become
 * spaces) and, in the HTML part, has `& < > " '` written as entities; the only link is the
 * alert's own `link` when it is http(s), and there are no images, style sheets or scripts. The
 * subject is one line of at most 200 characters; nodemailer encodes what is not ASCII.
 */
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { AlertKind, AlertMessage } from '../../core/index.js';
import { safeCell, safeText } from '../../core/index.js';
import { TargetRefused, thrownResult } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import { escapeHtml, httpLink } from './lib/text.js';
import { KIND_LINE as CHAT_KIND_LINE } from './lib/wording.js';

/** A bare address (`a@b.example`) or one with a display name (`Keysnare <a@b.example>`). */
const ADDRESS = /^(?:[^<>\r\n]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;
const address = z.string().regex(ADDRESS, 'an email address (a@b.example or Name <a@b.example>)');

/** The email sink's own options. */
const options = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS from the first byte (SMTPS); default true on port 465 only. */
  secure: z.boolean().optional(),
  /**
   * STARTTLS when not `secure`: `require` (fail unless the server upgrades; the default except on
   * port 25), `opportunistic` (upgrade when offered; the default on port 25, where relays may not
   * offer it) or `off` (never; a local test server).
   */
  starttls: z.enum(['require', 'opportunistic', 'off']).optional(),
  auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
  from: address,
  to: z.array(address).min(1),
  subjectPrefix: z
    .string()
    .max(64)
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'one line, no control characters')
    .default('[Keysnare]'),
});

/** The longest subject, `Re: ` included. */
const SUBJECT_CAP = 200;
/** Caps on what a mail shows (code points) and how many facts and steps. */
const CAP = { title: 300, summary: 4000, label: 100, value: 1000, step: 1000 } as const;
const MAX_FACTS = 40;
const MAX_STEPS = 30;
/** The longest link shown. */
const LINK_MAX = 2000;
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** How each kind of alert is worded: the opening line of both parts, as chat sinks word it. */
const KIND_LINE: Readonly<Record<AlertKind, string>> = {
  ...CHAT_KIND_LINE,
  test: 'TEST ALERT: nothing happened; this checks that Keysnare can send mail here',
};

/** What {@link renderEmail} makes of an alert. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `X-Keysnare-*` and `Auto-Submitted`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** `v` for HTML text or a quoted attribute: neutralised, `& < > " '` as entities. */
export function htmlText(v: string): string {
  return escapeHtml(safeText(v));
}

/** One line: neutralised, runs of spaces folded, cut to `max` code points. */
function oneLine(v: string, max: number): string {
  return safeCell(safeText(v).replace(/\s+/g, ' ').trim(), max);
}

/** An id for a header or Message-ID: only `A-Z a-z 0-9 . _ -`. */
function idToken(v: string, fallback: string): string {
  const t = v.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64);
  return t === '' ? fallback : t;
}

/** A host name for EHLO and Message-IDs: only `A-Z a-z 0-9 . -`. */
function hostToken(v: string): string {
  return idToken(v.replace(/_/g, '-'), 'localhost').replace(/^[.-]+|[.-]+$/g, '') || 'localhost';
}

/** The Message-ID of the mail for `alertId` sent from `hostname`: `<alert-id@keysnare.host>`. */
export function emailMessageId(alertId: string, hostname: string): string {
  return `<${idToken(alertId, 'alert')}@keysnare.${hostToken(hostname)}>`;
}

/** The subject: `[prefix] [TEST] SEVERITY title`, `Re: ` before it for a follow-up. */
function subjectOf(m: AlertMessage, prefix: string, followUp: boolean): string {
  const test = m.kind === 'test' ? 'TEST ' : '';
  const base = oneLine(`${prefix} ${test}${m.severity.toUpperCase()} ${m.title}`, SUBJECT_CAP - 4);
  return followUp ? `Re: ${base}` : base;
}

interface Shown {
  readonly facts: { label: string; value: string }[];
  readonly steps: string[];
  readonly link: string | undefined;
  readonly footer: string;
}

/** What both parts show, capped (still raw: each part escapes it its own way). */
function shown(m: AlertMessage): Shown {
  const facts = m.facts.slice(0, MAX_FACTS).map((f) => ({
    label: oneLine(f.label, CAP.label),
    value: oneLine(f.value, CAP.value),
  }));
  const lists = (xs: readonly string[]) => oneLine(xs.join(', '), CAP.value);
  return {
    facts,
    steps: m.runbook.slice(0, MAX_STEPS).map((s) => oneLine(s, CAP.step)),
    link: httpLink(m.link, LINK_MAX),
    footer:
      `Incident ${oneLine(m.incidentId, 64)} (${m.state}, revision ${m.revision}) · alert ` +
      `${oneLine(m.alertId, 64)} · rules ${lists(m.rules) || '-'} · ${m.eventCount} event(s) · ` +
      `first seen ${oneLine(m.firstSeen, 40)} · last seen ${oneLine(m.lastSeen, 40)}`,
  };
}

function textPart(m: AlertMessage, s: Shown): string {
  const lines = [
    `${KIND_LINE[m.kind]}: ${oneLine(m.title, CAP.title)}`,
    `Severity: ${m.severity.toUpperCase()}`,
    '',
    oneLine(m.summary, CAP.summary),
    '',
    ...s.facts.map((f) => `${f.label}: ${f.value}`),
  ];
  if (s.steps.length > 0) lines.push('', 'What to do:', ...s.steps.map((x, i) => `${i + 1}. ${x}`));
  if (s.link) lines.push('', `Open the incident: ${s.link}`);
  lines.push('', s.footer, '');
  return lines.join('\n');
}

function htmlPart(m: AlertMessage, s: Shown, subject: string): string {
  const banner =
    m.kind === 'test'
      ? '<p style="padding:8px;border:2px dashed #888"><strong>TEST</strong> — nothing happened; ' +
        'this checks that Keysnare can send mail here.</p>'
      : '';
  const rows = s.facts
    .map((f) => `<tr><th align="left">${htmlText(f.label)}</th><td>${htmlText(f.value)}</td></tr>`)
    .join('');
  const steps = s.steps.map((x) => `<li>${htmlText(x)}</li>`).join('');
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8">',
    `<title>${htmlText(subject)}</title></head><body style="font-family:sans-serif">`,
    banner,
    `<h2>${htmlText(KIND_LINE[m.kind])}: ${htmlText(oneLine(m.title, CAP.title))}</h2>`,
    `<p><strong>Severity:</strong> ${htmlText(m.severity.toUpperCase())}</p>`,
    `<p>${htmlText(oneLine(m.summary, CAP.summary))}</p>`,
    rows ? `<table cellpadding="4" style="word-break:break-all">${rows}</table>` : '',
    steps ? `<h3>What to do</h3><ol>${steps}</ol>` : '',
    s.link ? `<p><a href="${htmlText(s.link)}">Open the incident in Keysnare</a></p>` : '',
    `<p style="color:#666;font-size:small">${htmlText(s.footer)}</p>`,
    '</body></html>',
  ].join('\n');
}

/**
 * The mail for `message`: subject (`[Keysnare] CRITICAL …`, `Re: …` for a follow-up, `TEST`
 * for a test alert), a text part, an HTML part with every string escaped, and the `X-Keysnare-*`
 * headers (the alert id is an idempotency key a receiving system can check).
 *
 * @example
 * renderEmail(message, { subjectPrefix: '[Keysnare]', followUp: false }).subject
 * // '[Keysnare] CRITICAL Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47'
 */
export function renderEmail(
  message: AlertMessage,
  opts: { readonly subjectPrefix: string; readonly followUp: boolean },
): RenderedEmail {
  const subject = subjectOf(message, opts.subjectPrefix, opts.followUp);
  const s = shown(message);
  return {
    subject,
    text: textPart(message, s),
    html: htmlPart(message, s, subject),
    headers: {
      'X-Keysnare-Incident': idToken(message.incidentId, '-'),
      'X-Keysnare-Alert': idToken(message.alertId, '-'),
      'X-Keysnare-Kind': message.kind,
      'X-Keysnare-Severity': message.severity,
      'Auto-Submitted': 'auto-generated',
    },
  };
}

/** `text` without the password (as is, or base64 as AUTH LOGIN/PLAIN send it). */
function redact(text: string, user: string | undefined, pass: string | undefined): string {
  if (pass === undefined) return text;
  const forms = [pass, Buffer.from(pass).toString('base64')];
  if (user !== undefined) forms.push(Buffer.from(`\0${user}\0${pass}`).toString('base64'));
  return forms.reduce((t, f) => t.split(f).join('<password>'), text);
}

/** Errors nodemailer raises before sending that no retry will fix. */
const LOCAL_FINAL = new Set(['ECONFIG', 'ENOAUTH', 'EENVELOPE']);

/**
 * A failed send as a result: a 5xx reply is final (rejected with the server's text; 503 "bad
 * sequence" excepted), a 4xx or a connection, TLS or timeout error may pass later.
 */
function smtpResult(
  err: unknown,
  where: string,
  auth?: { user: string; pass: string },
): SinkResult {
  if (err instanceof TargetRefused) return thrownResult(err);
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const said = oneLine(redact(String(e.message ?? err), auth?.user, auth?.pass), 300);
  const why = `SMTP ${where}: ${said}`;
  if (typeof e.responseCode === 'number') {
    const final = e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503;
    return final ? { kind: 'rejected', reason: why } : { kind: 'indeterminate', error: why };
  }
  if (code !== undefined && LOCAL_FINAL.has(code)) return { kind: 'rejected', reason: why };
  return { kind: 'indeterminate', error: why };
}

/** The SMTP email sink. */
export const emailSink: SinkDefinition<typeof options> = {
  type: 'email',
  title: 'Email (SMTP)',
  options,
  create(opts, ctx) {
    const secure = opts.secure ?? opts.port === 465;
    const starttls = opts.starttls ?? (opts.port === 25 ? 'opportunistic' : 'require');
    const ehlo = hostToken(ctx.hostname);
    // An IP literal is checked as an IP (no SNI); a name is what the certificate must carry.
    const bare = opts.host.replace(/^\[(.*)\]$/, '$1');
    const servername = isIP(bare) === 0 ? opts.host : undefined;
    const where = `${opts.host}:${opts.port}`;
    return {
      name: ctx.name,
      type: 'email',
      async deliver(message, ref) {
        const mail = renderEmail(message, {
          subjectPrefix: opts.subjectPrefix,
          followUp: ref !== undefined,
        });
        const messageId = emailMessageId(message.alertId, ctx.hostname);
        // The ref is the first mail's Message-ID; anything else is not put in a header.
        const thread = ref !== undefined && /^<[!-;=?-~]{1,250}>$/.test(ref) ? ref : undefined;
        let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
        try {
          const target = await ctx.guard(opts.host);
          transport = nodemailer.createTransport({
            host: target.address,
            port: opts.port,
            secure,
            requireTLS: !secure && starttls === 'require',
            ignoreTLS: !secure && starttls === 'off',
            name: ehlo,
            ...(servername === undefined ? {} : { servername, tls: { servername } }),
            ...(opts.auth === undefined ? {} : { auth: { ...opts.auth } }),
            connectionTimeout: CONNECT_TIMEOUT_MS,
            greetingTimeout: CONNECT_TIMEOUT_MS,
            socketTimeout: SOCKET_TIMEOUT_MS,
            logger: false,
          });
          await transport.sendMail({
            from: opts.from,
            to: [...opts.to],
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            headers: { ...mail.headers },
            messageId,
            date: ctx.now(),
            ...(thread === undefined ? {} : { inReplyTo: thread, references: thread }),
            disableFileAccess: true,
            disableUrlAccess: true,
          });
          // Some recipients may have been refused while others took it: resending would
          // duplicate it for those, so a mail any recipient accepted counts as delivered.
          return ref === undefined ? { kind: 'ok', ref: messageId } : { kind: 'ok' };
        } catch (err) {
          return smtpResult(err, where, opts.auth);
        } finally {
          transport?.close();
        }
      },
    };
  },
};
