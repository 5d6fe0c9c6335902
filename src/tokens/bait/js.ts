/** An AWS SDK for JavaScript v3 client constructed with a literal `credentials` object. */
import { assertBaitInput, seededPick, type BaitFormat, type BaitInput } from './bait.js';
import { jsString } from './quote.js';

/** SDK client classes and their packages. */
const CLIENTS = [
  ['S3Client', '@aws-sdk/client-s3'],
  ['DynamoDBClient', '@aws-sdk/client-dynamodb'],
  ['SQSClient', '@aws-sdk/client-sqs'],
  ['SESv2Client', '@aws-sdk/client-sesv2'],
] as const;

/** An AWS SDK v3 client snippet. */
export const js = {
  id: 'js',
  description: 'JavaScript AWS SDK v3 client snippet with a literal credentials object',
  defaultFileName: 'aws-client.js',
  render(input: BaitInput): string {
    assertBaitInput('js', input);
    const [cls, pkg] = seededPick(input.seed, 'js.client', CLIENTS);
    const variable = seededPick(input.seed, 'js.variable', [
      'client',
      cls.replace(/Client$/, '').toLowerCase(),
    ]);
    return [
      `import { ${cls} } from ${jsString(pkg)};`,
      '',
      `export const ${variable} = new ${cls}({`,
      `  region: ${jsString(input.region)},`,
      '  credentials: {',
      `    accessKeyId: ${jsString(input.accessKeyId)},`,
      `    secretAccessKey: ${jsString(input.secretAccessKey)},`,
      '  },',
      '});',
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
