import type { AuditCheck, AuditProblem } from '../audit.js';
import { requireIam, requireUserName } from '../live-inputs.js';
import { quoted } from '../text.js';

const ID = 'live-key-status';
const BLIND =
  'The canary is blind: calls with the key fail authentication and, as far as is known, never reach CloudTrail.';

/** The canary's key must exist on its user and be Active, or nothing will ever fire. */
export const liveKeyStatus = {
  id: ID,
  title: 'Canary key exists and is Active (live)',
  live: true,
  async run(token, ctx): Promise<AuditProblem[]> {
    // A retired token is meant to be switched off.
    if (token.status === 'retired') return [];
    const iam = requireIam(ctx);
    const user = requireUserName(token);
    const key = (await iam.listAccessKeys(user)).find((k) => k.accessKeyId === token.accessKeyId);
    if (key === undefined) {
      return [
        {
          code: `${ID}/missing`,
          severity: 'high',
          message: `key ${token.accessKeyId} no longer exists on user ${quoted(user)}. ${BLIND}`,
          fix: 'Mint a replacement canary for this placement and retire this token.',
        },
      ];
    }
    if (key.status === 'Active') return [];
    return [
      {
        code: `${ID}/inactive`,
        severity: 'high',
        message: `key ${token.accessKeyId} is ${quoted(key.status)}, not Active. ${BLIND}`,
        fix: 'Set the key Active again (aws iam update-access-key --status Active); canaries stay Active and powerless.',
      },
    ];
  },
  note(token) {
    return token.status === 'retired' ? 'retired token: key status not checked' : undefined;
  },
} as const satisfies AuditCheck;
