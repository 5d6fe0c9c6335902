/**
 * Coarse classification of CloudTrail `userAgent` strings. Linear time on any input: the string is
 * capped before matching and only `indexOf`/`startsWith` scans are used (no backtracking regexes).
 */
import type { UserAgentClass } from '../../core/event.js';
import { isDnsNameLike } from './source.js';
import { OFFENSIVE_DISTROS, TOOL_SIGNATURES } from './user-agent-tools.js';

/** Result of {@link classifyUserAgent}. */
export interface UserAgentInfo {
  readonly class: UserAgentClass;
  /** The named tool, OS, SDK or service ('kali', 'trufflehog', 'aws-cli', 'boto3' …). */
  readonly name?: string;
  /** The offensive OS the agent names, even when a named tool decides the class. */
  readonly os?: string;
}

/** Only this many characters are inspected (CloudTrail itself truncates at about 1 KB). */
export const MAX_USER_AGENT_SCAN = 2048;
const MAX_NAME = 40;
const AWS_SERVICE_SUFFIX = '.amazonaws.com';

const MISSING: UserAgentInfo = { class: 'missing' };
const OTHER: UserAgentInfo = { class: 'other' };

/** Prefixes of plain HTTP clients and scripting runtimes (matched at the start of the string). */
const SCRIPTING_PREFIXES = [
  'curl/',
  'wget/',
  'python-requests/',
  'python-urllib/',
  'python-httpx/',
  'aiohttp/',
  'go-http-client/',
  'okhttp/',
  'postmanruntime/',
  'insomnia/',
  'httpie/',
  'axios/',
  'node-fetch/',
  'undici',
  'apache-httpclient/',
  'java/',
  'libwww-perl/',
  'ruby',
  'powershell/',
] as const;

type Boundary = 'word' | 'letters' | 'prefix';

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isWordChar(c: number, boundary: Boundary): boolean {
  return isLetter(c) || (boundary !== 'letters' && c >= 48 && c <= 57);
}

/**
 * Index of `needle` in `hay` where it stands as a token: not preceded by a word character, and (for
 * `word`/`letters`) not followed by one. `letters` treats digits as separators (`-kali7-`).
 */
function findToken(hay: string, needle: string, boundary: Boundary): number {
  let from = 0;
  for (;;) {
    const i = hay.indexOf(needle, from);
    if (i < 0) return -1;
    const end = i + needle.length;
    const beforeOk = i === 0 || !isWordChar(hay.charCodeAt(i - 1), boundary);
    const afterOk =
      boundary === 'prefix' || end >= hay.length || !isWordChar(hay.charCodeAt(end), boundary);
    if (beforeOk && afterOk) return i;
    from = i + 1;
  }
}

/** The product token starting at `at` (letters, digits, '-'), for naming SDKs safely. */
function productAt(lower: string, at: number): string {
  let end = at;
  while (end < lower.length && end - at < MAX_NAME) {
    const c = lower.charCodeAt(end);
    if (!(isWordChar(c, 'word') || c === 45)) break;
    end++;
  }
  return lower.slice(at, end);
}

