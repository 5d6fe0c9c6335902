import type { IamUserInfo } from '../../../aws/ports.js';
import { findTells } from '../../names.js';
import type { AuditCheck, AuditProblem } from '../audit.js';
import { userPathOf } from '../identity.js';
import { requireIam, requireUserName } from '../live-inputs.js';
import { pathProblems } from '../path-tells.js';
import { quoted } from '../text.js';

const ID = 'live-user';

function tagProblems(user: IamUserInfo): AuditProblem[] {
  const tells = [...new Set(user.tags.flatMap((t) => findTells(`${t.key} ${t.value}`)))];
  if (tells.length === 0) return [];
  return [
    {
      code: `${ID}/tag-tells`,
      severity: 'low',
      message:
        `tags on user ${quoted(user.userName)} contain ${quoted(tells.join(', '))}. ` +
        'The key itself cannot read them, but anyone with read access to IAM in the account can.',
      fix: 'Keep bookkeeping in the Keysnare registry, not in tags; use tags like your real users have (team, cost-centre).',
    },
  ];
}

/** The canary user exists, and its live path and tags carry no tells. */
export const liveUser = {
  id: ID,
  title: 'Canary user as IAM sees it (live)',
  live: true,
  async run(token, ctx): Promise<AuditProblem[]> {
    const iam = requireIam(ctx);
    const name = requireUserName(token);
    const user = await iam.getUser(name);
    if (user === undefined) {
      return [
        {
          code: `${ID}/missing`,
          severity: 'high',
          message: `IAM user ${quoted(name)} does not exist, so the canary key is gone and cannot fire.`,
          fix: 'Mint a replacement canary for this placement and retire this token.',
        },
      ];
    }
    // The recorded path was already checked offline by path-tells; only a different live path is new.
    const livePath =
      user.path === userPathOf(token) ? [] : pathProblems(user.path, ID, 'IAM, live');
    return [...livePath, ...tagProblems(user)];
  },
} as const satisfies AuditCheck;
