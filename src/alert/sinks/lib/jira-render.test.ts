import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../../test/helpers/alert-message.js';
import {
  ALERT_KINDS,
  anyMessage,
  anyText,
  UNSAFE,
} from '../../../../test/helpers/sink-arbitrary.js';
import type { AlertMessage } from '../../../core/index.js';
import type { AdfDoc, AdfNode } from './jira-render.js';
import {
  renderJiraAdf,
  renderJiraIssue,
  renderJiraSummary,
  renderJiraWiki,
} from './jira-render.js';

const LINK = 'https://keysnare.example/incidents/inc-00112233445566aa';
const ISSUE_OPTS = {
  project: 'SEC',
  issueType: 'Task',
  apiVersion: 3 as const,
  labels: ['aws', 'canary'],
  priorities: { critical: 'Highest' },
};

/** The ADF node types and marks this sink may build. */
const NODE_TYPES = new Set([
  'paragraph',
  'text',
  'heading',
  'bulletList',
  'orderedList',
  'listItem',
]);

function nodes(doc: AdfDoc): AdfNode[] {
  const out: AdfNode[] = [];
  const walk = (n: AdfNode) => {
    out.push(n);
    for (const c of n.content ?? []) walk(c);
  };
  for (const n of doc.content) walk(n);
  return out;
}

/** Checks a document holds only plain text nodes, and links only to the alert's own page. */
function expectInertAdf(doc: AdfDoc, link: string | undefined) {
  expect(doc).toMatchObject({ type: 'doc', version: 1 });
  for (const n of nodes(doc)) {
    expect(NODE_TYPES.has(n.type)).toBe(true);
    if (n.type !== 'text') continue;
    expect(typeof n.text).toBe('string');
    expect(n.text!.length).toBeGreaterThan(0);
    expect(n.text).not.toMatch(UNSAFE);
    for (const m of n.marks ?? []) {
      expect(['strong', 'link']).toContain(m.type);
      if (m.type === 'link') {
        expect(m.attrs?.href).toBe(link);
        expect(n.text).toBe('Open in Keysnare');
      }
    }
  }
}

/** The wiki text split into its markup lines and the lines inside `{noformat}` blocks. */
function wikiParts(wiki: string): { markup: string[]; inside: string[] } {
  const markup: string[] = [];
  const inside: string[] = [];
  let open = false;
  for (const line of wiki.split('\n')) {
    if (line === '{noformat}') open = !open;
    else (open ? inside : markup).push(line);
  }
  expect(open).toBe(false);
  return { markup, inside };
}

