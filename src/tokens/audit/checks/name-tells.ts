import { findRandomLooking, findTells } from '../../names.js';
import type { AuditCheck, AuditProblem } from '../audit.js';
import { userNameOf } from '../identity.js';
import { quoted } from '../text.js';

const ID = 'name-tells';
const FIX =
  'Re-mint with a realistic name from your naming templates (for example svc-billing-prod) and path "/".';
const UUID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;
const REGISTRY_ID = /tok_[a-z2-7]{6,}/i;

function problem(what: string, severity: AuditProblem['severity'], message: string): AuditProblem {
  return { code: `${ID}/${what}`, severity, message, fix: FIX };
}

/** Signatures of known canary tools in a user name. */
function signatureProblems(name: string): AuditProblem[] {
  const shown = quoted(name);
  const problems: AuditProblem[] = [];
  if (name.includes('@@') || /canarytokens\.(?:com|org)/i.test(name)) {
    problems.push(
      problem(
        'canarytokens-form',
        'high',
        `user name ${shown} has the canarytokens.org form "domain@@id", which Pacu's iam__detect_honeytokens (and anyone reading the ARN in an AccessDenied message) recognises.`,
      ),
    );
  }
  if (UUID.test(name)) {
    problems.push(
      problem(
        'uuid',
        'high',
        `user name ${shown} is UUID-like, as SpaceSiren names its canaries; Pacu's iam__detect_honeytokens flags it.`,
      ),
    );
  }
  return problems;
}

/** Generic tells: tell words, the registry id, random-looking fragments. */
function genericProblems(name: string, tokenId: string, hasUuid: boolean): AuditProblem[] {
  const shown = quoted(name);
  const problems: AuditProblem[] = [];
  const tells = findTells(name);
  if (tells.length > 0) {
    problems.push(
      problem(
        'tell-word',
        'high',
        `user name ${shown} contains ${tells.join(', ')}, words attackers look for.`,
      ),
    );
  }
  if (
    REGISTRY_ID.test(name) ||
    (tokenId.length >= 4 && name.toLowerCase().includes(tokenId.toLowerCase()))
  ) {
    problems.push(
      problem(
        'registry-id',
        'medium',
        `user name ${shown} embeds a Keysnare-style registry id (tok_…).`,
      ),
    );
  } else if (!hasUuid) {
    const random = findRandomLooking(name);
    if (random.length > 0) {
      problems.push(
        problem(
          'random-looking',
          'medium',
          `user name ${shown} holds random-looking text ${quoted(random.join(', '))}; real service accounts are named for what they do.`,
        ),
      );
    }
  }
  return problems;
}

/** The user name (as shown in the ARN) holds tool signatures, tell words or random-looking text. */
export const nameTells = {
  id: ID,
  title: 'User name gives the canary away',
  live: false,
  run(token) {
    const name = userNameOf(token);
    if (name === undefined) return [];
    return [...signatureProblems(name), ...genericProblems(name, token.id, UUID.test(name))];
  },
  note(token) {
    return userNameOf(token) === undefined
      ? 'no user name or ARN recorded; name not checked'
      : undefined;
  },
} as const satisfies AuditCheck;
