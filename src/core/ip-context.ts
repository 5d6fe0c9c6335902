/**
 * What offline data says about a source IP address: country, autonomous system, cloud or hosting
 * provider, AWS service and region, Tor exit. Built by `normalize/enrich/ip-context` from local
 * files only (no network call during detection); crosses from normalize to detect and alerting.
 */

/** Providers Keysnare names itself; `cloudAsns` in the config may add others ('oracle' …). */
export type KnownIpProvider = 'aws' | 'google' | 'microsoft' | 'hosting';

/**
 * Who operates the address: a cloud named in `ipContext.cloudAsns` (or AWS by its published
 * ranges), `hosting` for the hosting ASNs, or a name the config adds.
 */
export type IpProvider = KnownIpProvider | (string & {});

/**
 * Context for one IP address. Every field is optional: a missing field means "no data said",
 * never "no". `tor` is `false` only when a Tor exit list was loaded and does not hold the address.
 */
export interface IpContext {
  /** ISO 3166-1 alpha-2 country code ('US'), as the country database has it. */
  readonly country?: string;
  /** Autonomous system number of the range holding the address. */
  readonly asn?: number;
  /** The autonomous system's organisation, as the ASN data has it. */
  readonly asOrg?: string;
  readonly provider?: IpProvider;
  /** The most specific service AWS publishes for the address in ip-ranges.json ('EC2', 'S3' …). */
  readonly awsService?: string;
  /** The region AWS publishes for the address ('us-east-1', 'GLOBAL'). */
  readonly awsRegion?: string;
  /** True when the address is on the loaded Tor exit list; false when it is not. */
  readonly tor?: boolean;
}
