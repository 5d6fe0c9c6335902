import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { anyMessage, anyText, jsonStrings, UNSAFE } from '../../../test/helpers/sink-arbitrary.js';
import type { AlertMessage, Severity } from '../../core/index.js';
import { opsgenieSink, renderOpsgenieRequest } from './opsgenie.js';

const OPTS = {
  responders: [{ type: 'team' as const, name: 'secops' }],
  tags: ['aws', 'prod'],
};
const ALIAS = 'keysnare-inc-00112233445566aa';

function render(message: AlertMessage) {
  return renderOpsgenieRequest(message, OPTS);
}

/** The create body's fields, typed loosely for assertions. */
interface Create {
  message: string;
  alias: string;
  description: string;
  details: Record<string, string>;
  priority: string;
  source: string;
  entity?: string;
  tags: string[];
  responders?: unknown[];
}

const create = (message: AlertMessage) => render(message).body as unknown as Create;
const note = (message: AlertMessage) => (render(message).body as { note: string }).note;

describe('renderOpsgenieRequest', () => {
  it('creates an alert for a first alert, under the incident alias', () => {
    const req = render(sampleMessage());
    expect(req.path).toBe('/v2/alerts');
    const b = create(sampleMessage());
    expect(b).toMatchObject({
      message: 'Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
      alias: ALIAS,
      priority: 'P1',
      source: 'keysnare',
      entity: 'arn:aws:iam::111122223333:user/svc-payments-staging',
      responders: [{ type: 'team', name: 'secops' }],
    });
    expect(b.tags).toEqual(['aws', 'prod', 'keysnare', 'critical', 'honeytoken.used']);
    expect(b.details).toMatchObject({
      Incident: 'inc-00112233445566aa',
      Alert: 'alt-0123456789abcdef',
      Key: 'AKIAIOSFODNN7EXAMPLE',
      Link: 'https://keysnare.example/incidents/inc-00112233445566aa',
    });
    expect(b.description).toContain(sampleMessage().summary);
    expect(b.description).toContain('\nFacts:\nKey: AKIAIOSFODNN7EXAMPLE\n');
    expect(b.description).toContain(
      '\nRunbook:\n1. Deactivate the canary key (it is a canary: nothing breaks).\n',
    );
    expect(b.description).toContain(
      'Open in Keysnare: https://keysnare.example/incidents/inc-00112233445566aa',
    );
  });

  it.each([
    ['critical', 'P1'],
    ['high', 'P2'],
    ['medium', 'P3'],
    ['low', 'P4'],
    ['info', 'P5'],
  ] as const)('maps severity %s to %s', (severity: Severity, priority) => {
    expect(create(sampleMessage({ severity })).priority).toBe(priority);
  });

  it.each([
    ['opened', '/v2/alerts'],
    ['reopened', '/v2/alerts'],
    ['test', '/v2/alerts'],
    ['updated', `/v2/alerts/${ALIAS}/notes?identifierType=alias`],
    ['acknowledged', `/v2/alerts/${ALIAS}/acknowledge?identifierType=alias`],
    ['resolved', `/v2/alerts/${ALIAS}/close?identifierType=alias`],
    ['false-positive', `/v2/alerts/${ALIAS}/close?identifierType=alias`],
  ] as const)('sends a %s alert to %s', (kind, path) => {
    expect(render(sampleMessage({ kind })).path).toBe(path);
  });

  it('says what each kind is, and marks a test as a test', () => {
    const test = create(sampleMessage({ kind: 'test' }));
    expect(test.message).toMatch(/^\[TEST\] /);
    expect(test.description).toMatch(/^TEST alert from Keysnare/);
    expect(test.tags).toContain('test');
    expect(create(sampleMessage({ kind: 'reopened' })).message).toMatch(/^\[Reopened\] /);
    expect(note(sampleMessage({ kind: 'updated' }))).toMatch(/^The incident has new activity/);
    expect(note(sampleMessage({ kind: 'updated' }))).toContain('Key: AKIAIOSFODNN7EXAMPLE');
    expect(note(sampleMessage({ kind: 'acknowledged' }))).toMatch(/acknowledged in Keysnare/);
    expect(note(sampleMessage({ kind: 'resolved' }))).toMatch(/^The incident was resolved/);
    expect(note(sampleMessage({ kind: 'false-positive' }))).toMatch(/false positive/);
    expect(render(sampleMessage({ kind: 'resolved' })).body).toMatchObject({ source: 'keysnare' });
  });

  it('URL-encodes the alias in paths', () => {
    const req = render(sampleMessage({ kind: 'resolved', incidentId: 'inc-a/b?c#d e' }));
    expect(req.path).toBe('/v2/alerts/keysnare-inc-a%2Fb%3Fc%23d%20e/close?identifierType=alias');
  });

  it('HTML-escapes every hostile string and leaves no control character', () => {
    const b = create(hostileMessage());
    for (const s of [b.message, b.description, b.entity ?? '', ...jsonStrings(b.details)]) {
      expect(s).not.toMatch(/[<>"']/);
      expect(s.replace(/\n/g, '')).not.toMatch(UNSAFE);
    }
    expect(b.message).not.toContain('\n');
    expect(b.description).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(b.description).toContain('&amp;amp; &amp;lt;');
    for (const t of b.tags) expect(t).toMatch(/^[\p{L}\p{N}._:/@+=-]{1,50}$/u);
    const n = note(hostileMessage({ kind: 'updated' }));
    expect(n).not.toMatch(/[<>]/);
    expect(n.replace(/\n/g, '')).not.toMatch(UNSAFE);
    // Each hostile string stays on its own line: a line break in it cannot forge a line.
    expect(b.description.split('\n').filter((l) => l.startsWith('Injected'))).toEqual([]);
  });

  it('caps every field with a 100 KB user agent, cutting between entities', () => {
    const ua = `aws-cli/2.15.0 ${'<&>'.repeat(35 * 1024)}`;
    const long = hostileMessage({
      title: ua,
      summary: ua,
      userAgent: ua,
      principalArn: ua,
      facts: Array.from({ length: 80 }, (_, i) => ({ label: `User agent ${i}`, value: ua })),
      runbook: [ua],
      rules: Array.from({ length: 30 }, (_, i) => `rule.${i}.${ua}`),
    });
    const b = create(long);
    expect(b.message.length).toBeLessThanOrEqual(130);
    expect(b.message).toMatch(/^(?:[^&]|&amp;|&lt;|&gt;)*…$/);
    expect(b.description.length).toBeLessThanOrEqual(15_000);
    expect(b.description).toMatch(/… \(cut to fit; the rest is in Keysnare\)$/);
    expect(b.entity?.length).toBeLessThanOrEqual(512);
    const details = Object.entries(b.details).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(details).toBeLessThanOrEqual(8_000);
    expect(b.tags.length).toBeLessThanOrEqual(20);
    for (const t of b.tags) expect(t.length).toBeLessThanOrEqual(50);
    expect(note({ ...long, kind: 'updated' }).length).toBeLessThanOrEqual(25_000);
  });
});

describe('opsgenie options', () => {
  const parse = (o: object) => opsgenieSink.options.safeParse({ apiKey: 'k', ...o });

  it('defaults the URL and takes no unknown option', () => {
    expect(opsgenieSink.options.parse({ apiKey: 'k' })).toMatchObject({
      url: 'https://api.opsgenie.com',
      responders: [],
      tags: [],
    });
    expect(opsgenieSink.options.safeParse({}).success).toBe(false);
    expect(parse({ team: 'x' }).success).toBe(false);
  });

  it('takes a responder named one way, the way its type is named', () => {
    expect(parse({ responders: [{ type: 'team', name: 'secops' }] }).success).toBe(true);
    expect(parse({ responders: [{ type: 'user', username: 'a@example.com' }] }).success).toBe(true);
    expect(parse({ responders: [{ type: 'schedule', id: '4513b7ea' }] }).success).toBe(true);
    expect(parse({ responders: [{ type: 'team' }] }).success).toBe(false);
    expect(parse({ responders: [{ type: 'team', name: 'a', id: 'b' }] }).success).toBe(false);
    expect(parse({ responders: [{ type: 'team', username: 'a' }] }).success).toBe(false);
    expect(parse({ responders: [{ type: 'user', name: 'a' }] }).success).toBe(false);
    expect(parse({ responders: [{ type: 'group', name: 'a' }] }).success).toBe(false);
  });

  it('refuses a tag with a comma or over 50 characters', () => {
    expect(parse({ tags: ['a,b'] }).success).toBe(false);
    expect(parse({ tags: ['x'.repeat(51)] }).success).toBe(false);
  });
});

/** Arbitrary strings in every attacker-controlled field of a message. */
const arbitraryMessage = anyMessage(anyText(), 'https://keysnare.example/incidents/x');

describe('renderOpsgenieRequest, over arbitrary strings', () => {
  it('gives a body that parses, keeps the caps and holds no raw control character', () => {
    fc.assert(
      fc.property(arbitraryMessage, (message) => {
        const req = render(message);
        expect(req.path).toMatch(
          /^\/v2\/alerts(?:\/[^/?#]+\/(?:notes|acknowledge|close)\?identifierType=alias)?$/,
        );
        const b = JSON.parse(JSON.stringify(req.body)) as Partial<Create> & { note?: string };
        if (b.message !== undefined) {
          expect(b.message.length).toBeLessThanOrEqual(130);
          expect(b.alias?.length).toBeLessThanOrEqual(250);
          expect(b.description?.length).toBeLessThanOrEqual(15_000);
          expect(b.entity?.length ?? 0).toBeLessThanOrEqual(512);
          const d = Object.entries(b.details ?? {}).reduce(
            (n, [k, v]) => n + k.length + v.length,
            0,
          );
          expect(d).toBeLessThanOrEqual(8_000);
          expect(b.tags?.length).toBeLessThanOrEqual(20);
          for (const t of b.tags ?? []) expect(t.length).toBeLessThanOrEqual(50);
        }
        if (b.note !== undefined) expect(b.note.length).toBeLessThanOrEqual(25_000);
        for (const s of jsonStrings(b)) expect(s.replace(/\n/g, '')).not.toMatch(UNSAFE);
        for (const s of jsonStrings({ ...b, alias: '', tags: [] })) expect(s).not.toMatch(/[<>]/);
      }),
      { numRuns: 150 },
    );
  });
});
