import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { anyMessage, anyText, jsonStrings, UNSAFE } from '../../../test/helpers/sink-arbitrary.js';
import type { AlertMessage, Severity } from '../../core/index.js';
import { pagerdutySink, renderPagerDutyEvent } from './pagerduty.js';

const OPTS = { routingKey: 'R0123456789abcdef0123456789abcdef', source: 'keysnare-test' };

function render(message: AlertMessage) {
  return renderPagerDutyEvent(message, OPTS);
}

describe('renderPagerDutyEvent', () => {
  it('triggers a first alert with the payload PagerDuty shows', () => {
    const e = render(sampleMessage());
    expect(e).toMatchObject({
      routing_key: OPTS.routingKey,
      event_action: 'trigger',
      dedup_key: 'keysnare-inc-00112233445566aa',
      client: 'Keysnare',
      client_url: 'https://keysnare.example/incidents/inc-00112233445566aa',
      links: [
        {
          href: 'https://keysnare.example/incidents/inc-00112233445566aa',
          text: 'Open in Keysnare',
        },
      ],
    });
    expect(e.payload).toMatchObject({
      source: 'keysnare-test',
      severity: 'critical',
      timestamp: '2026-11-30T10:06:00.000Z',
      component: 'keysnare',
      group: 'honeytoken.used',
      class: 'honeytoken.used',
    });
    expect(e.payload?.summary).toMatch(
      /^Canary key AKIAIOSFODNN7EXAMPLE used from 185\.220\.101\.47: The canary key/,
    );
    expect(e.payload?.custom_details).toMatchObject({
      Incident: 'inc-00112233445566aa',
      Alert: 'alt-0123456789abcdef',
      Key: 'AKIAIOSFODNN7EXAMPLE',
      'Source IP': '185.220.101.47 (Tor exit, AS60729 Zwiebelfreunde, DE)',
      Link: 'https://keysnare.example/incidents/inc-00112233445566aa',
      Runbook: sampleMessage().runbook,
    });
  });

  it.each([
    ['opened', 'trigger'],
    ['updated', 'trigger'],
    ['reopened', 'trigger'],
    ['test', 'trigger'],
    ['acknowledged', 'acknowledge'],
    ['resolved', 'resolve'],
    ['false-positive', 'resolve'],
  ] as const)('maps a %s alert to %s under the same dedup key', (kind, action) => {
    const e = render(sampleMessage({ kind }));
    expect(e.event_action).toBe(action);
    expect(e.dedup_key).toBe('keysnare-inc-00112233445566aa');
    expect(e.routing_key).toBe(OPTS.routingKey);
    if (action !== 'trigger')
      expect(Object.keys(e).sort()).toEqual(['dedup_key', 'event_action', 'routing_key']);
  });

  it.each([
    ['critical', 'critical'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'info'],
    ['info', 'info'],
  ] as const)('maps severity %s to %s', (severity: Severity, expected) => {
    expect(render(sampleMessage({ severity })).payload?.severity).toBe(expected);
  });

  it('says what kind of alert each trigger is, and marks a test as a test', () => {
    expect(render(sampleMessage({ kind: 'test' })).payload?.summary).toMatch(/^\[TEST\] /);
    expect(render(sampleMessage({ kind: 'updated' })).payload?.summary).toMatch(/^\[Updated\] /);
    expect(render(sampleMessage({ kind: 'reopened' })).payload?.summary).toMatch(/^\[Reopened\] /);
    expect(render(sampleMessage()).payload?.summary).toMatch(/^Canary key/);
  });

  it('leaves no control, bidi or line-break character of a hostile alert, and no other link', () => {
    const e = render(hostileMessage());
    for (const s of jsonStrings(e)) expect(s).not.toMatch(UNSAFE);
    expect(e.payload?.summary).toContain('<script>alert(1)</script>');
    expect(e.payload?.summary).not.toContain('\n');
    expect(e.links).toEqual([
      { href: 'https://keysnare.example/incidents/inc-00112233445566aa', text: 'Open in Keysnare' },
    ]);
    // A repeated or hostile label is a key of its own, never the object's prototype.
    const details = e.payload?.custom_details ?? {};
    expect(Object.keys(details).some((k) => k.startsWith('Param <script>alert(1)'))).toBe(true);
    const proto = render(sampleMessage({ facts: [{ label: '__proto__', value: 'x' }] }));
    expect(Object.getPrototypeOf(proto.payload?.custom_details)).toBe(Object.prototype);
    expect(Object.hasOwn(proto.payload?.custom_details ?? {}, '__proto__')).toBe(true);
  });

  it('numbers a repeated fact label instead of losing the fact', () => {
    const e = render(
      sampleMessage({
        facts: [
          { label: 'IP', value: 'a' },
          { label: 'IP', value: 'b' },
          { label: 'Incident', value: 'c' },
        ],
      }),
    );
    expect(e.payload?.custom_details).toMatchObject({
      IP: 'a',
      'IP (2)': 'b',
      'Incident (2)': 'c',
      Incident: 'inc-00112233445566aa',
    });
  });

  it('drops a link that is not http(s)', () => {
    const e = render(sampleMessage({ link: 'javascript:alert(1)' }));
    expect(e.links).toBeUndefined();
    expect(e.client_url).toBeUndefined();
    expect(e.payload?.custom_details).not.toHaveProperty('Link');
  });

  it('caps sizes with a 100 KB user agent, and the body stays well under 512 KB', () => {
    const ua = `aws-cli/2.15.0 ${'A'.repeat(100 * 1024)}`;
    const e = render(
      sampleMessage({
        title: `Canary key used by ${ua}`,
        summary: ua,
        userAgent: ua,
        facts: [{ label: 'User agent', value: ua }],
      }),
    );
    expect(e.payload?.summary.length).toBeLessThanOrEqual(1024);
    expect(e.payload?.summary.endsWith('…')).toBe(true);
    expect((e.payload?.custom_details['User agent'] as string).length).toBeLessThanOrEqual(1000);
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThan(8 * 1024);

    // The worst case: many long facts of three-byte characters.
    const wide = '\u4e00'.repeat(100 * 1024);
    const worst = render(
      sampleMessage({
        facts: Array.from({ length: 200 }, (_, i) => ({ label: `${wide}${i}`, value: wide })),
        runbook: Array.from({ length: 100 }, () => wide),
        rules: Array.from({ length: 100 }, () => wide),
      }),
    );
    expect(Buffer.byteLength(JSON.stringify(worst))).toBeLessThan(256 * 1024);
    expect(worst.payload?.custom_details['More facts']).toBe('160 more in Keysnare');
  });
});

