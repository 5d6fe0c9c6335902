/**
 * Every built-in rule over the real third-party corpus, read in place (never copied), in one
 * table: per Stratus Red Team technique, and per TrailDiscover example where a rule is concerned,
 * the rules that fire on it. Each file runs on its own through the engine with every built-in
 * rule at its defaults and no canaries, as `detect` would see it; exactly the listed rules must
 * fire, and every other rule stays quiet on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createCanaryIndex } from '../src/detect/canary-index.js';
import { createEngine } from '../src/detect/engine.js';
import { findingsFromHits } from '../src/detect/grouping.js';
import type { Rule } from '../src/detect/rule.js';
import { rules } from '../src/detect/rules/index.js';
import { extractRecords, isRecordRejection, normalizeRecord } from '../src/normalize/index.js';
import { describeCorpus } from './helpers/corpus.js';

const TOOL = 'useragent.offensive-tool';
const EVASION = 'defense-evasion.logging-tampered';
const UNUSUAL = 'impact.unusual-instance-type';
const TRUST = 'privesc.trust-policy-modified';
const ROLE = 'persistence.role-created';
const KEY_FOR_OTHER = 'persistence.access-key-for-other-user';
const USER_OR_LOGIN = 'persistence.user-or-login-created';
const SESSION_TOKEN = 'credentials.session-token-from-user';

/**
 * Stratus Red Team technique → the rules its detonation log fires. Every detonation signs its
 * calls `stratus-red-team_<uuid>` (or Grimoire's `exec-env/grimoire`), so useragent.offensive-tool
 * fires on each; the comments say why the other rules stay quiet where one might expect them.
 */
const STRATUS: Readonly<Record<string, readonly string[]>> = {
  // 30 denied GetPasswordData: one call repeated is no burst of distinct denied calls.
  'aws.credential-access.ec2-get-password-data': [TOOL],
  // Instance credentials used from outside: one identity probe, no rule for the theft itself.
  'aws.credential-access.ec2-steal-instance-credentials': [TOOL],
  'aws.credential-access.secretsmanager-batch-retrieve-secrets': [TOOL],
  'aws.credential-access.secretsmanager-retrieve-secrets': [TOOL],
  'aws.credential-access.ssm-retrieve-securestring-parameters': [TOOL],
  'aws.defense-evasion.cloudtrail-delete': [TOOL, EVASION],
  'aws.defense-evasion.cloudtrail-event-selectors': [TOOL, EVASION],
  'aws.defense-evasion.cloudtrail-stop': [TOOL, EVASION],
  'aws.defense-evasion.dns-delete-logs': [TOOL, EVASION],
  // A denied LeaveOrganization: not one of the logging calls the evasion rule reads.
  'aws.defense-evasion.organizations-leave': [TOOL],
  'aws.defense-evasion.vpc-remove-flow-logs': [TOOL, EVASION],
  // 15 denied DescribeInstanceAttribute: one call repeated.
  'aws.discovery.ec2-download-user-data': [TOOL],
  // Ten p2.xlarge denied in one region: unusual, but not spread over regions.
  'aws.execution.ec2-launch-unusual-instances': [TOOL, UNUSUAL],
  'aws.execution.ec2-user-data': [TOOL],
  'aws.execution.ssm-send-command': [TOOL],
  'aws.execution.ssm-start-session': [TOOL],
  'aws.exfiltration.ec2-security-group-open-port-22-ingress': [TOOL],
  'aws.exfiltration.ec2-share-ami': [TOOL],
  'aws.exfiltration.ec2-share-ebs-snapshot': [TOOL],
  'aws.exfiltration.rds-share-snapshot': [TOOL],
  'aws.impact.bedrock-invoke-model': [TOOL],
  'aws.initial-access.console-login-without-mfa': [TOOL],
  'aws.lateral-movement.ec2-instance-connect': [TOOL],
  'aws.lateral-movement.ec2-serial-console-send-ssh-public-key': [TOOL],
  'aws.persistence.iam-backdoor-role': [TOOL, TRUST],
  'aws.persistence.iam-backdoor-user': [TOOL, KEY_FOR_OTHER],
  'aws.persistence.iam-create-admin-user': [TOOL, KEY_FOR_OTHER, USER_OR_LOGIN],
  'aws.persistence.iam-create-backdoor-role': [TOOL, ROLE],
  'aws.persistence.iam-create-user-login-profile': [TOOL, USER_OR_LOGIN],
  'aws.persistence.lambda-backdoor-function': [TOOL],
  'aws.persistence.lambda-layer-extension': [TOOL],
  'aws.persistence.lambda-overwrite-code': [TOOL],
  'aws.persistence.rolesanywhere-create-trust-anchor': [TOOL],
  'aws.persistence.sts-federation-token': [TOOL, SESSION_TOKEN],
  'aws.privilege-escalation.iam-update-user-login-profile': [TOOL, USER_OR_LOGIN],
};

