/**
 * Alert messages for sink tests: a realistic canary alert, and one whose every CloudTrail-derived
 * string is hostile (HTML and script, Slack and Jira markup, CEF and syslog separators, line
 * breaks, terminal escapes, bidi controls).
 */
import { resolve } from 'node:path';
import { createGuard, createHttpClient } from '../../src/alert/http.js';
import type { SinkContext } from '../../src/alert/sink.js';
import type { AlertMessage } from '../../src/core/index.js';

/** A string carrying every kind of markup and separator a sink must neutralise. */
export const HOSTILE =
  '<script>alert(1)</script><img src=x onerror=alert(2)> *bold* _it_ `code` <!channel> <https://evil.example|click> ' +
  '[~admin] {code}x{code} [link|https://evil.example] h1. Big ||cell|| ' +
  'CEF:0|a|b| key=value x\\y ] " \r\nInjected: line\n<13>1 forged syslog ' +
  '\u001b[31mred\u001b[0m \u202eevil\u2066 &amp; &lt;';

/** A canary alert as the incidents stage makes it. */
export function sampleMessage(over: Partial<AlertMessage> = {}): AlertMessage {
  return {
    alertId: 'alt-0123456789abcdef',
    incidentId: 'inc-00112233445566aa',
    kind: 'opened',
    severity: 'critical',
    state: 'open',
    title: 'Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
    summary:
      'The canary key AKIAIOSFODNN7EXAMPLE planted on build-7 in ~/.aws/credentials (owner: platform-team) was used from 185.220.101.47 (Tor exit, AS60729, DE) with aws-cli on Kali to call sts:GetCallerIdentity in us-east-1.',
    facts: [
      { label: 'Key', value: 'AKIAIOSFODNN7EXAMPLE' },
      { label: 'Source IP', value: '185.220.101.47 (Tor exit, AS60729 Zwiebelfreunde, DE)' },
      { label: 'User agent', value: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64' },
      { label: 'Placement', value: 'build-7:~/.aws/credentials' },
      { label: 'First seen', value: '2026-11-30T10:05:07Z' },
    ],
    runbook: [
      'Deactivate the canary key (it is a canary: nothing breaks).',
      'Treat every host and repo in its chain of custody as compromised.',
      'Block 185.220.101.47 at the edge and search CloudTrail in all regions for it.',
    ],
    link: 'https://keysnare.example/incidents/inc-00112233445566aa',
    time: '2026-11-30T10:06:00.000Z',
    firstSeen: '2026-11-30T10:05:07Z',
    lastSeen: '2026-11-30T10:05:07Z',
    rules: ['honeytoken.used'],
    eventCount: 1,
    owner: 'platform-team',
    labels: ['canary', 'build'],
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    principalArn: 'arn:aws:iam::111122223333:user/svc-payments-staging',
    sourceIp: '185.220.101.47',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0-kali3-amd64',
    eventName: 'GetCallerIdentity',
    region: 'us-east-1',
    revision: 1,
    ...over,
  };
}

/** The same alert with every attacker-controlled string hostile. */
export function hostileMessage(over: Partial<AlertMessage> = {}): AlertMessage {
  return sampleMessage({
    title: `Canary key used by ${HOSTILE}`,
    summary: `The canary key was used with ${HOSTILE} to call ${HOSTILE}.`,
    facts: [
      { label: 'User agent', value: HOSTILE },
      { label: `Param ${HOSTILE}`, value: HOSTILE },
    ],
    runbook: [`Check ${HOSTILE}`],
    userAgent: HOSTILE,
    eventName: HOSTILE,
    principalArn: `arn:aws:iam::111122223333:user/${HOSTILE}`,
    ...over,
  });
}

/** A sink context for tests: real HTTP through the guard, which allows 127.0.0.1 only when asked. */
export function testSinkContext(
  name: string,
  opts: { allowPrivate?: boolean; dir?: string; now?: () => Date } = {},
): SinkContext {
  const guard = createGuard(opts.allowPrivate ?? true);
  return {
    name,
    http: createHttpClient(guard, 5_000),
    guard,
    now: opts.now ?? (() => new Date('2026-11-30T10:06:00.000Z')),
    hostname: 'keysnare-test',
    version: '0.1.0',
    resolvePath: (p) => (opts.dir ? resolve(opts.dir, p) : resolve(p)),
  };
}
