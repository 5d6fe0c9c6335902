/**
 * The paging and ticketing sinks (PagerDuty, Opsgenie, Jira) against real local HTTP receivers:
 * what goes on the wire, how each destination's answers are read, threading and de-duplication,
 * and the target guard's default.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jiraSink } from '../src/alert/sinks/jira.js';
import { opsgenieSink } from '../src/alert/sinks/opsgenie.js';
import { pagerdutySink } from '../src/alert/sinks/pagerduty.js';
import type { Sink, SinkContext } from '../src/alert/sink.js';
import { hostileMessage, sampleMessage, testSinkContext } from './helpers/alert-message.js';
import type { Answer, Receiver, Received } from './helpers/receiver.js';
import { startReceiver } from './helpers/receiver.js';
import { expectRefusedLoopback, expectUnreachable } from './helpers/sink-assert.js';

const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const GENIE_KEY = '11111111-2222-3333-4444-555555555555';
const JIRA_TOKEN = 'ATATT3xFfGF0-jira-api-token';
const PAT = 'NjE2NzA3NjM2NDIwOqrS-data-center-pat';
const LABEL = 'keysnare-inc-00112233445566aa';

const receivers: Receiver[] = [];
async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function pagerduty(rec: Receiver, ctx: SinkContext = testSinkContext('pd')): Sink {
  const opts = pagerdutySink.options.parse({
    routingKey: ROUTING_KEY,
    url: `${rec.url}/v2/enqueue`,
  });
  return pagerdutySink.create(opts, ctx);
}

function opsgenie(rec: Receiver, ctx: SinkContext = testSinkContext('og')): Sink {
  const opts = opsgenieSink.options.parse({
    apiKey: GENIE_KEY,
    url: rec.url,
    responders: [{ type: 'team', name: 'secops' }],
  });
  return opsgenieSink.create(opts, ctx);
}

function jira(rec: Receiver, over: object = {}, ctx: SinkContext = testSinkContext('jira')): Sink {
  const opts = jiraSink.options.parse({
    url: `${rec.url}/`,
    email: 'alerts@acme.example',
    apiToken: JIRA_TOKEN,
    project: 'SEC',
    priorities: { critical: 'Highest' },
    ...over,
  });
  return jiraSink.create(opts, ctx);
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

describe('pagerduty sink', () => {
  const accepted = json(202, { status: 'success', message: 'Event processed', dedup_key: LABEL });

  it('triggers, then resolves the same PagerDuty alert', async () => {
    const rec = await receiver();
    rec.fallback = accepted;
    const sink = pagerduty(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok' });
    const resolved = sampleMessage({ kind: 'resolved', state: 'resolved', alertId: 'alt-2' });
    expect(await sink.deliver(resolved, undefined)).toEqual({ kind: 'ok' });

    const [trigger, resolve] = rec.received;
    expect(trigger).toMatchObject({ method: 'POST', path: '/v2/enqueue' });
    expect(trigger!.headers['content-type']).toBe('application/json');
    expect(trigger!.headers.authorization).toBeUndefined();
    const t = trigger!.json() as Record<string, unknown>;
    const r = resolve!.json() as Record<string, unknown>;
    expect(t).toMatchObject({
      event_action: 'trigger',
      dedup_key: LABEL,
      routing_key: ROUTING_KEY,
    });
    expect(r).toEqual({ event_action: 'resolve', dedup_key: LABEL, routing_key: ROUTING_KEY });
    expect(t.payload).toMatchObject({ severity: 'critical', source: 'keysnare-test' });
  });

  it("rejects a 400 with PagerDuty's error text, never the routing key", async () => {
    const rec = await receiver();
    rec.script(
      json(400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: [`Length of 'routing_key' is incorrect (should be 32 characters): ${ROUTING_KEY}`],
      }),
    );
    const result = await pagerduty(rec).deliver(sampleMessage(), undefined);
    expect(result.kind).toBe('rejected');
    const reason = result.kind === 'rejected' ? result.reason : '';
    expect(reason).toMatch(/^HTTP 400: Event object is invalid; Length of 'routing_key'/);
    expect(reason).not.toContain(ROUTING_KEY);
    expect(reason).toContain('[redacted]');
  });

  it('retries a 429 no sooner than Retry-After, and a 5xx later', async () => {
    const rec = await receiver();
    rec.script(
      json(
        429,
        { status: 'throttle event', message: 'Requests for this service are arriving too quickly' },
        { 'retry-after': '30' },
      ),
      { status: 503, body: 'unavailable' },
    );
    const sink = pagerduty(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toMatchObject({
      kind: 'indeterminate',
      retryAfterMs: 30_000,
    });
    expect(await sink.deliver(sampleMessage(), undefined)).toMatchObject({
      kind: 'indeterminate',
      error: 'HTTP 503: unavailable',
    });
  });
});

describe('opsgenie sink', () => {
  const accepted = json(202, { result: 'Request will be processed', took: 0.1, requestId: 'r-1' });

  it('creates, notes, acknowledges and closes one alert by its alias, with the GenieKey', async () => {
    const rec = await receiver();
    rec.fallback = accepted;
    const sink = opsgenie(rec);
    for (const kind of ['opened', 'updated', 'acknowledged', 'resolved'] as const)
      expect(await sink.deliver(sampleMessage({ kind }), undefined)).toEqual({ kind: 'ok' });

    expect(rec.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v2/alerts',
      `POST /v2/alerts/${LABEL}/notes?identifierType=alias`,
      `POST /v2/alerts/${LABEL}/acknowledge?identifierType=alias`,
      `POST /v2/alerts/${LABEL}/close?identifierType=alias`,
    ]);
    for (const r of rec.received) expect(r.headers.authorization).toBe(`GenieKey ${GENIE_KEY}`);
    const [create, note, , close] = rec.received.map((r) => r.json() as Record<string, unknown>);
    expect(create).toMatchObject({
      alias: LABEL,
      priority: 'P1',
      source: 'keysnare',
      responders: [{ type: 'team', name: 'secops' }],
    });
    expect(note).toMatchObject({ source: 'keysnare' });
    expect(note!.note).toMatch(/^The incident has new activity/);
    expect(close).toMatchObject({ source: 'keysnare' });
    expect(close!.note).toMatch(/^The incident was resolved/);
  });

  it("rejects a 422 with Opsgenie's message and field errors, never the API key", async () => {
    const rec = await receiver();
    rec.script(
      json(422, {
        message: 'Request body is not processable. Please check the errors.',
        errors: { message: 'Message can not be empty.' },
        took: 0.0,
      }),
      json(401, { message: `Key format is not valid! (${GENIE_KEY})`, took: 0.0 }),
    );
    const sink = opsgenie(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({
      kind: 'rejected',
      reason:
        'HTTP 422: Request body is not processable. Please check the errors.; message: Message can not be empty.',
    });
    const second = await sink.deliver(sampleMessage(), undefined);
    expect(second).toEqual({
      kind: 'rejected',
      reason: 'HTTP 401: Key format is not valid! ([redacted])',
    });
  });
});

/** A small Jira: issues with labels, JQL label search, issue creation and comments. */
interface FakeJira {
  readonly issues: { key: string; labels: string[]; description: unknown }[];
  readonly comments: { key: string; body: unknown }[];
  /** Answers the next create with this status after making the issue (a lost answer). */
  loseNextCreate?: number;
  /** Search paths this Jira does not have (410 Gone, as Cloud answers for the old one). */
  gone: string[];
}

