import { keyAnatomy } from '../../../core/key-anatomy.js';
import type { Token } from '../../../core/token.js';
import type { AuditCheck, AuditProblem } from '../audit.js';
import { parseUserArn } from '../identity.js';
import { publicCanaryListsFor } from '../public-canary-accounts.js';

const ID = 'public-canary-account';

function recordedAccount(token: Token): string | undefined {
  return (
    token.accountId ??
    (token.userArn === undefined ? undefined : parseUserArn(token.userArn)?.accountId)
  );
}

function listedProblem(account: string, how: string): AuditProblem[] {
  const lists = publicCanaryListsFor(account);
  if (lists.length === 0) return [];
  return [
    {
      code: `${ID}/listed`,
      severity: 'high',
      message:
        `account ${account} (${how}) is on ${lists.map((l) => l.title).join(' and ')}: ` +
        'scanners and attack tools recognise the key as a canary without calling AWS in a logged way.',
      fix: 'Mint canaries in an account of your own that no public list names (ideally a pool of accounts).',
    },
  ];
}

/** Account decoded from the key id (or recorded) appears on a public canary-account list. */
export const publicCanaryAccount = {
  id: ID,
  title: 'Account is on a public canary-account list',
  live: false,
  run(token) {
    const decoded = keyAnatomy(token.accessKeyId).accountId;
    const recorded = recordedAccount(token);
    const problems =
      decoded === undefined ? [] : listedProblem(decoded, 'decoded offline from the key id');
    if (recorded !== undefined && recorded !== decoded) {
      problems.push(
        ...listedProblem(
          recorded,
          'recorded; attackers get it from sts:GetAccessKeyInfo, logged only in their account',
        ),
      );
    }
    if (decoded !== undefined && recorded !== undefined && decoded !== recorded) {
      problems.push({
        code: `${ID}/account-mismatch`,
        severity: 'medium',
        message: `the key id decodes to account ${decoded} but the registry records ${recorded}.`,
        fix: "Correct the token's account (`keysnare token add` again or update it); alerts matched by account may miss it.",
      });
    }
    return problems;
  },
  note(token) {
    const anatomy = keyAnatomy(token.accessKeyId);
    return anatomy.accountId === undefined
      ? undefined
      : `key id reveals account ${anatomy.accountId} offline to anyone who sees it`;
  },
} as const satisfies AuditCheck;
