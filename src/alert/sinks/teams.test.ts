import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { anyChatMessage } from '../../../test/helpers/sink-arbitrary.js';
import type { AlertMessage } from '../../core/index.js';
import { renderTeams, TEAMS_MAX_BYTES, teamsResult, teamsSink, teamsText } from './teams.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON payloads, read in assertions
type Obj = Record<string, any>;
const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const NOW = new Date('2026-11-30T10:06:00.000Z');

const card = (m: AlertMessage): Obj =>
  (JSON.parse(renderTeams(m, 'workflow')) as Obj).attachments[0].content as Obj;
const messageCard = (m: AlertMessage): Obj => JSON.parse(renderTeams(m, 'connector')) as Obj;

/** The texts Teams renders as markdown in an Adaptive Card. */
function cardTexts(c: Obj): string[] {
  return (c.body as Obj[]).flatMap((b) =>
    b.type === 'FactSet'
      ? (b.facts as Obj[]).flatMap((f) => [f.title, f.value] as string[])
      : [b.text as string],
  );
}

/** `s` with its backslash escapes taken out: what is left is live markdown. */
const live = (s: string) => s.replace(/\\[\s\S]/g, '');

describe('teams escaping', () => {
  it('backslash-escapes markdown, entity-escapes HTML and breaks URLs', () => {
    expect(teamsText('[x](https://evil.example) **b** <i>&')).toBe(
      '\\[x\\]\\(https:\u2215\u2215evil.example\\) \\*\\*b\\*\\* &lt;i&gt;&amp;',
    );
    expect(teamsText('1. first')).toBe('1\\. first');
    expect(teamsText('<b>*x*</b>', false)).toBe('&lt;b&gt;*x*&lt;/b&gt;');
  });

  it('leaves no live markup from a hostile alert in the Adaptive Card', () => {
    const c = card(hostileMessage());
    const json = JSON.stringify(c);
    expect(json).not.toContain('<script');
    expect(json).not.toContain('https://evil.example');
    for (const t of cardTexts(c)) {
      expect(live(t)).not.toMatch(/[*_~`[\]()<>]/);
      expect(t.replaceAll('\r', '')).not.toMatch(RAW);
    }
    expect(cardTexts(c).join(' ')).not.toMatch(/(?<!\\)\]\(/);
    expect(c.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open incident',
        url: 'https://keysnare.example/incidents/inc-00112233445566aa',
      },
    ]);
  });

  it('leaves no live HTML or controls from a hostile alert in the connector card', () => {
    const mc = messageCard(hostileMessage());
    const json = JSON.stringify(mc);
    expect(json).not.toContain('<script');
    expect(json).not.toMatch(/[<>]/);
    expect(mc.title).toMatch(/^\[CRITICAL\] Canary key used by &lt;script&gt;/);
    for (const s of mc.sections as Obj[]) expect(s.markdown).toBe(false);
    expect(json).not.toMatch(/\\u001b|\\u202e|\\u2066/);
  });
});

describe('teams cards', () => {
  it('sends an Adaptive Card 1.4 in a message envelope', () => {
    const payload = JSON.parse(renderTeams(sampleMessage(), 'workflow')) as Obj;
    expect(payload.type).toBe('message');
    expect(payload.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { type: 'AdaptiveCard', version: '1.4' },
    });
    const body = payload.attachments[0].content.body as Obj[];
    expect(body[0]).toMatchObject({ type: 'TextBlock', weight: 'Bolder', wrap: true });
    expect(body[0]!.text).toBe(
      '\\[CRITICAL\\] Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
    );
    expect(body.find((b) => b.type === 'FactSet')?.facts[0]).toEqual({
      title: 'Key',
      value: 'AKIAIOSFODNN7EXAMPLE',
    });
    expect(body.find((b) => /^1\. /.test(b.text ?? ''))?.text).toMatch(
      /^1\. Deactivate.*\r2\. .*\r3\. /,
    );
  });

  it('sends a MessageCard with a severity colour, facts and an OpenUri action', () => {
    const mc = messageCard(sampleMessage());
    expect(mc).toMatchObject({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: 'D70000',
      potentialAction: [
        {
          '@type': 'OpenUri',
          targets: [
            { os: 'default', uri: 'https://keysnare.example/incidents/inc-00112233445566aa' },
          ],
        },
      ],
    });
    expect(mc.summary).toBe(mc.title);
    expect(mc.sections[0].facts[0]).toEqual({ name: 'Key', value: 'AKIAIOSFODNN7EXAMPLE' });
  });

  it('marks a test alert as a test and words follow-ups by kind', () => {
    expect(card(sampleMessage({ kind: 'test' })).body[0].text).toMatch(/^\\\[TEST\\\] /);
    expect(card(sampleMessage({ kind: 'test' })).body[1].text).toMatch(/^TEST ALERT/);
    expect(messageCard(sampleMessage({ kind: 'test' }))).toMatchObject({ themeColor: '808080' });
    expect(card(sampleMessage({ kind: 'false-positive' })).body[0].text).toMatch(
      /^\\\[CRITICAL\\\] False positive: /,
    );
    expect(card(sampleMessage({ kind: 'reopened' })).body[1].text).toMatch(/^Incident reopened/);
  });

  it('stays under the size cap with a 100 KB user agent, shortening facts before the summary', () => {
    const ua = `${'&*'.repeat(25_000)}${'y'.repeat(50_000)}`;
    const m = sampleMessage({
      userAgent: ua,
      facts: [...sampleMessage().facts, { label: 'User agent', value: ua }],
      runbook: [ua, ua],
    });
    for (const format of ['workflow', 'connector'] as const) {
      const body = renderTeams(m, format);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
      expect(body).toContain('The canary key AKIAIOSFODNN7EXAMPLE planted on build');
      expect(body).toContain('AKIAIOSFODNN7EXAMPLE');
    }
    const facts = (card(m).body as Obj[]).find((b) => b.type === 'FactSet')!.facts as Obj[];
    expect(facts.at(-1)!.value.endsWith('…')).toBe(true);
    expect(live(facts.at(-1)!.value)).not.toMatch(/[&*]$/);
  });

  it('stays under the cap when everything is huge', () => {
    const big = '\\'.repeat(100_000);
    const m = sampleMessage({
      title: big,
      summary: big,
      facts: Array.from({ length: 60 }, () => ({ label: big, value: big })),
      runbook: Array.from({ length: 60 }, () => big),
      rules: Array.from({ length: 2000 }, (_, i) => `rule.${i}`),
    });
    for (const format of ['workflow', 'connector'] as const)
      expect(Buffer.byteLength(renderTeams(m, format))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    // A cut never leaves a lone backslash to escape the ellipsis.
    expect(card(m).body[0].text).toMatch(/(?:\\\\)+…$/);
  });

  it('for any strings in the alert is valid JSON with no raw controls and no live markup', () => {
    const unit = fc.oneof(
      fc.constantFrom(
        '[',
        ']',
        '(',
        ')',
        '*',
        '_',
        '\\',
        '<',
        '&',
        '#',
        '\n',
        '\r',
        '\u001b',
        '\u2067',
      ),
      fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
    );
    const text = fc.string({ unit, maxLength: 80 });
    fc.assert(
      fc.property(anyChatMessage(text), (m) => {
        const c = card(m);
        for (const t of cardTexts(c)) {
          expect(t.replaceAll('\r', '')).not.toMatch(RAW);
          expect(live(t)).not.toMatch(/[*_~`[\]()<>]/);
        }
        expect(JSON.stringify(messageCard(m))).not.toMatch(/[<>]/);
      }),
    );
  });
});

describe('teams options and answers', () => {
  it('defaults to the workflow format and refuses unknown formats and keys', () => {
    expect(teamsSink.options.parse({ url: 'https://x.logic.azure.com/w' })).toEqual({
      url: 'https://x.logic.azure.com/w',
      format: 'workflow',
    });
    expect(teamsSink.options.safeParse({ url: 'https://x/', format: 'card' }).success).toBe(false);
    expect(teamsSink.options.safeParse({ url: 'https://x/', color: 'red' }).success).toBe(false);
  });

  it("reads a connector's HTTP 200 failure texts", () => {
    const said = (body: string) => ({ status: 200, headers: {}, body });
    expect(teamsResult(said('1'), NOW, 'connector')).toEqual({ kind: 'ok' });
    expect(
      teamsResult(
        said(
          'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429',
        ),
        NOW,
        'connector',
      ).kind,
    ).toBe('indeterminate');
    expect(
      teamsResult(said('Webhook message delivery failed with error: 413'), NOW, 'connector').kind,
    ).toBe('rejected');
    expect(teamsResult({ status: 202, headers: {}, body: '' }, NOW, 'workflow')).toEqual({
      kind: 'ok',
    });
  });
});
