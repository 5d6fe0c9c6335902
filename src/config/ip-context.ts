/**
 * `ipContext:` in keysnare.yaml: where offline IP data comes from (docs/ip-context.md). Paths are
 * relative to the workspace; app.ts resolves them and hands plain options to the enrichment.
 */
import { z } from 'zod';
import {
  DEFAULT_CLOUD_ASNS,
  DEFAULT_HOSTING_ASNS,
  DEFAULT_IP_CACHE_SIZE,
  PROVIDER_NAME,
} from '../normalize/enrich/ip-context/index.js';

const path = z.string().min(1);
const pathOrOff = z.union([path, z.literal(false)], {
  error: 'expected a file path, or false to turn this source off',
});
const asn = z
  .number()
  .int('expected an AS number (a whole number)')
  .min(1, 'expected an AS number from 1 to 4294967295')
  .max(4294967295, 'expected an AS number from 1 to 4294967295');

/** The schema of `ipContext:`. */
export const ipContextSection = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('add country, ASN, provider, AWS service/region and Tor exit to source IPs'),
    countryMmdb: pathOrOff
      .optional()
      .describe(
        'a MaxMind GeoLite2-Country or -City (or compatible) .mmdb; default: the packaged geo-whois-asn-country database; false: no country',
      ),
    asnMmdb: path
      .optional()
      .describe('a MaxMind GeoLite2-ASN (or compatible) .mmdb; when set, used instead of asnCsv'),
    asnCsv: z
      .strictObject({
        ipv4: pathOrOff.optional().describe('IPv4 ranges; default: the packaged asn-ipv4.csv'),
        ipv6: pathOrOff.optional().describe('IPv6 ranges; default: the packaged asn-ipv6.csv'),
      })
      .prefault({})
      .describe('ASN CSV files (range_start,range_end,asn,organisation); false: none'),
    awsIpRanges: path
      .optional()
      .describe(
        'AWS ip-ranges.json; default: data/aws-ip-ranges.json in the workspace, when there (`keysnare data update` writes it)',
      ),
    torExitList: path
      .optional()
      .describe(
        'a Tor exit list (one address per line, or exit-addresses); default: data/tor-exit-list.txt in the workspace, when there',
      ),
    cloudAsns: z
      .record(
        z.string().regex(PROVIDER_NAME, 'expected a lower-case provider name other than "hosting"'),
        z.array(asn),
      )
      .default(() => structuredClone(DEFAULT_CLOUD_ASNS) as Record<string, number[]>)
      .describe("provider name → AS numbers; AWS's published ranges are 'aws' whatever the ASN"),
    hostingAsns: z
      .array(asn)
      .default(() => [...DEFAULT_HOSTING_ASNS])
      .describe("AS numbers of hosting and VPS providers, labelled provider 'hosting'"),
    cacheSize: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(DEFAULT_IP_CACHE_SIZE)
      .describe('distinct source IPs remembered per worker thread'),
  })
  .prefault({});

/** A validated `ipContext:` section. */
export type IpContextConfig = z.output<typeof ipContextSection>;

/** A YAML flow list of numbers over several lines, each under ~90 columns. */
function flowList(values: readonly number[], indent: string): string {
  const lines: string[] = [];
  let line: string[] = [];
  for (const v of values) {
    if ([...line, v].join(', ').length > 84) {
      lines.push(line.join(', '));
      line = [];
    }
    line.push(String(v));
  }
  if (line.length > 0) lines.push(line.join(', '));
  return `[\n${lines.map((l) => `${indent}  ${l},`).join('\n')}\n${indent}]`;
}

/** The commented `ipContext:` block of the default keysnare.yaml (every value its default). */
export function ipContextYaml(): string {
  const clouds = Object.entries(DEFAULT_CLOUD_ASNS)
    .map(([name, asns]) => `    ${name}: [${asns.join(', ')}]`)
    .join('\n');
  return `ipContext:
  # Country, AS number and organisation, cloud or hosting provider, AWS service and region, and
  # Tor exit for source IPs, from local files only: nothing is looked up on the network.
  enabled: true
  # Your own MaxMind GeoLite2-Country (or -City) and GeoLite2-ASN files replace the packaged data;
  # false turns a source off. Relative paths are relative to the workspace.
  # countryMmdb: /var/lib/GeoIP/GeoLite2-Country.mmdb
  # asnMmdb: /var/lib/GeoIP/GeoLite2-ASN.mmdb
  # ASN CSV files (range_start,range_end,asn,organisation), one per family. Default: packaged.
  asnCsv: {}
  # AWS ip-ranges.json and a Tor exit list. Default: data/aws-ip-ranges.json and
  # data/tor-exit-list.txt here, when present; \`keysnare data update\` downloads both.
  # awsIpRanges: data/aws-ip-ranges.json
  # torExitList: data/tor-exit-list.txt
  # Provider names by AS number. Addresses in AWS's ip-ranges.json are 'aws' whatever their ASN.
  cloudAsns:
${clouds}
  # AS numbers labelled 'hosting': DigitalOcean, OVH, Hetzner, Linode, Vultr, Contabo, Scaleway,
  # M247, Leaseweb, Oracle, Alibaba, Tencent, IBM Cloud, IONOS, Hostinger and other VPS hosts.
  hostingAsns: ${flowList(DEFAULT_HOSTING_ASNS, '  ')}
  # Distinct source IPs remembered per worker thread.
  cacheSize: ${DEFAULT_IP_CACHE_SIZE}`;
}
