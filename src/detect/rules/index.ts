import type { Rule } from '../rule.js';
import { anomalyFirstSeenApi } from './anomaly-first-seen-api.js';
import { anomalyNewSourceNetwork } from './anomaly-new-source-network.js';
import { defenseEvasionLoggingTampered } from './defense-evasion-logging-tampered.js';
import { honeytokenTampered } from './honeytoken-tampered.js';
import { honeytokenUsed } from './honeytoken-used.js';
import { impactMultiRegionCompute } from './impact-multi-region-compute.js';
import { impactUnusualInstanceType } from './impact-unusual-instance-type.js';
import { credentialsSessionTokenFromUser } from './credentials-session-token-from-user.js';
import { persistenceAccessKeyForOtherUser } from './persistence-access-key-for-other-user.js';
import { persistenceKeySwap } from './persistence-key-swap.js';
import { persistenceRoleCreated } from './persistence-role-created.js';
import { persistenceUserOrLoginCreated } from './persistence-user-or-login-created.js';
import { privescTrustPolicyModified } from './privesc-trust-policy-modified.js';
import { reconAccessDeniedBurst } from './recon-access-denied-burst.js';
import { reconKeyEnumeration } from './recon-key-enumeration.js';
import { reconSesEnumeration } from './recon-ses-enumeration.js';
import { useragentOffensiveOs } from './useragent-offensive-os.js';
import { useragentOffensiveTool } from './useragent-offensive-tool.js';

/** Every built-in rule. Adding a rule = one file + one line here. */
export const rules = [
  honeytokenUsed,
  honeytokenTampered,
  useragentOffensiveOs,
  useragentOffensiveTool,
  reconKeyEnumeration,
  reconAccessDeniedBurst,
  reconSesEnumeration,
  persistenceAccessKeyForOtherUser,
  persistenceKeySwap,
  persistenceUserOrLoginCreated,
  persistenceRoleCreated,
  privescTrustPolicyModified,
  credentialsSessionTokenFromUser,
  impactMultiRegionCompute,
  impactUnusualInstanceType,
  defenseEvasionLoggingTampered,
  anomalyFirstSeenApi,
  anomalyNewSourceNetwork,
] as const satisfies readonly Rule[];
