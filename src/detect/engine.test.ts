import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../core/index.js';
import { createCanaryIndex } from './canary-index.js';
import { createEngine, slimmer } from './engine.js';
import type { Rule } from './rule.js';
import { defineRule } from './rule.js';
import { ruleConfigSchema } from './rule-config.js';

function ev(eventName: string, eventSource: string, over: Partial<CloudEvent> = {}): CloudEvent {
  return {
    eventId: `${eventSource}/${eventName}`,
    eventName,
    eventSource,
    region: 'us-east-1',
    regionKnown: true,
    identity: { arn: 'arn:aws:iam::111122223333:user/dev' },
    sourceKind: 'ipv4',
    sourceIp: '198.51.100.7',
    userAgentClass: 'aws-cli',
    origin: { file: 'f', index: 0 },
    ...over,
  };
}

/** A rule that records every event it is offered. */
function probe(id: string, selector: Rule['selector'], seen: string[]): Rule {
  return defineRule({
    id,
    title: 'probe rule',
    severity: 'low',
    description: 'records what the engine offers it',
    runbook: ['a', 'b'],
    attack: [],
    source: 'cloudtrail',
    selector,
    match(e) {
      seen.push(e.eventId);
      return { groupKey: 'g' };
    },
    describe: () => ({ title: 't', details: {} }),
    samples: { match: [], nonMatch: [] },
  });
}

const ctx = { canaries: createCanaryIndex([]), managementPrincipals: new Set<string>() };

describe('createEngine', () => {
  it('offers an event only to rules whose selector holds it', () => {
    const named: string[] = [];
    const iam: string[] = [];
    const any: string[] = [];
    const canary: string[] = [];
    const engine = createEngine(
      [
        probe('t.named', { eventNames: ['GetCallerIdentity'] }, named),
        probe('t.iam', { eventSources: ['iam.amazonaws.com'] }, iam),
        probe('t.any', {}, any),
        probe('t.canary', { canary: true }, canary),
      ],
      ctx,
    );
    expect(engine.scope).toBe('all');
    engine.evaluate(ev('GetCallerIdentity', 'sts.amazonaws.com'));
    engine.evaluate(ev('GetUser', 'iam.amazonaws.com'));
    expect(named).toEqual(['sts.amazonaws.com/GetCallerIdentity']);
    expect(iam).toEqual(['iam.amazonaws.com/GetUser']);
    expect(any).toHaveLength(2);
    // No canary is registered: canary-only rules have nothing to look for.
    expect(canary).toEqual([]);
  });

  it('is canary-scoped only when every enabled rule is canary-only', () => {
    const rules = [probe('t.canary', { canary: true }, []), probe('t.any', {}, [])];
    expect(createEngine(rules, ctx).scope).toBe('all');
    const off = new Map([['t.any', ruleConfigSchema(rules[1]!).parse({ enabled: false })]]);
    const engine = createEngine(rules, { ...ctx, ruleConfig: off });
    expect(engine.scope).toBe('canary');
    expect(engine.rules.map((r) => r.id)).toEqual(['t.canary']);
  });

  it('keeps allow-listed events from a rule and applies a severity override', () => {
    const seen: string[] = [];
    const rule = probe('t.any', {}, seen);
    const config = ruleConfigSchema(rule).parse({
      severity: 'critical',
      allow: { cidrs: ['198.51.100.0/24'] },
    });
    const engine = createEngine([rule], { ...ctx, ruleConfig: new Map([[rule.id, config]]) });
    expect(engine.evaluate(ev('ListBuckets', 's3.amazonaws.com')).hits).toEqual([]);
    expect(
      engine.evaluate(ev('ListBuckets', 's3.amazonaws.com', { sourceIp: '192.0.2.1' })).hits,
    ).toHaveLength(1);
    expect(engine.severityOf(rule)).toBe('critical');
  });

  it('gives a rule first-seen sightings in event time, whatever order events arrive in', () => {
    const DAY = 24 * 3_600_000;
    const seen: (number | undefined)[] = [];
    const rule = defineRule({
      id: 't.first-seen',
      title: 'first-seen rule',
      severity: 'low',
      description: 'notes when a principal was last seen calling this API',
      runbook: ['a', 'b'],
      attack: [],
      source: 'cloudtrail',
      selector: {},
      stateful: true,
      match(e, c) {
        seen.push(c.state.seenBefore(e.identity.arn ?? '', e.eventName, 14 * DAY));
        return undefined;
      },
      describe: () => ({ title: 't', details: {} }),
      samples: { match: [], nonMatch: [] },
    });
    const engine = createEngine([rule], ctx);
    const at = (days: number) => ev('ListUsers', 'iam.amazonaws.com', { timeMs: days * DAY });
    engine.evaluate(at(10));
    engine.evaluate(at(3)); // arrives late: earlier in event time
    engine.evaluate(at(30));
    expect(seen).toEqual([undefined, undefined, undefined]);
    const reader = engine.describeContext(rule).state;
    const arn = 'arn:aws:iam::111122223333:user/dev';
    expect(reader.lastSeenBefore(arn, 'ListUsers', 10 * DAY, 14 * DAY)).toBe(3 * DAY);
    expect(reader.lastSeenBefore(arn, 'ListUsers', 30 * DAY, 14 * DAY)).toBeUndefined();
  });

  it('slim events keep what a stateful rule reads, and drop the rest, the raw record and the file name', () => {
    const reads = defineRule({
      id: 't.reads',
      title: 'reads requests',
      severity: 'low',
      description: 'a stateful rule that reads request parameters',
      runbook: ['a', 'b'],
      attack: [],
      source: 'cloudtrail',
      selector: {},
      stateful: true,
      reads: ['requestParameters'],
      match: () => undefined,
      describe: () => ({ title: 't', details: {} }),
      samples: { match: [], nonMatch: [] },
    });
    const full = {
      ...ev('AttachUserPolicy', 'iam.amazonaws.com', { timeMs: 86_400_000 }),
      requestParameters: { userName: 'x' },
      responseElements: { y: 1 },
      raw: { eventName: 'AttachUserPolicy' },
    } as CloudEvent;
    const slim = slimmer([reads])(full);
    expect(slim.requestParameters).toEqual({ userName: 'x' });
    expect(slim.responseElements).toBeUndefined();
    expect(slim.raw).toBeUndefined();
    expect(slim.origin.file).toBe('');
    expect(slim.eventName).toBe('AttachUserPolicy');
  });
});