function fakeJira(rec: Receiver, version: 2 | 3): FakeJira {
  const jira: FakeJira = { issues: [], comments: [], gone: [] };
  const api = `/rest/api/${version}`;
  rec.fallback = (r: Received): Answer => {
    const url = new URL(r.path, 'http://jira.invalid');
    if (r.method === 'GET' && url.pathname.startsWith(`${api}/search`)) {
      if (jira.gone.includes(url.pathname))
        return json(410, { errorMessages: ['The requested API has been removed.'] });
      const label = /labels = "([^"]+)"/.exec(url.searchParams.get('jql') ?? '')?.[1];
      const found = jira.issues.filter((i) => label !== undefined && i.labels.includes(label));
      return json(200, { issues: found.slice(0, 1).map((i) => ({ id: '10000', key: i.key })) });
    }
    if (r.method === 'POST' && url.pathname === `${api}/issue`) {
      const { fields } = r.json() as { fields: { labels: string[]; description: unknown } };
      const key = `SEC-${jira.issues.length + 1}`;
      jira.issues.push({ key, labels: fields.labels, description: fields.description });
      const lost = jira.loseNextCreate;
      delete jira.loseNextCreate;
      return lost
        ? { status: lost, body: 'gateway timeout' }
        : json(201, { id: '10000', key, self: `${rec.url}${api}/issue/10000` });
    }
    const comment = new RegExp(`^${api}/issue/([^/]+)/comment$`).exec(url.pathname);
    if (r.method === 'POST' && comment) {
      jira.comments.push({
        key: decodeURIComponent(comment[1]!),
        body: (r.json() as { body: unknown }).body,
      });
      return json(201, { id: '20000' });
    }
    return json(404, { errorMessages: ['Not found'] });
  };
  return jira;
}

