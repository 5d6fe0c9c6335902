/**
 * Tells in an IAM path. The path is part of the user ARN, so GetCallerIdentity and every
 * AccessDenied message show it to whoever holds the key. Shared by the offline `path-tells` check
 * and the live `live-user` check.
 */
import { findRandomLooking, findTells } from '../names.js';
import type { AuditProblem } from './audit.js';
import { quoted } from './text.js';

const TOOL_PATHS: readonly { pattern: RegExp; tool: string }[] = [
  {
    pattern: /\/spacecrab\//i,
    tool: "Project SpaceCrab's /SpaceCrab/ path, which Pacu's iam__detect_honeytokens checks for",
  },
  { pattern: /\/ggcanary\//i, tool: "ggcanary's /ggcanary/ path" },
];

const SHOWN =
  'The path appears in the user ARN that GetCallerIdentity and every AccessDenied message show.';
const FIX =
  'Mint canaries with path "/" (or the path your real service accounts use) and a realistic name.';

/**
 * Problems with `path`; `checkId` prefixes the codes and `seen` says where the path was read
 * (for example "recorded ARN" or "IAM, live").
 */
export function pathProblems(path: string, checkId: string, seen: string): AuditProblem[] {
  if (path === '/') return [];
  const tool = TOOL_PATHS.find((t) => t.pattern.test(path));
  if (tool) {
    return [
      problem(
        checkId,
        'tool-signature',
        'high',
        `path ${quoted(path)} (${seen}) is ${tool.tool}. ${SHOWN}`,
      ),
    ];
  }
  const tells = findTells(path);
  if (tells.length > 0) {
    const words = tells.join(', ');
    return [
      problem(
        checkId,
        'tell-word',
        'high',
        `path ${quoted(path)} (${seen}) contains ${words}. ${SHOWN}`,
      ),
    ];
  }
  const random = findRandomLooking(path);
  if (random.length > 0) {
    const text = `path ${quoted(path)} (${seen}) holds random-looking text ${quoted(random.join(', '))}. ${SHOWN}`;
    return [problem(checkId, 'random-looking', 'medium', text)];
  }
  const text = `path ${quoted(path)} (${seen}) is not "/". ${SHOWN} Make sure it reads like your real service accounts' paths.`;
  return [problem(checkId, 'non-root', 'low', text)];
}

function problem(
  checkId: string,
  what: string,
  severity: AuditProblem['severity'],
  message: string,
): AuditProblem {
  return { code: `${checkId}/${what}`, severity, message, fix: FIX };
}
