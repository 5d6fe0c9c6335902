/**
 * The canary index: every identifier linked to a canary token — registered key ids, user ARNs,
 * principal ids and names, plus what was learned from events (session keys from GetSessionToken,
 * federated users from GetFederationToken, the user's ARN when the registry lacked it).
 */
import type { CloudEvent, Token, TokenFact } from '../core/index.js';

/** How an event was tied to a canary. */
export type CanaryVia =
  | 'access-key'
  | 'previous-key'
  | 'session-key'
  | 'user-arn'
  | 'principal-id'
  | 'federated-issuer'
  | 'user-name';

/** A canary match. */
export interface CanaryMatch {
  readonly tokenId: string;
  readonly via: CanaryVia;
}

/** Lookups over canary identifiers. */
export interface CanaryIndex {
  /** Which canary, if any, made this event. */
  match(event: CloudEvent): CanaryMatch | undefined;
  /** Token ids whose IAM user has this name (case-insensitive), for rules about actions on canaries. */
  tokensByUserName(name: string): readonly string[];
  token(id: string): Token | undefined;
  /** New facts this event teaches about the canary it matched. */
  learn(event: CloudEvent, match: CanaryMatch): TokenFact[];
  /** Add facts; returns how many were new to the index. */
  addFacts(facts: readonly TokenFact[]): number;
  /** Identifier strings whose absence from a record's text proves no canary is involved. */
  needles(): Set<string>;
  readonly size: number;
}

const TRUSTED_VIA: ReadonlySet<CanaryVia> = new Set([
  'access-key',
  'previous-key',
  'session-key',
  'principal-id',
  'user-arn',
]);

/** Builds a {@link CanaryIndex} from tokens (active and retired) and learned facts. */
export function createCanaryIndex(
  tokens: readonly Token[],
  facts: readonly TokenFact[] = [],
): CanaryIndex {
  const byId = new Map<string, Token>();
  const keys = new Map<string, string>();
  const sessionKeys = new Set<string>();
  const previousKeys = new Set<string>();
  const arns = new Map<string, string>();
  const federatedArns = new Map<string, string>();
  const sharedFederatedArns = new Set<string>();
  const principals = new Map<string, string>();
  const names = new Map<string, string[]>();
  const nameAccount = new Map<string, string>();

  const addName = (tokenId: string, name: string, account: string | undefined): void => {
    const lower = name.toLowerCase();
    const list = names.get(lower) ?? [];
    if (!list.includes(tokenId)) list.push(tokenId);
    names.set(lower, list);
    if (account) nameAccount.set(`${account}|${lower}`, tokenId);
  };
  const addFact = (f: TokenFact): boolean => {
    const target = {
      'user-arn': arns,
      'federated-arn': federatedArns,
      'principal-id': principals,
      'session-key': keys,
      'previous-key': keys,
      'user-name': undefined,
      'account-id': undefined,
    }[f.kind];
    if (f.kind === 'user-name') {
      const before = names.get(f.value.toLowerCase())?.includes(f.tokenId) ?? false;
      addName(f.tokenId, f.value, byId.get(f.tokenId)?.accountId);
      return !before;
    }
    if (f.kind === 'federated-arn' && federatedArns.get(f.value) !== f.tokenId) {
      // Federated users of two canaries with one name share the ARN: it then names neither (the
      // issuer does), whichever was learned first.
      if (federatedArns.has(f.value)) sharedFederatedArns.add(f.value);
    }
    if (!target || target.has(f.value)) return false;
    target.set(f.value, f.tokenId);
    if (f.kind === 'session-key') sessionKeys.add(f.value);
    if (f.kind === 'previous-key') previousKeys.add(f.value);
    return true;
  };

  for (const t of tokens) {
    byId.set(t.id, t);
    keys.set(t.accessKeyId, t.id);
    if (t.userArn) arns.set(t.userArn, t.id);
    if (t.principalId) principals.set(t.principalId, t.id);
    if (t.userName) addName(t.id, t.userName, t.accountId ?? accountFromArn(t.userArn));
  }
  for (const f of facts) addFact(f);

  return {
    get size() {
      return byId.size;
    },
    token: (id) => byId.get(id),
    tokensByUserName: (name) => names.get(name.toLowerCase()) ?? [],
    match(event) {
      const maps = {
        keys,
        sessionKeys,
        previousKeys,
        arns,
        federatedArns,
        sharedFederatedArns,
        principals,
        nameAccount,
      };
      return matchEvent(event, maps);
    },
    learn(event, match) {
      return TRUSTED_VIA.has(match.via) ? learnFromEvent(event, match.tokenId) : [];
    },
    addFacts(list) {
      let added = 0;
      for (const f of list) if (addFact(f)) added++;
      return added;
    },
    needles() {
      const out = new Set<string>();
      for (const k of keys.keys()) out.add(k);
      for (const p of principals.keys()) out.add(p);
      for (const n of names.keys()) out.add(n);
      return out;
    },
  };
}

