/**
 * User agents and source addresses as they appear in real trails: CLI, SDKs, console, Terraform,
 * AWS services, and a few offensive (Kali) ones.
 */
import type { Rng } from './prng.js';

/** Who is behind a principal's calls; decides its user agent and source address. */
export type ClientKind =
  'aws-cli' | 'boto3' | 'sdk-js' | 'sdk-java' | 'sdk-go' | 'console' | 'terraform' | 'kali';

const CLI_VERSIONS = ['2.15.30', '2.17.4', '2.22.8', '2.13.25'];
const BOTO_VERSIONS = ['1.34.69', '1.35.36', '1.28.62'];
const CLI_COMMANDS = ['s3.cp', 'sts.get-caller-identity', 'ec2.describe-instances', 'kms.decrypt'];
const KERNELS = [
  '5.10.213-201.855.amzn2.x86_64',
  '6.1.79-99.167.amzn2023.x86_64',
  '5.15.0-1051-aws',
];

/** A user agent string for a client kind. */
export function userAgentFor(kind: ClientKind, rng: Rng): string {
  switch (kind) {
    case 'aws-cli':
      return `aws-cli/${rng.pick(CLI_VERSIONS)} Python/3.11.8 Linux/${rng.pick(KERNELS)} exe/x86_64.ubuntu.22 prompt/off command/${rng.pick(CLI_COMMANDS)}`;
    case 'boto3': {
      const v = rng.pick(BOTO_VERSIONS);
      return `Boto3/${v} Python/3.12.2 Linux/${rng.pick(KERNELS)} Botocore/${v.replace(/^1\.\d+/, '1.34')}`;
    }
    case 'sdk-js':
      return `aws-sdk-js/3.540.0 ua/2.1 os/linux#${rng.pick(KERNELS)} lang/js md/nodejs#20.11.1 api/${rng.pick(['s3', 'kms', 'sts'])}#3.540.0`;
    case 'sdk-java':
      return `aws-sdk-java/2.25.16 Linux/${rng.pick(KERNELS)} OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc.`;
    case 'sdk-go':
      return 'aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.5';
    case 'console':
      return rng.pick([
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0',
      ]);
    case 'terraform':
      return 'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64';
    case 'kali':
      return kaliUserAgent(rng);
  }
}

/** A user agent from a Kali Linux host (what GuardDuty's PenTest finding keys on). */
export function kaliUserAgent(rng: Rng): string {
  return rng.pick([
    'aws-cli/2.9.19 Python/3.11.2 Linux/6.5.0-kali3-amd64 source/x86_64.kali.2023 prompt/off command/sts.get-caller-identity',
    'aws-cli/1.22.34 Python/3.9.12 Linux/5.18.0-kali5-amd64 botocore/1.24.34',
    'Boto3/1.26.54 Python/3.11.7 Linux/6.6.9-amd64 Botocore/1.29.54 Kali/2024.1',
  ]);
}

/** A public IPv4 address outside reserved ranges. */
export function publicIpv4(rng: Rng): string {
  const first = rng.pick([3, 18, 34, 35, 52, 54, 81, 85, 91, 104, 146, 185, 198, 203]);
  return `${first}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

/** A global IPv6 address (AWS-style or ISP-style prefix). */
export function publicIpv6(rng: Rng): string {
  const hex = (): string => rng.u32().toString(16).slice(0, 4);
  return `${rng.pick(['2600:1f18', '2a05:d018', '2001:67c'])}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}`;
}

/** A VPC-private IPv4 address (calls through a VPC endpoint). */
export function privateIpv4(rng: Rng): string {
  return `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

/** The source address a client kind typically calls from. */
export function sourceIpFor(kind: ClientKind, rng: Rng): string {
  if (kind === 'console' || kind === 'aws-cli') {
    return rng.chance(0.25) ? publicIpv6(rng) : publicIpv4(rng);
  }
  if (kind === 'kali' || kind === 'terraform') return publicIpv4(rng);
  return rng.chance(0.2) ? privateIpv4(rng) : publicIpv4(rng);
}
