/**
 * A Postman environment export holding the keys (as used by Postman's AWS Signature auth). The
 * secret is typed `secret`, as a careful exporter would; it is still in the file.
 */
import {
  assertBaitInput,
  seededNumber,
  seededPick,
  seededUuid,
  type BaitFormat,
  type BaitInput,
} from './bait.js';

/** Variable naming schemes seen in shared environments. */
const SCHEMES = [
  ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'],
  ['accessKey', 'secretKey', 'region'],
  ['aws_access_key_id', 'aws_secret_access_key', 'aws_region'],
] as const;

/** Exports happened some time in 2024–2025: derived from the seed, not the clock. */
const EXPORT_EPOCH_MS = Date.UTC(2024, 0, 1);
const EXPORT_SPAN_S = 730 * 86_400;

interface PostmanValue {
  key: string;
  value: string;
  type: 'default' | 'secret';
  enabled: true;
}

function values(input: BaitInput): PostmanValue[] {
  const [idKey, secretKey, regionKey] = seededPick(input.seed, 'postman.scheme', SCHEMES);
  const list: PostmanValue[] = [
    { key: idKey, value: input.accessKeyId, type: 'default', enabled: true },
    { key: secretKey, value: input.secretAccessKey, type: 'secret', enabled: true },
    { key: regionKey, value: input.region, type: 'default', enabled: true },
  ];
  if (seededPick(input.seed, 'postman.baseUrl', [true, false])) {
    const service = seededPick(input.seed, 'postman.service', [
      's3',
      'sqs',
      'dynamodb',
      'execute-api',
    ]);
    const url = `https://${service}.${input.region}.amazonaws.com`;
    list.unshift({ key: 'baseUrl', value: url, type: 'default', enabled: true });
  }
  return list;
}

/** A Postman environment JSON export. */
export const postman = {
  id: 'postman',
  description: 'Postman environment export (JSON) with the keys as variables',
  defaultFileName: 'aws.postman_environment.json',
  render(input: BaitInput): string {
    assertBaitInput('postman', input);
    const seconds = seededNumber(input.seed, 'postman.exportedAt') % EXPORT_SPAN_S;
    const millis = seededNumber(input.seed, 'postman.exportedAtMs') % 1000;
    const name = seededPick(input.seed, 'postman.name', [
      `AWS (${input.profile})`,
      input.profile,
      `AWS ${input.region}`,
    ]);
    const doc = {
      id: seededUuid(input.seed, 'postman.id'),
      name,
      values: values(input),
      _postman_variable_scope: 'environment',
      _postman_exported_at: new Date(EXPORT_EPOCH_MS + seconds * 1000 + millis).toISOString(),
      _postman_exported_using: seededPick(input.seed, 'postman.version', [
        'Postman/10.24.16',
        'Postman/11.1.14',
        'Postman/11.6.2',
        'Postman/11.19.0',
      ]),
    };
    return `${JSON.stringify(doc, null, '\t')}\n`;
  },
} as const satisfies BaitFormat;