interface Maps {
  keys: Map<string, string>;
  sessionKeys: Set<string>;
  previousKeys: Set<string>;
  arns: Map<string, string>;
  federatedArns: Map<string, string>;
  /** Federated ARNs learned for more than one canary: they name none. */
  sharedFederatedArns: ReadonlySet<string>;
  principals: Map<string, string>;
  nameAccount: Map<string, string>;
}

function matchEvent(event: CloudEvent, m: Maps): CanaryMatch | undefined {
  const id = event.identity;
  if (id.accessKeyId) {
    const t = m.keys.get(id.accessKeyId);
    if (t) return { tokenId: t, via: keyVia(m, id.accessKeyId) };
  }
  if (id.arn) {
    const federated = m.sharedFederatedArns.has(id.arn) ? undefined : m.federatedArns.get(id.arn);
    const t = m.arns.get(id.arn) ?? federated;
    if (t) return { tokenId: t, via: m.arns.has(id.arn) ? 'user-arn' : 'federated-issuer' };
  }
  if (id.principalId) {
    const t = m.principals.get(id.principalId);
    if (t) return { tokenId: t, via: 'principal-id' };
  }
  const issuer =
    (id.issuerArn ? m.arns.get(id.issuerArn) : undefined) ??
    (id.issuerPrincipalId ? m.principals.get(id.issuerPrincipalId) : undefined);
  if (issuer) return { tokenId: issuer, via: 'federated-issuer' };
  if (!id.arn && id.userName && (id.type === 'IAMUser' || id.type === undefined)) {
    const account = id.accountId ?? event.recipientAccountId;
    const t = account ? m.nameAccount.get(`${account}|${id.userName.toLowerCase()}`) : undefined;
    if (t) return { tokenId: t, via: 'user-name' };
  }
  return undefined;
}

function keyVia(m: Maps, keyId: string): CanaryVia {
  if (m.sessionKeys.has(keyId)) return 'session-key';
  return m.previousKeys.has(keyId) ? 'previous-key' : 'access-key';
}

function learnFromEvent(event: CloudEvent, tokenId: string): TokenFact[] {
  const facts: TokenFact[] = [];
  const add = (kind: TokenFact['kind'], value: unknown): void => {
    if (typeof value === 'string' && value.length > 0 && value.length <= 2048) {
      facts.push({ tokenId, kind, value, eventId: event.eventId });
    }
  };
  const id = event.identity;
  if (id.type === 'IAMUser') {
    add('user-arn', id.arn);
    add('principal-id', id.principalId);
    add('user-name', id.userName);
  }
  if (!event.errorCode && event.responseElements) {
    const creds = asRecord(event.responseElements['credentials']);
    if (creds) add('session-key', creds['accessKeyId']);
    if (event.eventName === 'GetFederationToken') {
      add('federated-arn', asRecord(event.responseElements['federatedUser'])?.['arn']);
    }
  }
  return facts;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function accountFromArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[4] || undefined;
}
