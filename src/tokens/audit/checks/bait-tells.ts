import { findTells } from '../../names.js';
import type { AuditCheck, AuditProblem } from '../audit.js';
import { quoted } from '../text.js';

const ID = 'bait-tells';

interface Bait {
  readonly format: string;
  readonly text: string;
}

const SECTION = /^\s*\[\s*([^\]\r\n]*?)\s*\]\s*$/;
const COMMENT = /^\s*(?:#|;|\/\/|--|\/\*|\*)(.*)$/;

/** INI sections of a credentials/config file: name → keys (lower-cased). */
function sections(text: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = SECTION.exec(line);
    if (header) {
      current = [];
      result.set(header[1] ?? '', current);
      continue;
    }
    const key = /^\s*([\w.-]+)\s*=/.exec(line)?.[1];
    if (key !== undefined) current?.push(key.toLowerCase());
  }
  return result;
}

/** Text a person wrote around the key: comments and profile names. */
function prose(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const comment = COMMENT.exec(line)?.[1];
    if (comment !== undefined) out.push(comment);
    const header = SECTION.exec(line)?.[1];
    if (header !== undefined) out.push(header);
  }
  return out;
}

type Kind = 'settings-in-credentials' | 'default-only' | 'us-east-2' | 'tell-word';

const KINDS: Readonly<
  Record<Kind, { severity: AuditProblem['severity']; says: string; fix: string }>
> = {
  'settings-in-credentials': {
    severity: 'medium',
    says: 'puts region/output inside the credentials file, as the canarytokens.org template does; real files keep them in ~/.aws/config',
    fix: 'Render region and output into the config file (or leave them out) and keep only keys in credentials.',
  },
  'default-only': {
    severity: 'low',
    says: 'holds only a [default] profile, like every canarytokens.org file; real files usually name profiles',
    fix: 'Plant into an existing credentials file or use a realistic profile name (for example the team or account name).',
  },
  'us-east-2': {
    severity: 'low',
    says: 'uses region us-east-2, the region canarytokens.org hard-codes into every AWS key bait',
    fix: 'Use the region your organisation actually works in, varied across placements.',
  },
  'tell-word': {
    severity: 'high',
    says: 'has tell-tale words in a profile name or comment',
    fix: 'Rename the profile and rewrite comments so they read like the surrounding real configuration.',
  },
};

/** The kinds of tell in one bait, and the tell words found in its prose. */
function kindsOf(bait: Bait): { kinds: Kind[]; words: string[] } {
  const kinds: Kind[] = [];
  if (/credentials/i.test(bait.format)) {
    const secs = sections(bait.text);
    if ([...secs.values()].some((keys) => keys.includes('region') || keys.includes('output'))) {
      kinds.push('settings-in-credentials');
    }
    if (secs.size === 1 && secs.has('default')) kinds.push('default-only');
  }
  if (/\bus-east-2\b/.test(bait.text)) kinds.push('us-east-2');
  const words = [...new Set(prose(bait.text).flatMap((p) => findTells(p)))];
  if (words.length > 0) kinds.push('tell-word');
  return { kinds, words };
}

/** The rendered bait carries template tells (region/output in credentials, us-east-2, tell words). */
export const baitTells = {
  id: ID,
  title: 'Rendered bait looks like a canary template',
  live: false,
  applies: (ctx) => ctx.renderedBait !== undefined,
  run(token, ctx) {
    // One problem per kind of tell, naming every bait format that has it.
    const formats = new Map<Kind, string[]>();
    const words = new Set<string>();
    for (const bait of ctx.renderedBait?.(token) ?? []) {
      const found = kindsOf(bait);
      found.words.forEach((w) => words.add(w));
      for (const kind of found.kinds)
        formats.set(kind, [...(formats.get(kind) ?? []), bait.format]);
    }
    return [...formats].map(([kind, fmts]): AuditProblem => {
      const { severity, says, fix } = KINDS[kind];
      const extra = kind === 'tell-word' ? ` (${quoted([...words].join(', '))})` : '';
      return {
        code: `${ID}/${kind}`,
        severity,
        message: `bait ${quoted(fmts.join(', '))} ${says}${extra}.`,
        fix,
      };
    });
  },
} as const satisfies AuditCheck;