function stripBrackets(s: string): string {
  const start = s.startsWith('[') ? 1 : 0;
  const end = s.endsWith(']') && s.length > start ? s.length - 1 : s.length;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function findTool(lower: string): (typeof TOOL_SIGNATURES)[number] | undefined {
  for (const tool of TOOL_SIGNATURES) {
    for (const needle of tool.needles) {
      if (findToken(lower, needle, 'word') >= 0) return tool;
    }
  }
  return undefined;
}

/**
 * Fields in which CLIs and SDKs write the operating system or its release, as lower-case token
 * prefixes: botocore's `Linux/6.0.0-2parrot1-amd64`, the `ua/2.0` form `os/linux#6.5.0-13parrot1`
 * (boto3, the JS v3 and Java v2 SDKs), PHP's `OS/Linux/…`, .NET's `OS/Linux_…_Kali_…`, the AWS CLI
 * v2's `exe/x86_64.kali.2024` (`source/x86_64.kali.2023` when installed from source) and
 * `md/distrib#kali.2024` (older: `distrib/kali.2024`).
 */
const OS_FIELDS = [
  'linux/', 'os/', 'exe/', 'source/', 'distrib/', 'distrib#', 'md/distrib#', 'md/os#',
]; // prettier-ignore

function isSpace(c: number): boolean {
  return c <= 32;
}

/** The distro named in the OS field that spans `lower[start, end)`, if it is one. */
function distroInField(lower: string, start: number, end: number): string | undefined {
  const field = OS_FIELDS.find((f) => lower.startsWith(f, start));
  if (field === undefined) return undefined;
  const value = lower.slice(start + field.length, end);
  return OFFENSIVE_DISTROS.find((d) => findToken(value, d, 'letters') >= 0);
}

/**
 * The penetration-testing distro the user agent names in one of its OS fields ({@link OS_FIELDS}),
 * as a word of its own there (digits, dots, dashes, `+`, `_` and `#` may touch it: `-kali3-`,
 * `2parrot1`, `+kali`, `kali-rolling`). The same word anywhere else — a product or app id such as
 * `ParrotSecurityScanner/2.1`, `parrot-notify/1.4` or `app/kali-dashboard` — is not an OS.
 */
function findDistro(lower: string): string | undefined {
  if (!OFFENSIVE_DISTROS.some((d) => lower.includes(d))) return undefined;
  let start = 0;
  while (start < lower.length) {
    let end = start;
    while (end < lower.length && !isSpace(lower.charCodeAt(end))) end++;
    if (end > start) {
      const distro = distroInField(lower, start, end);
      if (distro !== undefined) return distro;
    }
    start = end + 1;
  }
  return undefined;
}

function isConsole(lower: string): boolean {
  if (lower === 'signin.amazonaws.com' || lower === 'console.amazonaws.com') return true;
  if (lower.startsWith('aws console') || lower === 'console.aws.amazon.com') return true;
  if (lower.endsWith('.console.aws.amazon.com')) return isDnsNameLike(lower);
  return lower.startsWith('console.') && lower.endsWith(AWS_SERVICE_SUFFIX) && isDnsNameLike(lower);
}

function classifySdk(lower: string): UserAgentInfo | undefined {
  if (findToken(lower, 'boto3/', 'prefix') >= 0) return { class: 'aws-sdk', name: 'boto3' };
  const sdk = findToken(lower, 'aws-sdk-', 'prefix');
  if (sdk >= 0) return { class: 'aws-sdk', name: productAt(lower, sdk) };
  if (findToken(lower, 'botocore/', 'prefix') >= 0) return { class: 'aws-sdk', name: 'botocore' };
  if (findToken(lower, 'awspowershell', 'prefix') >= 0) {
    return { class: 'aws-sdk', name: 'aws-powershell' };
  }
  return undefined;
}

function classifyBrowser(lower: string): UserAgentInfo {
  if (lower.includes(' edg/')) return { class: 'browser', name: 'edge' };
  if (lower.includes(' firefox/')) return { class: 'browser', name: 'firefox' };
  if (lower.includes(' chrome/')) return { class: 'browser', name: 'chrome' };
  if (lower.includes(' safari/')) return { class: 'browser', name: 'safari' };
  return { class: 'browser' };
}

function classifyScripting(lower: string): UserAgentInfo | undefined {
  const prefix = SCRIPTING_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix === undefined) return undefined;
  return { class: 'scripting', name: productAt(lower, 0) };
}

/** Everything after the offensive checks, most specific first. */
function classifyOrdinary(lower: string): UserAgentInfo {
  if (findToken(lower, 'terraform/', 'prefix') >= 0) {
    return { class: 'terraform', name: 'terraform' };
  }
  if (findToken(lower, 'aws-cli/', 'prefix') >= 0) return { class: 'aws-cli', name: 'aws-cli' };
  if (isConsole(lower)) return { class: 'console' };
  if (lower.startsWith('aws internal') || lower.startsWith('aws-internal/')) {
    return { class: 'aws-internal' };
  }
  if (lower.endsWith(AWS_SERVICE_SUFFIX) && isDnsNameLike(lower)) {
    const service = lower.slice(0, -AWS_SERVICE_SUFFIX.length).slice(0, MAX_NAME * 2);
    return { class: 'aws-service', name: service };
  }
  const sdk = classifySdk(lower);
  if (sdk) return sdk;
  if (lower.startsWith('mozilla/') || lower.startsWith('opera/')) return classifyBrowser(lower);
  return classifyScripting(lower) ?? OTHER;
}

/**
 * Classify a user agent. S3-style surrounding `[ ]` is stripped first. Precedence: a named offensive
 * tool, then an offensive OS (a Kali `aws-cli` is `offensive-os`/`kali`), then Terraform, AWS CLI,
 * console, AWS internal, AWS service, SDKs, browsers, scripting clients, and `other`. A named
 * non-offensive tool (e.g. Prowler) keeps the class of its client, or `offensive-os` when it runs
 * on one, and reports its own name. The OS is reported whenever one is named (see `findDistro`).
 *
 * @example
 * classifyUserAgent('aws-cli/2.15.0 Python/3.11.6 Linux/6.6.9-amd64 md/distrib#kali.2024')
 * // { class: 'offensive-os', name: 'kali' }
 */
export function classifyUserAgent(ua: string | undefined): UserAgentInfo {
  if (ua === undefined) return MISSING;
  const capped = ua.length > MAX_USER_AGENT_SCAN ? ua.slice(0, MAX_USER_AGENT_SCAN) : ua;
  const lower = stripBrackets(capped.trim()).trim().toLowerCase();
  if (lower.length === 0) return MISSING;
  const tool = findTool(lower);
  const distro = findDistro(lower);
  const os = distro === undefined ? {} : { os: distro };
  if (tool?.offensive) return { class: 'offensive-tool', name: tool.name, ...os };
  if (distro !== undefined)
    return { class: 'offensive-os', name: tool?.name ?? distro, os: distro };
  const ordinary = classifyOrdinary(lower);
  return tool ? { class: ordinary.class, name: tool.name } : ordinary;
}