/**
 * TrailDiscover example → the rules it fires, where a rule is concerned: those some rule other
 * than the tool rule fires on, and calls a rule reads that stay quiet (denied or failed, or not
 * what the rule is about). Every example not listed fires useragent.offensive-tool when it was
 * made with Grimoire (its user agent carries `exec-env/grimoire`) and nothing otherwise.
 */
const TRAILDISCOVER: Readonly<Record<string, readonly string[]>> = {
  // Denied logging changes are reported as attempts.
  'CloudTrail/DeleteTrail': [TOOL, EVASION],
  'CloudTrail/StopLogging': [TOOL, EVASION],
  'CloudTrail/UpdateTrail': [TOOL, EVASION],
  'Config/DeleteConfigurationRecorder': [TOOL, EVASION],
  'Config/DeleteDeliveryChannel': [TOOL, EVASION],
  'Config/StopConfigurationRecorder': [TOOL, EVASION],
  'EC2/DeleteFlowLogs': [TOOL, EVASION],
  'GuardDuty/CreateIPSet': [TOOL, EVASION],
  'GuardDuty/DeleteDetector': [TOOL, EVASION],
  'GuardDuty/DeletePublishingDestination': [TOOL, EVASION],
  'GuardDuty/DisassociateFromMasterAccount': [TOOL, EVASION],
  // Not logging calls the evasion rule reads (alarms, log groups, Config rules, Security Hub).
  'CloudWatch/DeleteAlarms': [TOOL],
  'CloudWatch/DeleteLogGroup': [TOOL],
  'Config/DeleteConfigRule': [TOOL],
  'SecurityHub/DeleteMembers': [TOOL],
  'Organizations/LeaveOrganization': [TOOL],
  // The file holds no record.
  'CloudTrail/PutEventSelectors': [],
  'GuardDuty/CreateFilter': [],
  // Denied IAM persistence is reported; a denied CreateRole is logged without its policy.
  'IAM/CreateLoginProfile': [TOOL, USER_OR_LOGIN],
  'IAM/CreateUser': [TOOL, USER_OR_LOGIN],
  'IAM/UpdateLoginProfile': [TOOL, USER_OR_LOGIN],
  'IAM/UpdateAssumeRolePolicy': [TOOL, TRUST],
  'IAM/CreateRole': [TOOL],
  // A denied CreateAccessKey on the caller's own user: neither another user's key nor a swap.
  'IAM/CreateAccessKey': [TOOL],
  'IAM/DeleteAccessKey': [TOOL],
  'IAM/UpdateAccessKey': [TOOL],
  'IAM/ListAccessKeys': [TOOL],
  // One denied call is no burst.
  'IAM/ListUsers': [TOOL],
  'SecurityTokenService/GetFederationToken': [TOOL, SESSION_TOKEN],
  'SecurityTokenService/GetSessionToken': [TOOL, SESSION_TOKEN],
  // One key, one probe.
  'SecurityTokenService/GetCallerIdentity': [TOOL],
  // A failed t2.micro launch in one region.
  'EC2/RunInstances': [TOOL],
  'EC2/CreateKeyPair': [TOOL],
  // One SES call each: reconnaissance needs four calls or three regions.
  'SES/GetSendQuota': [TOOL],
  'SES/GetAccount': [TOOL],
  'SES/GetAccountSendingEnabled': [TOOL],
  'SES/ListIdentities': [TOOL],
  'SES/UpdateAccountSendingEnabled': [TOOL],
  'SES/PutAccountDetails': [],
  'SES/SendEmail': [],
};

