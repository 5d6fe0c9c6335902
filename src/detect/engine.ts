/**
 * The detection engine: events × rules → hits (and facts learned about canaries). No I/O.
 */
import type { CloudEvent, TokenFact } from '../core/index.js';
import type { HitSummary, Rule, RuleContext } from './rule.js';

/** What evaluating one event produced. */
export interface Evaluation {
  readonly hits: HitSummary[];
  readonly facts: TokenFact[];
}

/** A configured engine. */
export interface Engine {
  /** 'canary' when every enabled rule only needs events that mention a canary identifier. */
  readonly scope: 'canary' | 'all';
  readonly rules: readonly Rule[];
  readonly ctx: RuleContext;
  evaluate(event: CloudEvent): Evaluation;
}

const NONE: Evaluation = { hits: [], facts: [] };

/** Builds an engine over `rules`; facts learned from an event are visible to the next event. */
export function createEngine(rules: readonly Rule[], ctx: RuleContext): Engine {
  const scope = rules.every((r) => r.scope === 'canary') ? 'canary' : 'all';
  return {
    scope,
    rules,
    ctx,
    evaluate(event) {
      const canary = ctx.canaries.match(event);
      const facts = canary ? ctx.canaries.learn(event, canary) : [];
      if (facts.length > 0) ctx.canaries.addFacts(facts);
      let hits: HitSummary[] | undefined;
      for (const rule of rules) {
        const m = rule.match(event, ctx);
        if (!m) continue;
        (hits ??= []).push(summarize(rule.id, event, m.groupKey, m.tokenId, m.note));
      }
      return hits || facts.length ? { hits: hits ?? [], facts } : NONE;
    },
  };
}

function summarize(
  rule: string,
  e: CloudEvent,
  groupKey: string,
  tokenId: string | undefined,
  note: HitSummary['note'],
): HitSummary {
  const h: Record<string, unknown> = {
    rule,
    groupKey,
    eventId: e.eventId,
    eventName: e.eventName,
    eventSource: e.eventSource,
    region: e.region,
  };
  if (e.time !== undefined) h['time'] = e.time;
  if (e.timeMs !== undefined) h['timeMs'] = e.timeMs;
  if (e.sourceIp !== undefined) h['sourceIp'] = e.sourceIp;
  if (e.userAgent !== undefined) h['userAgent'] = e.userAgent;
  h['userAgentClass'] = e.userAgentClass;
  if (e.identity.accessKeyId !== undefined) h['accessKeyId'] = e.identity.accessKeyId;
  const arn = e.identity.arn ?? e.identity.issuerArn;
  if (arn !== undefined) h['principalArn'] = arn;
  const account = e.identity.accountId ?? e.recipientAccountId;
  if (account !== undefined) h['accountId'] = account;
  if (e.errorCode !== undefined) h['errorCode'] = e.errorCode;
  if (tokenId !== undefined) h['tokenId'] = tokenId;
  if (note !== undefined) h['note'] = note;
  return h as unknown as HitSummary;
}
