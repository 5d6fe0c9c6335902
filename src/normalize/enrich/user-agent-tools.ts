/**
 * Tools recognised by name in a user agent, with why each is (or is not) treated as offensive.
 * Most of these tools sign with an AWS SDK and only show up when they, or their operator, add their
 * name to the user agent; a match is strong evidence, a miss proves nothing.
 */

/** A tool recognisable in a user agent. */
import { OFFENSIVE_OSES } from '../../core/event.js';
export interface ToolSignature {
  /** Name reported as `userAgentName`. */
  readonly name: string;
  /** Lower-case tokens that identify the tool (matched on word boundaries). */
  readonly needles: readonly string[];
  /** True when the tool's purpose is attacking AWS accounts (class `offensive-tool`). */
  readonly offensive: boolean;
  /** One-line reason for the classification. */
  readonly reason: string;
}

/** Known tools, offensive first. Order matters only when one user agent names several tools. */
export const TOOL_SIGNATURES = [
  {
    name: 'trufflehog',
    needles: ['trufflehog'],
    offensive: true,
    reason:
      'secret scanner that verifies leaked keys with sts:GetCallerIdentity, user agent exactly `TruffleHog`; its use of a key means the key leaked',
  },
  {
    name: 'pacu',
    needles: ['pacu'],
    offensive: true,
    reason:
      'Rhino Security Labs AWS exploitation framework; named only by its `set_ua_suffix` (`Pacu-Session-<uuid>`), and on Kali/Parrot/Pentoo it swaps in a random ordinary user agent',
  },
  {
    name: 'cloudfox',
    needles: ['cloudfox'],
    offensive: true,
    reason:
      'Bishop Fox tool for finding exploitable attack paths from a foothold credential (plain aws-sdk-go-v2 agent unless an app id names it)',
  },
  {
    name: 'aws_consoler',
    needles: ['aws_consoler', 'aws-consoler'],
    offensive: true,
    reason: 'turns stolen access keys into an AWS console sign-in link (federation abuse)',
  },
  {
    name: 'weirdaal',
    needles: ['weirdaal'],
    offensive: true,
    reason: 'AWS attack library: brute-forces which APIs a stolen key may call',
  },
  {
    name: 'enumerate-iam',
    needles: ['enumerate-iam', 'enumerate_iam'],
    offensive: true,
    reason: 'brute-forces the permissions of a stolen key, hundreds of calls in seconds',
  },
  {
    name: 's3scanner',
    needles: ['s3scanner'],
    offensive: true,
    reason: 'scans for open or misconfigured S3 buckets and dumps their contents',
  },
  {
    name: 'nimbostratus',
    needles: ['nimbostratus'],
    offensive: true,
    reason: 'dumps instance-metadata credentials and escalates with them',
  },
  {
    name: 'stratus-red-team',
    needles: ['stratus-red-team'],
    offensive: true,
    reason: 'Datadog adversary-emulation tool: its calls are attack techniques, sanctioned or not',
  },
  {
    name: 'grimoire',
    needles: ['exec-env/grimoire'],
    offensive: true,
    reason: 'Datadog wrapper that detonates Stratus Red Team techniques',
  },
  {
    name: 'prowler',
    needles: ['prowler', 'apn_1826889'],
    offensive: false,
    reason:
      'defensive compliance scanner; its boto3 clients append its AWS Partner id `APN_1826889`; read-only, usually sanctioned — named so it can be allow-listed',
  },
  {
    name: 'scoutsuite',
    needles: ['scoutsuite', 'scout suite', 'scout-suite'],
    offensive: false,
    reason:
      'defensive multi-cloud auditing tool (`Scout-Suite/5.14.0 … Scout Suite/5.14.0 (https://github.com/nccgroup/ScoutSuite)`); attackers run it too',
  },
  {
    name: 's3-browser',
    needles: ['s3 browser'],
    offensive: false,
    reason:
      'Windows S3 client (`S3 Browser/12.2.9 https://s3browser.com`); ordinary for some admins, but a favourite of intruders creating IAM users and copying buckets',
  },
  {
    name: 'cloudsplaining',
    needles: ['cloudsplaining'],
    offensive: false,
    reason: 'IAM policy risk assessment from a single authorization-details download',
  },
  {
    name: 'pmapper',
    needles: ['pmapper', 'principalmapper'],
    offensive: false,
    reason: 'Principal Mapper: IAM privilege-escalation graph for defenders and auditors',
  },
  {
    name: 'cloudmapper',
    needles: ['cloudmapper'],
    offensive: false,
    reason: 'Duo Labs network and account auditing/visualisation tool',
  },
] as const satisfies readonly ToolSignature[];

/**
 * Offensive-security Linux distributions, as they appear in botocore / AWS CLI user agents
 * (`md/distrib#kali.2024`, `distrib/kali.2024`, `Linux/6.6.9-amd64-kali`, `…13parrot1-amd64`).
 * GuardDuty raises `PenTest:IAMUser/KaliLinux|ParrotLinux|PentooLinux` on the same signal.
 */
export const OFFENSIVE_DISTROS = OFFENSIVE_OSES;
