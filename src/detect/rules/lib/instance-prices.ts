/**
 * An offline table of EC2 on-demand prices, for estimating what launched instances burn per hour.
 *
 * Source: AWS's public on-demand price list for Linux, shared tenancy, us-east-1 (N. Virginia),
 * as published in 2024 (before the June 2025 price cut on P4 and P5 instances), rounded to
 * cents-ish. Other regions cost roughly 5–30% more; Windows and licensed images more again. The
 * estimate is an order of magnitude for triage, not a bill: users correct or extend it with the
 * rule option `prices` (`{ 'p4d.24xlarge': 21.96 }`). Types not here are reported as unpriced,
 * never guessed.
 */

/** USD per instance-hour, by instance type. */
export const ON_DEMAND_USD_PER_HOUR: Readonly<Record<string, number>> = Object.freeze({
  // General purpose (common baselines, so ordinary launches price too)
  't2.micro': 0.0116, 't3.micro': 0.0104, 't3.medium': 0.0416, 't3.xlarge': 0.1664,
  'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384, 'm5.4xlarge': 0.768,
  'm5.12xlarge': 2.304, 'm5.16xlarge': 3.072, 'm5.24xlarge': 4.608, 'm5.metal': 4.608,
  'm6i.large': 0.096, 'm6i.xlarge': 0.192, 'm6i.4xlarge': 0.768, 'm6i.16xlarge': 3.072,
  'm6i.32xlarge': 6.144, 'm6i.metal': 6.144, 'm7i.48xlarge': 9.677, 'm7g.16xlarge': 2.611,
  // Compute optimised (CPU mining's favourites)
  'c5.large': 0.085, 'c5.xlarge': 0.17, 'c5.2xlarge': 0.34, 'c5.4xlarge': 0.68,
  'c5.9xlarge': 1.53, 'c5.12xlarge': 2.04, 'c5.18xlarge': 3.06, 'c5.24xlarge': 4.08,
  'c5.metal': 4.08, 'c6i.xlarge': 0.17, 'c6i.16xlarge': 2.72, 'c6i.24xlarge': 4.08,
  'c6i.32xlarge': 5.44, 'c6i.metal': 5.44, 'c7i.large': 0.0893, 'c7i.24xlarge': 4.284,
  'c7i.48xlarge': 8.568, 'c7i.metal-48xl': 8.568, 'c7g.16xlarge': 2.32, 'c7g.metal': 2.32,
  'c7a.48xlarge': 9.852,
  // Memory optimised
  'r5.large': 0.126, 'r5.xlarge': 0.252, 'r5.16xlarge': 4.032, 'r5.24xlarge': 6.048,
  'r5.metal': 6.048, 'x1.16xlarge': 6.669, 'x1.32xlarge': 13.338, 'x1e.32xlarge': 26.688,
  'x2idn.32xlarge': 13.338, 'x2iedn.32xlarge': 26.676, 'x2iezn.12xlarge': 10.008,
  'x2iezn.metal': 10.008, 'i3.metal': 4.992, 'z1d.metal': 4.464,
  // GPU: P (training), G (graphics / inference)
  'p2.xlarge': 0.9, 'p2.8xlarge': 7.2, 'p2.16xlarge': 14.4,
  'p3.2xlarge': 3.06, 'p3.8xlarge': 12.24, 'p3.16xlarge': 24.48, 'p3dn.24xlarge': 31.212,
  'p4d.24xlarge': 32.773, 'p4de.24xlarge': 40.966, 'p5.48xlarge': 98.32,
  'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g4dn.4xlarge': 1.204, 'g4dn.8xlarge': 2.176,
  'g4dn.12xlarge': 3.912, 'g4dn.16xlarge': 4.352, 'g4dn.metal': 7.824,
  'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g5.4xlarge': 1.624, 'g5.8xlarge': 2.448,
  'g5.12xlarge': 5.672, 'g5.16xlarge': 4.096, 'g5.24xlarge': 8.144, 'g5.48xlarge': 16.288,
  'g6.xlarge': 0.805, 'g6.2xlarge': 0.978, 'g6.4xlarge': 1.323, 'g6.8xlarge': 2.014,
  'g6.12xlarge': 4.602, 'g6.16xlarge': 3.397, 'g6.24xlarge': 6.675, 'g6.48xlarge': 13.35,
  // Accelerators: Inferentia, Trainium, Gaudi
  'inf1.xlarge': 0.228, 'inf1.6xlarge': 1.18, 'inf1.24xlarge': 4.721,
  'inf2.xlarge': 0.758, 'inf2.8xlarge': 1.968, 'inf2.24xlarge': 6.491, 'inf2.48xlarge': 12.981,
  'trn1.2xlarge': 1.344, 'trn1.32xlarge': 21.5, 'trn1n.32xlarge': 24.78, 'dl1.24xlarge': 13.109,
}); // prettier-ignore

/**
 * The hourly on-demand price of `type` (case-insensitive): the user's override first, then the
 * built-in table; undefined when neither knows it.
 */
export function hourlyPrice(
  type: string,
  overrides: Readonly<Record<string, number>> = {},
): number | undefined {
  const key = type.toLowerCase();
  if (Object.hasOwn(overrides, key)) return overrides[key];
  // Users may write a type as AWS's docs capitalise it; the option is small, so scan it.
  const loose = Object.entries(overrides).find(([k]) => k.toLowerCase() === key);
  if (loose) return loose[1];
  return Object.hasOwn(ON_DEMAND_USD_PER_HOUR, key) ? ON_DEMAND_USD_PER_HOUR[key] : undefined;
}
