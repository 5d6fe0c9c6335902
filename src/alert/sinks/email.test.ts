import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTILE, hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { emailMessageId, emailSink, htmlText, renderEmail } from './email.js';

const FIRST = { subjectPrefix: '[Keysnare]', followUp: false };

/** The tags of an HTML text: name and raw attribute text. */
function tags(html: string): { name: string; attrs: string }[] {
  return [...html.matchAll(/<(\/?[!a-zA-Z][^\s/>]*)([^>]*)>/g)].map((t) => ({
    name: t[1]!.toLowerCase(),
    attrs: t[2]!,
  }));
}

const ALLOWED = new Set(
  ['!doctype', 'html', 'head', 'meta', 'title', 'body', 'h2', 'h3', 'p', 'strong', 'table']
    .concat(['tr', 'th', 'td', 'ol', 'li', 'a'])
    .flatMap((t) => [t, `/${t}`]),
);

/** Every tag is one the renderer writes, with no event handler, and the only href is `link`. */
function expectInert(html: string, link: string | undefined): void {
  expect(html).not.toMatch(/<script|<img|<iframe|<svg|<style|<link/i);
  for (const t of tags(html)) {
    expect(ALLOWED.has(t.name), t.name).toBe(true);
    expect(t.attrs).not.toMatch(/\son[a-z]+\s*=/i);
    expect(t.attrs).not.toMatch(/\ssrc\s*=/i);
  }
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((h) => h[1]);
  expect(hrefs).toEqual(link === undefined ? [] : [htmlText(link)]);
}