/** Built-in rules the corpus does not exercise, and why. */
const NOT_IN_CORPUS: Readonly<Record<string, string>> = {
  'honeytoken.used': 'no canary is registered',
  'honeytoken.tampered': 'no canary is registered',
  'useragent.offensive-os': 'no call comes from Kali, Parrot, Pentoo or BlackArch',
  'recon.key-enumeration': 'no source tries several keys',
  'recon.access-denied-burst': 'denied calls repeat one action or are single',
  'recon.ses-enumeration': 'single SES calls only',
  'persistence.key-swap': 'no key is created and then its creator deleted',
  'impact.multi-region-compute': 'launches are in one region',
  'anomaly.first-seen-api':
    'each detonation and example spans minutes: no principal is past its learning period',
  'anomaly.new-source-network':
    'each detonation and example spans minutes: no principal is past its learning period',
};

const LIMITS = { maxDecompressedBytes: 50 * 1024 * 1024, maxRecordBytes: 1024 * 1024 };
const ALL = rules as readonly Rule[];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** The distinct rules that fire on one file, run alone through every built-in rule. */
function rulesFiring(file: string): string[] {
  const engine = createEngine(ALL, {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
  });
  const hits = extractRecords(file, readFileSync(file), LIMITS).records.flatMap(
    ({ index, value }) => {
      const ev = normalizeRecord(value, { file, index });
      return isRecordRejection(ev) ? [] : engine.evaluate(ev).hits;
    },
  );
  return [
    ...new Set(findingsFromHits(hits, engine.rules, engine, 60 * 60_000).map((f) => f.rule)),
  ].sort();
}

/** Rules firing per file, keyed by the path under `dir` without `suffix`. */
function table(dir: string, suffix: string): Record<string, string[]> {
  return Object.fromEntries(
    walk(dir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => [path.relative(dir, f).slice(0, -suffix.length), rulesFiring(f)]),
  );
}

const sortedValues = (t: Readonly<Record<string, readonly string[]>>) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v].sort()]));

/** True when a record of the example carries Grimoire's user-agent marker. */
function madeWithGrimoire(file: string): boolean {
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const records = (Array.isArray(value) ? value : [value]) as { userAgent?: unknown }[];
  return records.some(
    (r) => typeof r.userAgent === 'string' && r.userAgent.includes('exec-env/grimoire'),
  );
}

it('names only built-in rules, and every built-in rule either fires in the corpus or says why not', () => {
  const ids = new Set(ALL.map((r) => r.id));
  const named = new Set([...Object.values(STRATUS), ...Object.values(TRAILDISCOVER)].flat());
  for (const id of [...named, ...Object.keys(NOT_IN_CORPUS)]) expect(ids, id).toContain(id);
  for (const id of Object.keys(NOT_IN_CORPUS)) expect(named, id).not.toContain(id);
  expect(new Set([...named, ...Object.keys(NOT_IN_CORPUS)])).toEqual(ids);
});

describeCorpus(
  'every rule on the Stratus Red Team detonations',
  'stratus-red-team/detonation-logs',
  (dir) => {
    it('fires exactly the rules the table lists on each technique, and no other', () => {
      expect(table(dir, '.json')).toEqual(sortedValues(STRATUS));
    });
  },
);

describeCorpus('every rule on the TrailDiscover examples', 'traildiscover/events', (dir) => {
  it('fires exactly the rules the table lists on each example, and only the tool rule elsewhere', () => {
    const found = table(dir, '.json.cloudtrail');
    for (const name of Object.keys(TRAILDISCOVER)) expect(found, name).toHaveProperty([name]);
    const expected = Object.fromEntries(
      Object.keys(found).map((name) => {
        const listed = TRAILDISCOVER[name];
        if (listed) return [name, [...listed].sort()];
        return [name, madeWithGrimoire(path.join(dir, `${name}.json.cloudtrail`)) ? [TOOL] : []];
      }),
    );
    expect(found).toEqual(expected);
    expect(Object.keys(found).length).toBeGreaterThanOrEqual(300);
  });
});
