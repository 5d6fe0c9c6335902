/** Calls AWS services make for the account, which rules about a person's actions pass over. */
import type { CloudEvent } from '../../../core/index.js';

/**
 * True when an AWS service made the call for the account: `userIdentity.invokedBy` is set (Auto
 * Scaling, Spot Fleet, CloudFormation StackSets, Control Tower, Organizations), the identity is
 * an `AWSService`, or `sourceIPAddress` is a service name (`autoscaling.amazonaws.com`) or
 * `AWS Internal`. Someone configured the service to do it; that configuring call is a person's.
 */
export function isServiceCall(e: CloudEvent): boolean {
  return (
    e.identity.invokedBy !== undefined ||
    e.identity.type === 'AWSService' ||
    e.sourceKind === 'aws-service' ||
    e.sourceKind === 'aws-internal'
  );
}

/** Who made the call, as one string: the principal ARN, else the key id, else the principal id. */
export function principalOf(e: CloudEvent): string {
  return e.principalArn ?? e.identity.accessKeyId ?? e.identity.principalId ?? 'unknown';
}
