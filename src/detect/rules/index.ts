import type { Rule } from '../rule.js';
import { honeytokenTampered } from './honeytoken-tampered.js';
import { honeytokenUsed } from './honeytoken-used.js';
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
] as const satisfies readonly Rule[];
