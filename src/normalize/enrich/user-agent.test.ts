import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { classifyUserAgent } from './user-agent.js';
import { TOOL_SIGNATURES } from './user-agent-tools.js';

const CLI =
  'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/s3.ls';

describe('classifyUserAgent', () => {
  it.each([
    [CLI, 'aws-cli', 'aws-cli'],
    [`[${CLI}]`, 'aws-cli', 'aws-cli'],
    [
      'APN/1.0 HashiCorp/1.0 Terraform/1.11.0 (+https://www.terraform.io) terraform-provider-aws/5.98.0 aws-sdk-go-v2/1.36.3',
      'terraform',
      'terraform',
    ],
    [
      'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.5.0 lang/python#3.11.6',
      'aws-sdk',
      'boto3',
    ],
    ['Botocore/1.34.0 Python/3.11.6 Linux/6.5.0', 'aws-sdk', 'botocore'],
    ['aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 md/GOOS#linux', 'aws-sdk', 'aws-sdk-go-v2'],
    ['aws-sdk-go/1.44.0 (go1.21; linux; amd64)', 'aws-sdk', 'aws-sdk-go'],
    ['aws-sdk-java/2.20.0 Linux/6.5 OpenJDK_64-Bit_Server_VM/17', 'aws-sdk', 'aws-sdk-java'],
    ['aws-sdk-js/3.500.0 ua/2.1 os/linux#6.5 lang/js md/nodejs#20.11.0', 'aws-sdk', 'aws-sdk-js'],
    [
      'aws-sdk-dotnet-coreclr/3.7.0 aws-sdk-dotnet-core/3.7.0 .NET_Core/8.0',
      'aws-sdk',
      'aws-sdk-dotnet-coreclr',
    ],
    ['aws-sdk-ruby3/3.190.0 ruby/3.2.2 x86_64-linux', 'aws-sdk', 'aws-sdk-ruby3'],
    ['aws-sdk-php/3.300.0 OS/Linux/6.5 lang/php#8.2', 'aws-sdk', 'aws-sdk-php'],
    ['aws-sdk-rust/1.1.0 os/linux lang/rust#1.75.0', 'aws-sdk', 'aws-sdk-rust'],
    ['aws-sdk-cpp/1.11.0 Linux/6.5 x86_64 GCC/12', 'aws-sdk', 'aws-sdk-cpp'],
    ['AWSPowerShell/4.1.500 .NET_Runtime/4.0', 'aws-sdk', 'aws-powershell'],
    ['bedrock.amazonaws.com', 'aws-service', 'bedrock'],
    ['cloudformation.amazonaws.com', 'aws-service', 'cloudformation'],
    ['curl/8.5.0', 'scripting', 'curl'],
    ['python-requests/2.31.0', 'scripting', 'python-requests'],
    ['Go-http-client/1.1', 'scripting', 'go-http-client'],
    ['okhttp/4.12.0', 'scripting', 'okhttp'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      'browser',
      'chrome',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
      'browser',
      'firefox',
    ],
  ] as const)('classifies %s', (ua, cls, name) => {
    expect(classifyUserAgent(ua)).toEqual({ class: cls, name });
  });

  it.each([
    ['signin.amazonaws.com', 'console'],
    ['console.amazonaws.com', 'console'],
    ['console.ec2.amazonaws.com', 'console'],
    ['AWS Console, aws-internal/3 aws-sdk-java/1.12.0', 'console'],
    ['us-east-1.console.aws.amazon.com', 'console'],
    ['AWS Internal', 'aws-internal'],
    ['aws-internal/3 aws-sdk-java/1.12.0 Linux/5.10', 'aws-internal'],
    ['Jersey/${project.version} (HttpUrlConnection 17.0.12)', 'other'],
    ['my-app/1.0', 'other'],
  ] as const)('classifies %s as %s', (ua, cls) => {
    expect(classifyUserAgent(ua).class).toBe(cls);
  });

  it.each([
    ['aws-cli/2.15.0 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off', 'kali'],
    ['aws-cli/2.17.0 md/awscrt#0.20 ua/2.0 os/linux#6.6.15-amd64 md/distrib#kali.2024', 'kali'],
    ['Boto3/1.26.0 Python/3.11.2 Linux/5.10.0-kali7-amd64 Botocore/1.29.0', 'kali'],
    ['[aws-cli/1.29.0 Python/3.11.2 Linux/6.5.0-13parrot1-amd64 botocore/1.31.0]', 'parrot'],
    ['aws-cli/2.13.0 Python/3.11.4 Linux/6.1.0-pentoo distrib/pentoo', 'pentoo'],
    ['aws-cli/2.13.0 Python/3.11.4 Linux/6.6.1-arch1-1 distrib/blackarch', 'blackarch'],
    ['APN/1.0 HashiCorp/1.0 Terraform/1.6.0 Linux/6.6.9-amd64-KALI', 'kali'],
    // Kernel releases in the botocore `Linux/…` field (boto3, AWS CLI v1, Java v1, C++).
    ['Botocore/1.31.0 Python/3.11.4 Linux/5.15.0-kali3-amd64', 'kali'],
    ['aws-cli/1.19.1 Python/3.9.2 Linux/6.0.0-2parrot1-amd64 botocore/1.29.58', 'parrot'],
    ['aws-sdk-java/1.12.600 Linux/6.1.0+kali-amd64 OpenJDK_64-Bit_Server_VM/17.0.9', 'kali'],
    ['aws-sdk-cpp/1.11.200 Linux/6.6.30-pentoo x86_64 GCC/13.2.1', 'pentoo'],
    // The `ua/2.0` metadata forms and the CLI v2 distribution fields.
    ['aws-cli/2.13.0 Python/3.11.4 Linux/6.5.0 exe/x86_64.parrot.6 prompt/off', 'parrot'],
    ['aws-cli/2.9.19 Python/3.11.2 Linux/6.6.9-amd64 source/x86_64.kali.2023 prompt/off', 'kali'],
    ['aws-cli/2.17.0 ua/2.0 os/linux#6.6.15-amd64 md/distrib#kali-rolling md/prompt#off', 'kali'],
    ['aws-cli/2.17.0 ua/2.0 os/linux#6.8.11-amd64 distrib#blackarch.2024', 'blackarch'],
    [
      'aws-sdk-js/3.540.0 ua/2.1 os/linux#6.5.0-13parrot1-amd64 lang/js md/nodejs#20.11.1',
      'parrot',
    ],
    ['aws-sdk-java/2.25.0 ua/2.0 os/Linux#5.15.0-kali3-amd64 lang/java#17.0.9 md/OpenJDK', 'kali'],
    ['aws-sdk-php/3.300.0 OS/Linux/6.5.0-kali3-amd64 lang/php#8.2.12', 'kali'],
    [
      'aws-sdk-dotnet-coreclr/3.7.300 aws-sdk-dotnet-core/3.7.300 .NET_Core/8.0 OS/Linux_6.6.9-amd64_#1_SMP_PREEMPT_DYNAMIC_Kali_6.6.9-1kali1',
      'kali',
    ],
  ])('flags the offensive OS in %s, beating the CLI/SDK', (ua, name) => {
    expect(classifyUserAgent(ua)).toEqual({ class: 'offensive-os', name, os: name });
  });

  it('does not flag words that merely contain a distro name', () => {
    expect(classifyUserAgent('aws-cli/2.15.0 Python/3.11 Linux/6.5 app/kalimba').class).toBe(
      'aws-cli',
    );
    expect(classifyUserAgent('aws-sdk-js/3.0 app/parrotfish').class).toBe('aws-sdk');
    expect(classifyUserAgent('aws-cli/2.15.0 Linux/6.5.0-kalimba1').class).toBe('aws-cli');
  });

  it.each([
    'ParrotSecurityScanner/2.1 aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5',
    'parrot-notify/1.4 Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.8.0-1012-aws',
    'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 app/kali-dashboard',
    'kali',
    'Pentoo Boto3/1.34.0 Python/3.12 Linux/6.8.0-45-generic',
  ])('does not take a distro name outside an OS field for the OS: %s', (ua) => {
    expect(classifyUserAgent(ua).os).toBeUndefined();
    expect(classifyUserAgent(ua).class).not.toBe('offensive-os');
  });

  it.each([
    ['TruffleHog', 'trufflehog'],
    ['trufflehog/3.63.0 Go-http-client/1.1', 'trufflehog'],
    ['Boto3/1.26 Python/3.11 Linux/6.5 Botocore/1.29 Pacu/1.5.1', 'pacu'],
    ['aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21 cloudfox/1.13.0', 'cloudfox'],
    ['enumerate-iam/1.0 Boto3/1.26', 'enumerate-iam'],
    ['Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0 Pacu-Session-3f2a9c1e', 'pacu'],
    ['stratus-red-team_ea782787-a65d-4fc4-9fca-3d2c4e3a3e1b', 'stratus-red-team'],
    [
      'aws-cli/2.17.32 lang/python#3.11.9 exec-env/grimoire_fc719a8f-0ce1 cfg/retry-mode#standard',
      'grimoire',
    ],
  ])('flags the offensive tool in %s', (ua, name) => {
    expect(classifyUserAgent(ua)).toEqual({ class: 'offensive-tool', name });
  });

  it('prefers a named offensive tool over the offensive OS it runs on', () => {
    const ua = 'Boto3/1.26 Python/3.11 Linux/6.5.0-kali7-amd64 Botocore/1.29 Pacu/1.5.1';
    // The OS is still reported beside the tool, for useragent.offensive-os.
    expect(classifyUserAgent(ua)).toEqual({ class: 'offensive-tool', name: 'pacu', os: 'kali' });
  });

  it('names a defensive auditing tool but keeps the class of its client', () => {
    const ua = 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 lang/python#3.12 prowler/4.2.0';
    expect(classifyUserAgent(ua)).toEqual({ class: 'aws-sdk', name: 'prowler' });
  });

  it.each([
    [
      'Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.8.0 lang/python#3.12 APN_1826889',
      'prowler',
    ],
    [
      'Scout-Suite/5.14.0 md/Botocore#1.35.75 ua/2.0 os/linux#6.10.11-cloud-amd64 Scout Suite/5.14.0 (https://github.com/nccgroup/ScoutSuite)',
      'scoutsuite',
    ],
    ['S3 Browser/12.2.9 https://s3browser.com', 's3-browser'],
  ])('names the auditing tool or client in %s', (ua, name) => {
    expect(classifyUserAgent(ua).name).toBe(name);
    expect(classifyUserAgent(ua).class).not.toBe('offensive-tool');
  });

  it('names an auditing tool run from a penetration-testing OS, with the OS', () => {
    const ua = 'Scout Suite/5.12.0 Python/3.9.2 Linux/6.0.0-2parrot1-amd64 Scout Suite/5.12.0';
    expect(classifyUserAgent(ua)).toEqual({
      class: 'offensive-os',
      name: 'scoutsuite',
      os: 'parrot',
    });
  });

  it('documents a reason for every tool and keeps names unique', () => {
    const names = TOOL_SIGNATURES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const tool of TOOL_SIGNATURES) {
      expect(tool.reason.length).toBeGreaterThan(20);
      for (const needle of tool.needles) expect(needle).toBe(needle.toLowerCase());
    }
  });

  it('reports missing for undefined, empty, whitespace and empty brackets', () => {
    for (const ua of [undefined, '', '   ', '[]'])
      expect(classifyUserAgent(ua)).toEqual({ class: 'missing' });
  });

  it('treats markup in a user agent as plain data and never echoes it in the name', () => {
    const ua = '<script>alert(1)</script> aws-sdk-<img src=x onerror=alert(1)>/1.0 | evil';
    const result = classifyUserAgent(ua);
    expect(result).toEqual({ class: 'aws-sdk', name: 'aws-sdk-' });
    expect(classifyUserAgent('aws-cli/2.15 Linux/6.6.9-<b>kali</b>').class).toBe('offensive-os');
  });

  it('only inspects the first 2 KB, so a marker after that does not count', () => {
    expect(classifyUserAgent(`my-app/1.0 ${'x'.repeat(4000)} trufflehog`).class).toBe('other');
  });

  it('stays fast on hostile 1 MB strings', () => {
    const hostile = [
      'k'.repeat(1_000_000),
      'kal'.repeat(350_000),
      'aws-sdk-'.repeat(130_000),
      '['.repeat(1_000_000),
      'a-'.repeat(500_000) + '.amazonaws.com',
    ];
    for (const ua of hostile) expect(typeof classifyUserAgent(ua).class).toBe('string');
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => {
        const r = classifyUserAgent(s);
        expect(typeof r.class).toBe('string');
        if (r.name !== undefined) expect(r.name.length).toBeLessThanOrEqual(80);
      }),
    );
  });
});