describe('renderEmail', () => {
  it('writes the subject from prefix, severity and title', () => {
    expect(renderEmail(sampleMessage(), FIRST).subject).toBe(
      '[Keysnare] CRITICAL Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
    );
    expect(renderEmail(sampleMessage(), { ...FIRST, followUp: true }).subject).toBe(
      'Re: [Keysnare] CRITICAL Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
    );
  });

  it('marks a test alert as a test in the subject and both parts', () => {
    const mail = renderEmail(sampleMessage({ kind: 'test', severity: 'info' }), FIRST);
    expect(mail.subject).toMatch(/^\[Keysnare\] TEST INFO /);
    expect(mail.text).toMatch(/^TEST ALERT: nothing happened/);
    expect(mail.html).toContain('<strong>TEST</strong> — nothing happened');
  });

  it('words every kind in the opening line', () => {
    const first = (kind: Parameters<typeof sampleMessage>[0] & object) =>
      renderEmail(sampleMessage(kind), FIRST).text.split('\n')[0];
    expect(first({ kind: 'resolved' })).toMatch(/^Incident resolved: /);
    expect(first({ kind: 'false-positive' })).toMatch(/^Incident marked a false positive: /);
    expect(first({ kind: 'reopened' })).toMatch(/^Incident reopened: /);
    expect(first({ kind: 'acknowledged' })).toMatch(/^Incident acknowledged: /);
    expect(first({ kind: 'updated' })).toMatch(/^Incident updated: /);
  });

  it('shows facts, runbook, link and ids in the text part', () => {
    const text = renderEmail(sampleMessage(), FIRST).text;
    expect(text).toContain('Source IP: 185.220.101.47 (Tor exit, AS60729 Zwiebelfreunde, DE)');
    expect(text).toContain('1. Deactivate the canary key (it is a canary: nothing breaks).');
    expect(text).toContain(
      'Open the incident: https://keysnare.example/incidents/inc-00112233445566aa',
    );
    expect(text).toContain(
      'Incident inc-00112233445566aa (open, revision 1) · alert alt-0123456789abcdef',
    );
  });

  it('sets the X-Keysnare headers', () => {
    expect(renderEmail(sampleMessage(), FIRST).headers).toEqual({
      'X-Keysnare-Incident': 'inc-00112233445566aa',
      'X-Keysnare-Alert': 'alt-0123456789abcdef',
      'X-Keysnare-Kind': 'opened',
      'X-Keysnare-Severity': 'critical',
      'Auto-Submitted': 'auto-generated',
    });
  });

  it('keeps a hostile alert inert: one-line subject, no live markup, no raw controls', () => {
    const m = hostileMessage();
    const mail = renderEmail(m, FIRST);
    expect(mail.subject).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect([...mail.subject].length).toBeLessThanOrEqual(200);
    expectInert(mail.html, m.link);
    expect(mail.html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
    );
    expect(mail.html).toContain('&amp;amp; &amp;lt;');
    // Line breaks are the parts' own; no other control or bidi character is left.
    expect(mail.html.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(mail.text.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(mail.text).not.toMatch(/\nInjected/);
    expect(mail.text).toContain(`User agent: <script>alert(1)</script>`);
  });

  it('links only an http(s) link, with the href escaped', () => {
    const js = renderEmail(sampleMessage({ link: 'javascript:alert(1)' }), FIRST);
    expectInert(js.html, undefined);
    expect(js.text).not.toContain('javascript:');
    const quoted = renderEmail(sampleMessage({ link: `https://k.example/a"><script>'` }), FIRST);
    // The URL parser encodes `"` `<` `>`; the `'` it keeps is an entity in the attribute.
    expectInert(quoted.html, "https://k.example/a%22%3E%3Cscript%3E'");
    expect(quoted.html).toContain('href="https://k.example/a%22%3E%3Cscript%3E&#39;"');
  });

  it('caps a 100 KB user agent', () => {
    const ua = 'U'.repeat(100_000);
    const m = sampleMessage({ userAgent: ua, facts: [{ label: 'User agent', value: ua }] });
    const mail = renderEmail(m, FIRST);
    expect(mail.html.length).toBeLessThan(10_000);
    expect(mail.text.length).toBeLessThan(10_000);
    expect(mail.text).toContain(`User agent: ${'U'.repeat(999)}…`);
  });

  it('any strings give a one-line subject and HTML with only its own tags', () => {
    const nasty = fc.string({
      unit: fc.oneof(
        fc.constantFrom('<', '>', '&', '"', "'", '\r', '\n', '\u2028', '\u202e', '\u0085'),
        fc.constantFrom('<script>', '<img src=x onerror=y>', ' onclick="x"', 'javascript:'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 120,
    });
    fc.assert(
      fc.property(nasty, nasty, nasty, nasty, (title, summary, label, value) => {
        const m = sampleMessage({ title, summary, facts: [{ label, value }], runbook: [value] });
        const mail = renderEmail(m, { subjectPrefix: '[Keysnare]', followUp: true });
        expect(mail.subject).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
        expect([...mail.subject].length).toBeLessThanOrEqual(200);
        expectInert(mail.html, m.link);
        expect(mail.text.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
      }),
      { numRuns: 300 },
    );
  });
});

describe('emailMessageId', () => {
  it('is <alert-id@keysnare.host> with only safe characters', () => {
    expect(emailMessageId('alt-0123456789abcdef', 'keysnare-test')).toBe(
      '<alt-0123456789abcdef@keysnare.keysnare-test>',
    );
    expect(emailMessageId('a>b c', 'bad host_name.')).toBe('<abc@keysnare.badhost-name>');
  });
});

describe('email options', () => {
  const parse = (o: object) =>
    emailSink.options.safeParse({
      host: 'smtp.example',
      from: 'k@x.example',
      to: ['a@x.example'],
      ...o,
    });
  it('defaults to port 587 and the [Keysnare] prefix', () => {
    expect(parse({}).data).toMatchObject({ port: 587, subjectPrefix: '[Keysnare]' });
  });
  it('needs at least one recipient and real addresses', () => {
    expect(parse({ to: [] }).success).toBe(false);
    expect(parse({ to: ['not an address'] }).success).toBe(false);
    expect(parse({ from: 'Keysnare <k@x.example>' }).success).toBe(true);
    expect(parse({ from: 'k@x.example\r\nBcc: e@evil.example' }).success).toBe(false);
    expect(parse({ subjectPrefix: 'a\nb' }).success).toBe(false);
    expect(parse({ starttls: 'maybe' }).success).toBe(false);
  });
  it('keeps HOSTILE out of headers it controls', () => {
    const m = hostileMessage({ alertId: HOSTILE, incidentId: HOSTILE });
    for (const v of Object.values(renderEmail(m, FIRST).headers))
      expect(v).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});
