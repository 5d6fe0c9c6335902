/**
 * The bait-format registry. Adding a format = one file + one line here.
 */
import { AppError } from '../../core/errors.js';
import type { BaitFormat } from './bait.js';
import { config } from './config.js';
import { credentials } from './credentials.js';
import { dotenv } from './dotenv.js';
import { env } from './env.js';
import { githubActions } from './github-actions.js';
import { js } from './js.js';
import { k8sSecret } from './k8s-secret.js';
import { postman } from './postman.js';
import { python } from './python.js';
import { terraform } from './terraform.js';

/** Every bait format, in the order `keysnare token render --format` lists them. */
export const baitFormats = [
  credentials,
  config,
  env,
  dotenv,
  terraform,
  python,
  js,
  postman,
  githubActions,
  k8sSecret,
] as const satisfies readonly BaitFormat[];

/** The bait format with this id; throws `KS_BAIT_FORMAT` listing the known ids otherwise. */
export function findBaitFormat(id: string): BaitFormat {
  const format = baitFormats.find((f) => f.id === id);
  if (format === undefined) {
    throw new AppError('KS_BAIT_FORMAT', { format: id, formats: baitFormats.map((f) => f.id) });
  }
  return format;
}
