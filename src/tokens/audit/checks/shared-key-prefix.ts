import { keyAnatomy } from '../../../core/key-anatomy.js';
import type { Token } from '../../../core/token.js';
import type { AuditCheck, AuditProblem } from '../audit.js';

const ID = 'shared-key-prefix';

function commonPrefix(ids: readonly string[]): string {
  const first = ids[0] ?? '';
  let n = first.length;
  for (const id of ids) {
    let i = 0;
    while (i < n && id[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}

/** Active tokens with an account decodable from the key id, grouped by that account. */
function activeByAccount(tokens: readonly Token[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of tokens) {
    const account = t.status === 'active' ? keyAnatomy(t.accessKeyId).accountId : undefined;
    if (account === undefined) continue;
    const ids = groups.get(account) ?? [];
    if (!ids.includes(t.accessKeyId)) ids.push(t.accessKeyId);
    groups.set(account, ids);
  }
  return groups;
}

/**
 * Many canaries in one account share the same visible key-id prefix: one leaked canary (or one
 * public list entry) fingerprints all of them.
 */
export const sharedKeyPrefix = {
  id: ID,
  title: 'Canaries share one account (one visible key-id prefix)',
  live: false,
  run(token, ctx): AuditProblem[] {
    const account = keyAnatomy(token.accessKeyId).accountId;
    if (account === undefined) return [];
    const groups = activeByAccount([...ctx.allTokens.filter((t) => t.id !== token.id), token]);
    const ids = groups.get(account) ?? [];
    const total = [...groups.values()].reduce((sum, g) => sum + g.length, 0);
    const alone = groups.size === 1;
    // A pool spreads tokens over accounts; only a dominant account is a fingerprint.
    if (ids.length < 2 || (!alone && ids.length * 2 <= total)) return [];
    const prefix = commonPrefix(ids);
    const share = alone
      ? `all ${ids.length} active canaries`
      : `${ids.length} of ${total} active canaries`;
    return [
      {
        code: `${ID}/${alone ? 'single-account' : 'dominant-account'}`,
        severity: alone ? 'medium' : 'low',
        message:
          `${share} are in account ${account} and share the key-id prefix ${prefix}: ` +
          'anyone who recognises one (or finds the account on a list) recognises the rest.',
        fix: 'Spread canaries across a pool of accounts (AWS Organizations), ideally including accounts that also hold real workloads.',
      },
    ];
  },
} as const satisfies AuditCheck;