describe('pagerduty options', () => {
  it('defaults the URL, needs a routing key and takes no unknown option', () => {
    const parsed = pagerdutySink.options.parse({ routingKey: OPTS.routingKey });
    expect(parsed.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(pagerdutySink.options.safeParse({}).success).toBe(false);
    expect(pagerdutySink.options.safeParse({ routingKey: ' ' }).success).toBe(false);
    expect(pagerdutySink.options.safeParse({ routingKey: 'k', channel: 'x' }).success).toBe(false);
    expect(pagerdutySink.options.safeParse({ routingKey: 'k', url: 'ftp://x' }).success).toBe(
      false,
    );
  });
});

/** Arbitrary strings in every attacker-controlled field of a message. */
const arbitraryMessage = anyMessage(anyText(), 'https://keysnare.example/incidents/x');

describe('renderPagerDutyEvent, over arbitrary strings', () => {
  it('gives a body that parses, keeps the caps and holds no raw control character', () => {
    fc.assert(
      fc.property(arbitraryMessage, (message) => {
        const body = JSON.stringify(render(message));
        const parsed = JSON.parse(body) as ReturnType<typeof render>;
        expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
        expect(parsed.dedup_key.length).toBeLessThanOrEqual(255);
        if (parsed.payload) {
          expect(parsed.payload.summary.length).toBeLessThanOrEqual(1024);
          for (const f of ['source', 'group', 'class'] as const)
            expect(parsed.payload[f].length).toBeLessThanOrEqual(255);
        }
        for (const s of jsonStrings(parsed)) expect(s).not.toMatch(UNSAFE);
      }),
      { numRuns: 150 },
    );
  });
});
