/**
 * {@link StsPort} over the AWS SDK v3 STS client.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsError } from './clients.js';
import type { StsPort } from './ports.js';

/** Build the STS port over a client (constructed by app.ts). */
export function createStsPort(client: STSClient): StsPort {
  return {
    async getCallerIdentity() {
      try {
        const r = await client.send(new GetCallerIdentityCommand({}));
        return { account: r.Account ?? '', arn: r.Arn ?? '', userId: r.UserId ?? '' };
      } catch (err) {
        throw awsError('GetCallerIdentity', err);
      }
    },
  };
}

/**
 * The ARN under which a caller's IAM calls appear as the acting principal in CloudTrail: an
 * assumed-role session (`arn:aws:sts::A:assumed-role/R/S`) becomes its role
 * (`arn:aws:iam::A:role/R`, the session issuer), since session names change per session.
 */
export function managementArn(callerArn: string): string {
  const m = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}