/** Every line outside a block is one this sink wrote: nothing attacker-controlled is markup. */
const MARKUP_LINE =
  /^(?:\*[A-Za-z ,.:;]+\*|h3\. (?:Facts|Runbook)|\[Open in Keysnare\|https?:\/\/[A-Za-z0-9\-._:/?#@$&,;=%]+\])$/;

function expectInertWiki(wiki: string) {
  const { markup, inside } = wikiParts(wiki);
  for (const line of markup) expect(line).toMatch(MARKUP_LINE);
  for (const line of inside) {
    expect(line).not.toMatch(/\{noformat/i);
    expect(line).not.toMatch(/\[~/);
    expect(line).not.toMatch(UNSAFE);
  }
}

describe('renderJiraSummary', () => {
  it('is the title, one line of at most 255 characters, marked for a test', () => {
    expect(renderJiraSummary(sampleMessage())).toBe(sampleMessage().title);
    expect(renderJiraSummary(sampleMessage({ kind: 'test' }))).toMatch(/^\[TEST\] Canary key/);
    const hostile = renderJiraSummary(hostileMessage());
    expect(hostile).not.toMatch(UNSAFE);
    expect(hostile.length).toBeLessThanOrEqual(255);
    expect(renderJiraSummary(sampleMessage({ title: 'x'.repeat(100 * 1024) })).length).toBe(255);
    expect(renderJiraSummary(sampleMessage({ title: '\r\n' }))).toBe(
      'Keysnare incident inc-00112233445566aa',
    );
  });
});

describe('renderJiraIssue', () => {
  it('makes an issue in the project, labelled for the incident, with the mapped priority', () => {
    const { fields } = renderJiraIssue(sampleMessage(), ISSUE_OPTS);
    expect(fields).toMatchObject({
      project: { key: 'SEC' },
      issuetype: { name: 'Task' },
      summary: sampleMessage().title,
      labels: ['keysnare', 'keysnare-inc-00112233445566aa', 'aws', 'canary'],
      priority: { name: 'Highest' },
    });
    expect(fields.description).toMatchObject({ type: 'doc', version: 1 });
    const low = renderJiraIssue(sampleMessage({ severity: 'low' }), ISSUE_OPTS).fields;
    expect(low).not.toHaveProperty('priority');
    const v2 = renderJiraIssue(sampleMessage(), { ...ISSUE_OPTS, apiVersion: 2 }).fields;
    expect(typeof v2.description).toBe('string');
  });

  it('never puts a space in a label, whatever the incident id', () => {
    const { fields } = renderJiraIssue(sampleMessage({ incidentId: 'inc a\tb\r\nc' }), ISSUE_OPTS);
    for (const l of fields.labels as string[]) expect(l).toMatch(/^\S+$/);
  });
});

describe('renderJiraAdf', () => {
  it('builds the description from nodes: sentence, summary, facts, runbook, link', () => {
    const doc = renderJiraAdf(sampleMessage(), 'issue');
    expectInertAdf(doc, LINK);
    const [first, second] = doc.content;
    expect(first).toEqual({
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Keysnare opened this incident.', marks: [{ type: 'strong' }] },
      ],
    });
    expect(second?.content?.[0]?.text).toBe(sampleMessage().summary);
    const types = doc.content.map((n) => n.type);
    expect(types).toEqual([
      'paragraph',
      'paragraph',
      'heading',
      'bulletList',
      'heading',
      'orderedList',
      'paragraph',
      'paragraph',
    ]);
    const facts = doc.content[3]!.content!;
    expect(facts).toHaveLength(5);
    expect(facts[0]!.content![0]!.content).toEqual([
      { type: 'text', text: 'Key', marks: [{ type: 'strong' }] },
      { type: 'text', text: ': AKIAIOSFODNN7EXAMPLE' },
    ]);
  });

  it.each([
    ['updated', /^The incident has new activity/, true],
    ['reopened', /^The incident was reopened/, true],
    ['test', /^TEST alert from Keysnare/, true],
    ['acknowledged', /^The incident was acknowledged/, false],
    ['resolved', /^The incident was resolved/, false],
    ['false-positive', /^The incident was marked as a false positive/, false],
  ] as const)('comments on a %s alert in its own words', (kind, sentence, withFacts) => {
    const doc = renderJiraAdf(sampleMessage({ kind }), 'comment');
    expectInertAdf(doc, LINK);
    expect(doc.content[0]?.content?.[0]?.text).toMatch(sentence);
    expect(doc.content[1]?.content?.[0]?.text).toBe(sampleMessage().title);
    expect(doc.content.some((n) => n.type === 'bulletList')).toBe(withFacts);
  });

  it('keeps every hostile string in plain text nodes, with no control character', () => {
    for (const part of ['issue', 'comment'] as const) {
      const doc = renderJiraAdf(hostileMessage(), part);
      expectInertAdf(doc, LINK);
      const texts = nodes(doc).flatMap((n) => (n.text ? [n.text] : []));
      expect(
        texts.some((t) => t.includes('[~admin] {code}x{code} [link|https://evil.example]')),
      ).toBe(true);
    }
    const noLink = renderJiraAdf(hostileMessage({ link: 'javascript:alert(1)' }), 'issue');
    expectInertAdf(noLink, undefined);
    expect(JSON.stringify(noLink)).not.toContain('javascript:');
  });

  it('stays within Jira size with a 100 KB user agent and many facts', () => {
    const ua = `aws-cli/2.15.0 ${'"'.repeat(100 * 1024)}`;
    const message = hostileMessage({
      title: ua,
      summary: ua,
      userAgent: ua,
      facts: Array.from({ length: 60 }, (_, i) => ({ label: `User agent ${i}`, value: ua })),
      runbook: Array.from({ length: 30 }, () => ua),
    });
    for (const part of ['issue', 'comment'] as const) {
      const doc = renderJiraAdf({ ...message, kind: 'updated' }, part);
      expect(JSON.stringify(doc).length).toBeLessThanOrEqual(32_000);
      expectInertAdf(doc, LINK);
      const last = nodes(doc).filter((n) => n.text?.startsWith('… and '));
      expect(last.length).toBe(1);
      for (const n of nodes(doc)) expect(n.text?.length ?? 0).toBeLessThanOrEqual(2_000);
    }
  });
});

describe('renderJiraWiki', () => {
  it('puts every attacker-controlled string inside {noformat} blocks', () => {
    const wiki = renderJiraWiki(sampleMessage(), 'issue');
    expectInertWiki(wiki);
    expect(wiki.split('\n').slice(0, 4)).toEqual([
      '*Keysnare opened this incident.*',
      '{noformat}',
      sampleMessage().summary,
      '{noformat}',
    ]);
    expect(wiki).toContain('h3. Facts\n{noformat}\nKey: AKIAIOSFODNN7EXAMPLE\n');
    expect(wiki).toContain(`\n[Open in Keysnare|${LINK}]\n`);
  });

  it('leaves no live link, macro, mention or formatting in a hostile alert', () => {
    for (const kind of ALERT_KINDS)
      for (const part of ['issue', 'comment'] as const) {
        const wiki = renderJiraWiki(hostileMessage({ kind }), part);
        expectInertWiki(wiki);
        // The only link is Keysnare's own; the hostile [link|…] and [~admin] are inside blocks.
        expect(wiki.match(/^\[.*\]$/gm)).toEqual([`[Open in Keysnare|${LINK}]`]);
        expect(wiki).toContain('[ ~admin]');
      }
  });

  it('cannot be broken out of by a {noformat} in the text', () => {
    const wiki = renderJiraWiki(
      sampleMessage({
        title: '{noformat}h1. owned [~boss]',
        summary: 'a {noformat}\n*bold* {NoFormat:title=x} [x|https://evil.example]{noformat}',
        facts: [{ label: '{noformat}', value: '{noformat}{noformat}' }],
      }),
      'comment',
    );
    expectInertWiki(wiki);
    expect(wiki).toContain('{ noformat}h1. owned [ ~boss]');
    expect(wikiParts(wiki).markup).not.toContain('h1. owned');
  });

  it('percent-encodes what wiki markup could read in the link, and drops a non-http link', () => {
    const wiki = renderJiraWiki(
      sampleMessage({ link: 'https://keysnare.example/i/a|b]c[d{e}!*~+^' }),
      'issue',
    );
    expect(wiki).toContain(
      '[Open in Keysnare|https://keysnare.example/i/a%7Cb%5Dc%5Bd%7Be%7D%21%2A%7E%2B%5E]',
    );
    expect(renderJiraWiki(sampleMessage({ link: 'javascript:alert(1)' }), 'issue')).not.toContain(
      'Open in Keysnare',
    );
  });

  it('stays within Jira size with a 100 KB user agent and many facts', () => {
    const ua = `aws-cli/2.15.0 ${'[~x]{noformat}'.repeat(8 * 1024)}`;
    const wiki = renderJiraWiki(
      hostileMessage({
        title: ua,
        summary: ua,
        facts: Array.from({ length: 60 }, () => ({ label: 'User agent', value: ua })),
      }),
      'issue',
    );
    expect(wiki.length).toBeLessThanOrEqual(32_000);
    expect(wiki).toMatch(/… and \d+ more facts in Keysnare/);
    expectInertWiki(wiki);
  });
});

/** Arbitrary strings in every attacker-controlled field, with Jira's markup among the pieces. */
const arbitraryMessage = anyMessage(anyText(['{noformat}', '{NOFORMAT', '[~']), LINK);

function linkOf(message: AlertMessage): string | undefined {
  try {
    const u = new URL(message.link ?? '');
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

describe('the Jira renderers, over arbitrary strings', () => {
  it('give bodies that parse, keep the caps and hold no raw control character', () => {
    fc.assert(
      fc.property(
        arbitraryMessage,
        fc.constantFrom(2 as const, 3 as const),
        (message, apiVersion) => {
          const body = JSON.stringify(renderJiraIssue(message, { ...ISSUE_OPTS, apiVersion }));
          const { fields } = JSON.parse(body) as { fields: Record<string, unknown> };
          const summary = fields.summary as string;
          expect(summary.length).toBeLessThanOrEqual(255);
          expect(summary).not.toMatch(UNSAFE);
          for (const l of fields.labels as string[]) {
            expect(l).toMatch(/^\S+$/);
            expect(l.length).toBeLessThanOrEqual(255);
          }
          for (const part of ['issue', 'comment'] as const) {
            const doc = renderJiraAdf(message, part);
            expect(JSON.stringify(doc).length).toBeLessThanOrEqual(32_000);
            expectInertAdf(JSON.parse(JSON.stringify(doc)) as AdfDoc, linkOf(message));
            const wiki = renderJiraWiki(message, part);
            expect(wiki.length).toBeLessThanOrEqual(32_000);
            expectInertWiki(wiki);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
