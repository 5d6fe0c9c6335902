/**
 * AWS region names, as of 2025. Used to flag events whose `awsRegion` is not a real region (typos,
 * forged records, or the fake regions of anonymised corpora such as Stratus Red Team's
 * `ap-isob-east-1r`).
 */

/** Commercial (`aws` partition) regions, including opt-in regions. */
const COMMERCIAL = [
  'us-east-1', // N. Virginia
  'us-east-2', // Ohio
  'us-west-1', // N. California
  'us-west-2', // Oregon
  'af-south-1', // Cape Town
  'ap-east-1', // Hong Kong
  'ap-east-2', // Taipei (2025)
  'ap-south-1', // Mumbai
  'ap-south-2', // Hyderabad
  'ap-southeast-1', // Singapore
  'ap-southeast-2', // Sydney
  'ap-southeast-3', // Jakarta
  'ap-southeast-4', // Melbourne
  'ap-southeast-5', // Malaysia (2024)
  'ap-southeast-6', // New Zealand (2025)
  'ap-southeast-7', // Thailand (2025)
  'ap-northeast-1', // Tokyo
  'ap-northeast-2', // Seoul
  'ap-northeast-3', // Osaka
  'ca-central-1', // Canada Central
  'ca-west-1', // Calgary
  'eu-central-1', // Frankfurt
  'eu-central-2', // Zurich
  'eu-west-1', // Ireland
  'eu-west-2', // London
  'eu-west-3', // Paris
  'eu-south-1', // Milan
  'eu-south-2', // Spain
  'eu-north-1', // Stockholm
  'il-central-1', // Tel Aviv
  'me-south-1', // Bahrain
  'me-central-1', // UAE
  'mx-central-1', // Mexico (2025)
  'sa-east-1', // São Paulo
] as const;

/** AWS GovCloud (US) (`aws-us-gov` partition). */
const GOVCLOUD = ['us-gov-east-1', 'us-gov-west-1'] as const;

/** AWS China (`aws-cn` partition). */
const CHINA = ['cn-north-1', 'cn-northwest-1'] as const;

/**
 * Isolated partitions (`aws-iso*`) and the AWS European Sovereign Cloud (announced for 2025, GA
 * early 2026). Real region names, so a record naming one is not forged.
 */
const ISOLATED = [
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-isof-south-1',
  'us-isof-east-1',
  'eu-isoe-west-1',
  'eusc-de-east-1',
] as const;

/** Every region name this build knows. */
export const AWS_REGIONS: readonly string[] = [...COMMERCIAL, ...GOVCLOUD, ...CHINA, ...ISOLATED];

const KNOWN = new Set<string>(AWS_REGIONS);

/**
 * True when `name` is a real AWS region name (exact, case-sensitive: CloudTrail writes them in
 * lower case).
 *
 * @example
 * isKnownRegion('eu-west-1') // true
 * isKnownRegion('ap-isob-east-1r') // false
 */
export function isKnownRegion(name: string): boolean {
  return KNOWN.has(name);
}
