/**
 * Every detectability check, in run order. Adding a check = one file + one line here.
 */
import type { AuditCheck } from '../audit.js';
import { baitTells } from './bait-tells.js';
import { legacyKeyId } from './legacy-key-id.js';
import { liveKeyStatus } from './live-key-status.js';
import { livePolicies } from './live-policies.js';
import { liveUser } from './live-user.js';
import { nameTells } from './name-tells.js';
import { pathTells } from './path-tells.js';
import { publicCanaryAccount } from './public-canary-account.js';
import { sharedKeyPrefix } from './shared-key-prefix.js';

/** The registered checks: offline ones first, then live ones (which need `ctx.iam`). */
export const auditChecks = [
  publicCanaryAccount,
  legacyKeyId,
  sharedKeyPrefix,
  nameTells,
  pathTells,
  baitTells,
  liveUser,
  liveKeyStatus,
  livePolicies,
] as const satisfies readonly AuditCheck[];
