/**
 * Cloud and hosting providers known by ASN. Defaults name the ASNs of AWS, Google and Microsoft
 * and of large hosting and VPS providers (where rented servers, and so attackers' tooling, live);
 * `ipContext.cloudAsns` and `ipContext.hostingAsns` replace them. Organisation names were checked
 * against the packaged ASN data (2026-06).
 */

/** AWS (Amazon.com AS16509, Amazon AES AS14618), Google (AS15169, Cloud AS396982), Microsoft. */
export const DEFAULT_CLOUD_ASNS: Readonly<Record<string, readonly number[]>> = {
  aws: [16509, 14618],
  google: [15169, 396982],
  microsoft: [8075],
};

/** Large hosting, VPS and cloud providers other than the three named clouds. */
export const DEFAULT_HOSTING_ASNS: readonly number[] = [
  14061, // DigitalOcean
  16276, // OVH
  24940, // Hetzner Online
  213230, // Hetzner Online (cloud)
  63949, // Linode / Akamai
  20473, // Vultr (The Constant Company, Choopa)
  51167, // Contabo
  40021, // Contabo Inc.
  12876, // Scaleway
  9009, // M247
  60781, // Leaseweb Netherlands
  16265, // Leaseweb Network
  28753, // Leaseweb Deutschland
  30633, // Leaseweb USA
  31898, // Oracle Cloud
  45102, // Alibaba Cloud
  132203, // Tencent Cloud
  36351, // IBM Cloud (SoftLayer)
  8560, // IONOS
  47583, // Hostinger
  40676, // Psychz Networks
  8100, // QuadraNet
  53667, // FranTech / BuyVM
  60068, // Datacamp (CDN77)
  212238, // Datacamp
  62240, // Clouvider
  199524, // G-Core Labs
  29802, // HIVELOCITY
  210644, // AEZA International
];

/** Provider names `cloudAsns` may use: lower-case words, not the reserved 'hosting'. */
export const PROVIDER_NAME = /^(?!hosting$)[a-z][a-z0-9-]{0,31}$/;

/**
 * ASN → provider: every cloud's ASNs, then the hosting ASNs as 'hosting'. An ASN listed under two
 * clouds keeps the first; a cloud ASN also in the hosting list stays the cloud's.
 */
export function providersByAsn(
  cloudAsns: Readonly<Record<string, readonly number[]>>,
  hostingAsns: readonly number[],
): ReadonlyMap<number, string> {
  const map = new Map<number, string>();
  for (const [provider, asns] of Object.entries(cloudAsns)) {
    for (const asn of asns) if (!map.has(asn)) map.set(asn, provider);
  }
  for (const asn of hostingAsns) if (!map.has(asn)) map.set(asn, 'hosting');
  return map;
}
