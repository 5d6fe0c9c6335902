/**
 * `~/.aws/credentials`: one profile holding only the key pair, the way `aws configure` writes it.
 * Region and output belong in `~/.aws/config`; putting them here is canarytokens' tell.
 */
import { assertBaitInput, type BaitFormat, type BaitInput } from './bait.js';

/** The shared-credentials-file profile. */
export const credentials = {
  id: 'credentials',
  description: 'AWS shared credentials file profile (~/.aws/credentials), keys only',
  defaultFileName: 'credentials',
  render(input: BaitInput): string {
    assertBaitInput('credentials', input);
    return [
      `[${input.profile}]`,
      `aws_access_key_id = ${input.accessKeyId}`,
      `aws_secret_access_key = ${input.secretAccessKey}`,
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
