import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileMessage, sampleMessage } from '../../../test/helpers/alert-message.js';
import { ALERT_KINDS, anyChatMessage } from '../../../test/helpers/sink-arbitrary.js';
import { postMessageResult, renderSlack, slackSink, slackText } from './slack.js';

const RAW = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const NOW = new Date('2026-11-30T10:06:00.000Z');

/** Every string in `v` (a rendered message), depth first. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON payloads, read in assertions
type Obj = Record<string, any>;
const blocksOf = (m = hostileMessage()): Obj[] => renderSlack(m).blocks as Obj[];

describe('slack mrkdwn escaping', () => {
  it('turns mentions, links, markup and entities into inert text', () => {
    expect(slackText('<!channel> <https://evil.example|click> *b* _i_ ~s~ `c` &amp;')).toBe(
      '&lt;!channel&gt; &lt;https:\u2215\u2215evil.example|click&gt; ∗b∗ ˍiˍ ∼s∼ ˋcˋ &amp;amp;',
    );
  });

  it('leaves no live markup from a hostile alert anywhere in the message', () => {
    const json = JSON.stringify(renderSlack(hostileMessage()));
    for (const live of ['<script', '<!channel>', '<https://evil', '*bold*', '_it_', '`code`'])
      expect(json).not.toContain(live);
    expect(json).not.toContain('https://evil.example');
    expect(json).toContain('&lt;!channel&gt;');
    expect(json).toContain('∗bold∗');
    // The alert's own "&amp;" shows as written, not as "&".
    expect(json).toContain('&amp;amp;');
    for (const s of strings(renderSlack(hostileMessage())))
      expect(s.replaceAll('\n', '')).not.toMatch(RAW);
  });

  it('marks every mrkdwn text verbatim so Slack links no bare URL or name', () => {
    const objects = blocksOf()
      .flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])] as Obj[])
      .filter((o) => o?.type === 'mrkdwn');
    expect(objects.length).toBeGreaterThan(3);
    expect(objects.every((o) => o.verbatim === true)).toBe(true);
  });
});

describe('slack blocks', () => {
  it('has a header, the summary, the facts as fields, the runbook, a button and the ids', () => {
    const blocks = blocksOf(sampleMessage());
    expect(blocks.map((b) => b.type as string)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    expect(blocks[0]!.text).toEqual({
      type: 'plain_text',
      text: '[CRITICAL] Canary key AKIAIOSFODNN7EXAMPLE used from 185.220.101.47',
      emoji: false,
    });
    expect(blocks[2]!.fields[0].text).toBe('*Key*\nAKIAIOSFODNN7EXAMPLE');
    expect(blocks[3]!.text.text).toMatch(/^\*Runbook\*\n1\. Deactivate .*\n2\. Treat .*\n3\. /);
    expect(blocks[4]!.elements[0].url).toBe(
      'https://keysnare.example/incidents/inc-00112233445566aa',
    );
    expect(blocks[5]!.elements[0].text).toContain('inc-00112233445566aa');
    expect(blocks[5]!.elements[0].text).toContain('honeytoken.used');
    expect(blocks[5]!.elements[0].text).toContain('alt-0123456789abcdef');
  });

  it('always has a text fallback naming the incident, with a link when there is one', () => {
    const { text } = renderSlack(sampleMessage({ kind: 'updated' }));
    expect(text).toMatch(/^\[CRITICAL\] Updated: Canary key/);
    expect(text).toContain('(incident inc-00112233445566aa)');
    expect(text).toMatch(
      /<https:\/\/keysnare\.example\/incidents\/inc-00112233445566aa\|Open incident>$/,
    );
    const { link: _link, ...unlinked } = sampleMessage();
    const none = renderSlack(unlinked);
    expect(none.text).not.toContain('<');
    expect(none.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('marks a test alert as a test in the header and the text', () => {
    const { text, blocks } = renderSlack(sampleMessage({ kind: 'test' }));
    expect((blocks[0] as Obj).text.text).toMatch(/^\[TEST\] /);
    expect(text).toMatch(/^\[TEST\] /);
    expect((blocks[1] as Obj).text.text).toMatch(/^\*TEST ALERT: nothing happened/);
  });

  it('words each kind differently', () => {
    const lines = ALERT_KINDS.map(
      (kind) => (blocksOf(sampleMessage({ kind }))[1]!.text.text as string).split('\n')[0],
    );
    expect(new Set(lines).size).toBe(ALERT_KINDS.length);
    expect(blocksOf(sampleMessage({ kind: 'resolved' }))[0]!.text.text as string).toMatch(
      /^\[CRITICAL\] Resolved: /,
    );
  });

  it("keeps Slack's limits with a 100 KB user agent and many facts and steps", () => {
    const ua = `${'&<'.repeat(25_000)}${'x'.repeat(50_000)}`;
    const m = sampleMessage({
      title: ua,
      summary: ua,
      userAgent: ua,
      facts: Array.from({ length: 45 }, (_, i) => ({ label: `${i} ${ua}`, value: ua })),
      runbook: Array.from({ length: 30 }, () => ua),
      rules: Array.from({ length: 500 }, (_, i) => `rule.${i}`),
    });
    const { text, blocks } = renderSlack(m) as { text: string; blocks: Obj[] };
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocks[0]!.text.text.length).toBeLessThanOrEqual(150);
    for (const b of blocks) {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      for (const e of b.elements ?? [])
        if (e.text?.length) expect(e.text.length).toBeLessThanOrEqual(3000);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    expect(text.length).toBeLessThan(3200);
    expect(text).toContain('(incident inc-00112233445566aa)');
    // A cut never leaves half an entity behind.
    for (const s of strings(blocks)) expect(s).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(blocks.at(-1)!.elements[0].text).toMatch(/15 more facts not shown/);
  });

  it('for any strings in the alert is valid JSON with no raw controls and no < > but its link', () => {
    const unit = fc.oneof(
      fc.constantFrom('<', '>', '&', '*', '_', '~', '`', '|', '!', '\n', '\r', '\u001b', '\u202e'),
      fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
    );
    const text = fc.string({ unit, maxLength: 80 });
    const link = 'https://keysnare.example/incidents/inc-00112233445566aa';
    fc.assert(
      fc.property(anyChatMessage(text), (m) => {
        const json = JSON.stringify(renderSlack(m));
        const parsed = JSON.parse(json) as unknown;
        for (const s of strings(parsed)) expect(s.replaceAll('\n', '')).not.toMatch(RAW);
        expect(json.replaceAll(`<${link}|Open incident>`, '')).not.toMatch(/[<>]/);
      }),
    );
  });
});

describe('slack options', () => {
  const parse = (o: unknown) => slackSink.options.safeParse(o);

  it('takes an incoming webhook, or a bot token and channel with an optional API URL', () => {
    expect(parse({ webhookUrl: 'https://hooks.slack.com/services/T/B/x' }).success).toBe(true);
    expect(parse({ token: 'xoxb-1', channel: 'C123' }).success).toBe(true);
    expect(
      parse({ token: 'xoxb-1', channel: 'C123', apiUrl: 'http://127.0.0.1:9/api' }).success,
    ).toBe(true);
  });

  it('refuses both modes, neither, half a bot and unknown keys, saying what to set', () => {
    for (const bad of [
      {},
      { webhookUrl: 'https://hooks.slack.com/services/T/B/x', token: 'xoxb-1', channel: 'C1' },
      { token: 'xoxb-1' },
      { channel: 'C1' },
      { webhookUrl: 'https://hooks.slack.com/services/T/B/x', apiUrl: 'https://slack.com/api' },
    ]) {
      const r = parse(bad);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/either webhookUrl .* or token and channel/);
    }
    expect(parse({ webhookUrl: 'https://hooks.slack.com/x', username: 'bot' }).success).toBe(false);
    expect(parse({ webhookUrl: 'file:///etc/passwd' }).success).toBe(false);
  });
});

describe('chat.postMessage answers', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers,
    body: JSON.stringify(body),
  });

  it('gives the ts as the ref of a first message and keeps the thread ref on a follow-up', () => {
    expect(postMessageResult(json(200, { ok: true, ts: '17.1' }), NOW)).toEqual({
      kind: 'ok',
      ref: '17.1',
    });
    expect(postMessageResult(json(200, { ok: true, ts: '17.9' }), NOW, '17.1')).toEqual({
      kind: 'ok',
      ref: '17.1',
    });
  });

  it('rejects a final ok:false, retries ratelimited and transient ones', () => {
    expect(postMessageResult(json(200, { ok: false, error: 'channel_not_found' }), NOW)).toEqual({
      kind: 'rejected',
      reason: 'Slack said channel_not_found',
    });
    expect(
      postMessageResult(
        json(200, { ok: false, error: 'ratelimited' }, { 'retry-after': '3' }),
        NOW,
      ),
    ).toEqual({ kind: 'indeterminate', error: 'Slack said ratelimited', retryAfterMs: 3000 });
    expect(postMessageResult(json(200, { ok: false, error: 'internal_error' }), NOW).kind).toBe(
      'indeterminate',
    );
    expect(postMessageResult({ status: 200, headers: {}, body: '<html>' }, NOW).kind).toBe(
      'indeterminate',
    );
    expect(postMessageResult({ status: 503, headers: {}, body: '' }, NOW).kind).toBe(
      'indeterminate',
    );
    expect(postMessageResult({ status: 404, headers: {}, body: 'no' }, NOW).kind).toBe('rejected');
  });

  it('keeps a hostile error code inert', () => {
    const r = postMessageResult(json(200, { ok: false, error: 'x\u001b[2J\ny' }), NOW);
    expect(r).toEqual({ kind: 'rejected', reason: 'Slack said x [2J y' });
  });
});