describe('jira sink', () => {
  it('v3: searches, then creates the issue and returns its key; a follow-up comments on it', async () => {
    const rec = await receiver();
    const fake = fakeJira(rec, 3);
    const sink = jira(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok', ref: 'SEC-1' });

    const [search, create] = rec.received;
    expect(search!.method).toBe('GET');
    const url = new URL(search!.path, 'http://x');
    expect(url.pathname).toBe('/rest/api/3/search/jql');
    expect(url.searchParams.get('jql')).toBe(`project = "SEC" AND labels = "${LABEL}"`);
    expect(url.searchParams.get('fields')).toBe('key');
    expect(url.searchParams.get('maxResults')).toBe('1');
    expect(create).toMatchObject({ method: 'POST', path: '/rest/api/3/issue' });
    expect(create!.headers['content-type']).toBe('application/json');
    expect(create!.json()).toMatchObject({
      fields: {
        project: { key: 'SEC' },
        issuetype: { name: 'Task' },
        summary: sampleMessage().title,
        labels: ['keysnare', LABEL],
        priority: { name: 'Highest' },
        description: { type: 'doc', version: 1 },
      },
    });

    const update = sampleMessage({ kind: 'updated', alertId: 'alt-2', revision: 2 });
    expect(await sink.deliver(update, 'SEC-1')).toEqual({ kind: 'ok', ref: 'SEC-1' });
    expect(rec.received[2]).toMatchObject({
      method: 'POST',
      path: '/rest/api/3/issue/SEC-1/comment',
    });
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]!.body).toMatchObject({ type: 'doc', version: 1 });
  });

  it('takes the issue a second first delivery finds instead of making a duplicate', async () => {
    const rec = await receiver();
    const fake = fakeJira(rec, 3);
    const sink = jira(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok', ref: 'SEC-1' });
    const before = rec.received.length;
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok', ref: 'SEC-1' });
    expect(rec.received.slice(before).map((r) => r.method)).toEqual(['GET']);
    expect(fake.issues).toHaveLength(1);
  });

  it('after a create whose answer was lost, the retry finds that issue', async () => {
    const rec = await receiver();
    const fake = fakeJira(rec, 3);
    fake.loseNextCreate = 504;
    const sink = jira(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toMatchObject({
      kind: 'indeterminate',
      error: 'HTTP 504: gateway timeout',
    });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok', ref: 'SEC-1' });
    expect(fake.issues).toHaveLength(1);
  });

  it('v2: sends wiki markup in which hostile strings stay inert, with Basic auth', async () => {
    const rec = await receiver();
    const fake = fakeJira(rec, 2);
    const sink = jira(rec, { apiVersion: 2 });
    expect(await sink.deliver(hostileMessage(), undefined)).toEqual({ kind: 'ok', ref: 'SEC-1' });
    const basic = Buffer.from(`alerts@acme.example:${JIRA_TOKEN}`).toString('base64');
    for (const r of rec.received) expect(r.headers.authorization).toBe(`Basic ${basic}`);
    expect(new URL(rec.received[0]!.path, 'http://x').pathname).toBe('/rest/api/2/search');

    await sink.deliver(hostileMessage({ kind: 'updated' }), 'SEC-1');
    for (const wiki of [fake.issues[0]!.description, fake.comments[0]!.body]) {
      expect(typeof wiki).toBe('string');
      const text = wiki as string;
      let inBlock = false;
      for (const line of text.split('\n')) {
        if (line === '{noformat}') inBlock = !inBlock;
        else if (inBlock) expect(line).not.toMatch(/\{noformat|\[~/i);
        // Outside a block there are only this sink's own lines.
        else
          expect(line).toMatch(
            /^(?:\*[A-Za-z ,.:;]+\*|h3\. (?:Facts|Runbook)|\[Open in Keysnare\|https:\/\/keysnare\.example\/incidents\/inc-00112233445566aa\])$/,
          );
      }
      expect(inBlock).toBe(false);
      expect(text).not.toContain('[~admin]');
      // Line feeds are the sink's own; no other control, format or separator character is left.
      expect(text.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    }
  });

  it('sends a Data Center token as Bearer', async () => {
    const rec = await receiver();
    fakeJira(rec, 2);
    const sink = jira(rec, { apiVersion: 2, email: undefined, apiToken: undefined, token: PAT });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({ kind: 'ok', ref: 'SEC-1' });
    for (const r of rec.received) expect(r.headers.authorization).toBe(`Bearer ${PAT}`);
  });

  it('falls back to the other search when Jira says the first is gone', async () => {
    const rec = await receiver();
    const fake = fakeJira(rec, 2);
    fake.gone.push('/rest/api/2/search');
    expect(await jira(rec, { apiVersion: 2 }).deliver(sampleMessage(), undefined)).toEqual({
      kind: 'ok',
      ref: 'SEC-1',
    });
    expect(rec.received.map((r) => `${r.method} ${new URL(r.path, 'http://x').pathname}`)).toEqual([
      'GET /rest/api/2/search',
      'GET /rest/api/2/search/jql',
      'POST /rest/api/2/issue',
    ]);
  });

  it("rejects 400, 401 and 403 with Jira's errors, never the token; honours a 429", async () => {
    const rec = await receiver();
    const empty = json(200, { issues: [] });
    rec.script(
      empty,
      json(400, {
        errorMessages: [],
        errors: { summary: 'You must specify a summary of the issue.' },
      }),
      json(401, { errorMessages: [`Token ${JIRA_TOKEN} is not valid`], errors: {} }),
      json(403, {
        errorMessages: ['You do not have permission to create issues in this project.'],
      }),
      json(429, { errorMessages: ['Rate limit exceeded.'] }, { 'retry-after': '12' }),
    );
    const sink = jira(rec);
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: summary: You must specify a summary of the issue.',
    });
    expect(await sink.deliver(sampleMessage(), undefined)).toEqual({
      kind: 'rejected',
      reason: 'HTTP 401: Token [redacted] is not valid',
    });
    expect(await sink.deliver(sampleMessage(), 'SEC-1')).toEqual({
      kind: 'rejected',
      reason: 'HTTP 403: You do not have permission to create issues in this project.',
    });
    expect(await sink.deliver(sampleMessage(), undefined)).toMatchObject({
      kind: 'indeterminate',
      retryAfterMs: 12_000,
    });
  });
});

describe('every paging sink', () => {
  const sinks: [string, (rec: Receiver, ctx: SinkContext) => Sink][] = [
    ['pagerduty', (rec, ctx) => pagerduty(rec, ctx)],
    ['opsgenie', (rec, ctx) => opsgenie(rec, ctx)],
    ['jira', (rec, ctx) => jira(rec, {}, ctx)],
  ];

  it.each(sinks)('%s: a receiver that is down gives indeterminate', async (name, make) => {
    const rec = await receiver();
    await rec.close();
    expectUnreachable(await make(rec, testSinkContext(name)).deliver(sampleMessage(), undefined));
  });

  it.each(sinks)(
    '%s: refuses 127.0.0.1 unless allowPrivateTargets, sending nothing',
    async (name, make) => {
      const rec = await receiver();
      const sink = make(rec, testSinkContext(name, { allowPrivate: false }));
      expectRefusedLoopback(await sink.deliver(sampleMessage(), undefined));
      expect(rec.received).toEqual([]);
    },
  );
});
