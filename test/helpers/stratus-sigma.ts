/**
 * Which SigmaHQ AWS rules (../shared/corpus/sigma-aws/rules) each Stratus Red Team detonation
 * (../shared/corpus/stratus-red-team/detonation-logs) hits, by rule title: written from reading
 * the rules and the logs, so a change in matching shows as a difference. Techniques not listed
 * hit no rule.
 */
export const STRATUS_SIGMA: Record<string, string[]> = {
  'aws.credential-access.ec2-get-password-data': ['AWS STS AssumeRole Misuse'],
  'aws.credential-access.ec2-steal-instance-credentials': [
    'Potential Malicious Usage of CloudTrail System Manager',
    'AWS STS AssumeRole Misuse',
  ],
  'aws.defense-evasion.cloudtrail-delete': ['AWS CloudTrail Important Change'],
  'aws.defense-evasion.cloudtrail-stop': ['AWS CloudTrail Important Change'],
  'aws.defense-evasion.organizations-leave': ['AWS STS AssumeRole Misuse'],
  'aws.defense-evasion.vpc-remove-flow-logs': ['AWS VPC Flow Logs Deleted'],
  'aws.discovery.ec2-download-user-data': ['AWS STS AssumeRole Misuse'],
  'aws.execution.ec2-launch-unusual-instances': ['AWS STS AssumeRole Misuse'],
  'aws.execution.ssm-send-command': ['Potential Malicious Usage of CloudTrail System Manager'],
  'aws.exfiltration.ec2-security-group-open-port-22-ingress': [
    'Ingress/Egress Security Group Modification',
  ],
  'aws.exfiltration.ec2-share-ebs-snapshot': ['AWS Snapshot Backup Exfiltration'],
  'aws.impact.bedrock-invoke-model': ['AWS STS AssumeRole Misuse'],
  'aws.initial-access.console-login-without-mfa': ['AWS Successful Console Login Without MFA'],
  'aws.lateral-movement.ec2-serial-console-send-ssh-public-key': ['AWS STS AssumeRole Misuse'],
  'aws.persistence.iam-backdoor-user': ['AWS IAM Backdoor Users Keys'],
  'aws.persistence.iam-create-admin-user': ['AWS IAM Backdoor Users Keys'],
  'aws.persistence.lambda-layer-extension': ['AWS New Lambda Layer Attached'],
  'aws.privilege-escalation.iam-update-user-login-profile': ['AWS User Login Profile Was Modified'],
};
