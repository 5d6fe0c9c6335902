/**
 * A `.env` file: the AWS keys among a few ordinary, non-secret application settings, so the file
 * reads like an app's real environment rather than a lone key pair.
 */
import {
  assertBaitInput,
  seededNumber,
  seededPick,
  type BaitFormat,
  type BaitInput,
} from './bait.js';
import { dotenvValue } from './quote.js';

/** Non-secret neighbours; one value per entry is chosen by seed. */
const NEIGHBOURS: readonly (readonly [key: string, values: readonly [string, ...string[]]])[] = [
  ['APP_ENV', ['production', 'prod', 'staging']],
  ['NODE_ENV', ['production']],
  ['LOG_LEVEL', ['info', 'warn', 'debug', 'error']],
  ['PORT', ['3000', '8080', '8000', '5000']],
  ['TZ', ['UTC']],
  ['APP_NAME', ['billing-api', 'reports', 'ingest-worker', 'admin-portal', 'exporter']],
];

function neighbours(seed: string): string[] {
  const count = 2 + (seededNumber(seed, 'dotenv.count') % 2);
  const start = seededNumber(seed, 'dotenv.start') % NEIGHBOURS.length;
  const picked: string[] = [];
  for (let i = 0; i < count; i++) {
    const entry = NEIGHBOURS[(start + i) % NEIGHBOURS.length];
    if (entry === undefined) continue;
    const [key, values] = entry;
    picked.push(`${key}=${dotenvValue(seededPick(seed, `dotenv.${key}`, values))}`);
  }
  return picked;
}

/** An application `.env` file. */
export const dotenv = {
  id: 'dotenv',
  description: 'Application .env file with AWS keys among ordinary settings',
  defaultFileName: '.env',
  render(input: BaitInput): string {
    assertBaitInput('dotenv', input);
    const regionKey = seededPick(input.seed, 'dotenv.region', ['AWS_REGION', 'AWS_DEFAULT_REGION']);
    return [
      ...neighbours(input.seed),
      '',
      `AWS_ACCESS_KEY_ID=${dotenvValue(input.accessKeyId)}`,
      `AWS_SECRET_ACCESS_KEY=${dotenvValue(input.secretAccessKey)}`,
      `${regionKey}=${dotenvValue(input.region)}`,
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
