/** A boto3 snippet with literal keys, either a `Session` or a direct `client(...)` call. */
import { assertBaitInput, seededPick, type BaitFormat, type BaitInput } from './bait.js';
import { pythonString } from './quote.js';

/** A boto3 client or session snippet. */
export const python = {
  id: 'python',
  description: 'Python boto3 session/client snippet with literal keys',
  defaultFileName: 'aws_client.py',
  render(input: BaitInput): string {
    assertBaitInput('python', input);
    const service = seededPick(input.seed, 'python.service', ['s3', 'dynamodb', 'sqs', 'ses']);
    const args = [
      `aws_access_key_id=${pythonString(input.accessKeyId)}`,
      `aws_secret_access_key=${pythonString(input.secretAccessKey)}`,
      `region_name=${pythonString(input.region)}`,
    ].map((a) => `    ${a},`);
    const useSession = seededPick(input.seed, 'python.shape', [true, false]);
    const body = useSession
      ? [
          'session = boto3.Session(',
          ...args,
          ')',
          `${service} = session.client(${pythonString(service)})`,
        ]
      : [`${service} = boto3.client(`, `    ${pythonString(service)},`, ...args, ')'];
    return ['import boto3', '', ...body, ''].join('\n');
  },
} as const satisfies BaitFormat;
