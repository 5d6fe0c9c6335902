import { keyAnatomy } from '../../../core/key-anatomy.js';
import type { AuditCheck } from '../audit.js';

/**
 * Informational: legacy key ids (5th character I or J, `AKIAI…`/`AKIAJ…`) do not encode their
 * account, which makes the canary harder to fingerprint offline. Never a problem.
 */
export const legacyKeyId = {
  id: 'legacy-key-id',
  title: 'Legacy key id (account not decodable offline)',
  live: false,
  run() {
    return [];
  },
  note(token) {
    return keyAnatomy(token.accessKeyId).legacy
      ? 'legacy key id: its account cannot be decoded offline (good for a canary)'
      : undefined;
  },
} as const satisfies AuditCheck;
