import type { AttachedPolicy, IamPort } from '../../../aws/ports.js';
import type { AuditCheck, AuditProblem } from '../audit.js';
import { requireIam, requireUserName } from '../live-inputs.js';
import { policyStyle } from '../policy-style.js';
import { quoted } from '../text.js';

const ID = 'live-policies';
const DENY_TELL =
  'AWS AccessDenied messages then say "with an explicit deny in an identity-based policy", unlike an ordinary under-privileged key ("because no identity-based policy allows").';
const NO_POLICY_FIX =
  'Remove every policy from the canary user: with none, every call is implicitly denied and still logged. Alert on policy changes instead (rule honeytoken.tampered).';

function problem(
  what: string,
  severity: AuditProblem['severity'],
  message: string,
  fix = NO_POLICY_FIX,
): AuditProblem {
  return { code: `${ID}/${what}`, severity, message, fix };
}

async function inlineProblems(iam: IamPort, user: string): Promise<AuditProblem[]> {
  const problems: AuditProblem[] = [];
  for (const name of await iam.listUserPolicies(user)) {
    const style = policyStyle(name, await iam.getUserPolicy(user, name));
    const shown = quoted(name);
    if (style.allows) {
      problems.push(
        problem(
          'allow',
          'high',
          `inline policy ${shown} allows actions: whoever holds the canary key can use them.`,
        ),
      );
    }
    if (style.deniesAll) {
      problems.push(
        problem(
          'explicit-deny-all',
          'medium',
          `inline policy ${shown} is an explicit deny-all. ${DENY_TELL}`,
        ),
      );
    } else if (style.denies) {
      problems.push(
        problem(
          'explicit-deny',
          'low',
          `inline policy ${shown} denies some actions explicitly. ${DENY_TELL}`,
        ),
      );
    }
  }
  return problems;
}

function attachedProblem(policy: AttachedPolicy): AuditProblem {
  const shown = quoted(policy.policyName);
  if (/^AWSCompromisedKeyQuarantine/i.test(policy.policyName)) {
    return problem(
      'aws-quarantine',
      'medium',
      `AWS attached ${shown}: AWS found this key exposed publicly (for example in a public GitHub repository), quarantined it and notified the account. ${DENY_TELL}`,
      'Expected for canaries planted in public places: do not treat the AttachUserPolicy event as attacker activity. For an unexposed look, mint a fresh key in an account where AWS quarantine is acceptable.',
    );
  }
  if (/^AWSDenyAll$/i.test(policy.policyName)) {
    return problem(
      'explicit-deny-all',
      'medium',
      `managed policy ${shown} is an explicit deny-all. ${DENY_TELL}`,
    );
  }
  return problem(
    'attached',
    'high',
    `managed policy ${shown} is attached: it may grant permissions to whoever holds the canary key.`,
  );
}

/** Any policy on the canary user: Allow is dangerous, explicit deny is a tell, quarantine explained. */
export const livePolicies = {
  id: ID,
  title: 'Policies on the canary user (live)',
  live: true,
  async run(token, ctx) {
    const iam = requireIam(ctx);
    const user = requireUserName(token);
    const inline = await inlineProblems(iam, user);
    const attached = (await iam.listAttachedUserPolicies(user)).map(attachedProblem);
    return [...inline, ...attached];
  },
} as const satisfies AuditCheck;
