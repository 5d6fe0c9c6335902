import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';

function issues(yaml: string): string[] {
  const r = parseConfig(`version: 1\n${yaml}`, 'keysnare.yaml');
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('the alerts: section', () => {
  it('takes every sink type with its own options, and routes and quiet rules', () => {
    const r = parseConfig(
      `version: 1
alerts:
  dashboardUrl: https://keysnare.example
  sinks:
    hook: { type: webhook, url: 'https://hooks.example/in', secret: 'whsec_${Buffer.from('0123456789abcdef0123').toString('base64')}' }
    page: { type: pagerduty, routingKey: 0123456789abcdef0123456789abcdef, ratePerMinute: 120 }
    siem: { type: syslog, host: siem.internal, transport: tcp, format: cef }
    file: { type: jsonl, path: alerts.jsonl }
  routes:
    - { minSeverity: high, sinks: [page] }
    - { rules: ['sigma.*'], sinks: [hook, siem] }
  quiet:
    - { name: scanner, sourceCidrs: [203.0.113.0/24, '2001:db8::/32'], userAgents: [nessus] }
`,
      'keysnare.yaml',
    );
    expect(r.ok ? [] : r.issues).toEqual([]);
    if (!r.ok) return;
    expect(Object.keys(r.config.alerts.sinks)).toEqual(['hook', 'page', 'siem', 'file']);
    expect(r.config.alerts.sinks['page']!.ratePerMinute).toBe(120);
    expect(r.config.alerts.sinks['hook']!.allowPrivateTargets).toBe(false);
    expect(r.config.alerts.windowHours).toBe(24);
  });

  it('names the path of a bad sink option, an unknown type and a route to no sink', () => {
    expect(
      issues(`alerts:
  sinks:
    hook: { type: webhook, url: 'not a url', secret: x }
    what: { type: carrier-pigeon }
  routes:
    - { sinks: [nope] }
  quiet:
    - { name: q, sourceCidrs: [300.1.1.1/8] }
`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^alerts\.sinks\.hook\.url: /),
        expect.stringMatching(
          /^alerts\.sinks\.what\.type: unknown sink type "carrier-pigeon"; expected one of: email, webhook/,
        ),
        'alerts.routes[0].sinks[0]: no sink named nope in alerts.sinks',
        expect.stringMatching(
          /^alerts\.quiet\[0\]\.sourceCidrs\[0\]: expected an IP address or CIDR/,
        ),
      ]),
    );
  });

  it('refuses a key no sink type has (a typo is an error, not ignored)', () => {
    expect(issues(`alerts:\n  sinks:\n    f: { type: jsonl, path: a.jsonl, pth: b }\n`)).toEqual([
      expect.stringMatching(/^alerts\.sinks\.f/),
    ]);
  });
});
