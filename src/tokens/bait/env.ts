/** Shell `export` lines, as found in `.envrc`, `.bashrc` snippets and deploy scripts. */
import { assertBaitInput, seededPick, type BaitFormat, type BaitInput } from './bait.js';
import { shellWord } from './quote.js';

/** Shell environment exports. */
export const env = {
  id: 'env',
  description: 'Shell export lines (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION)',
  defaultFileName: 'aws-env.sh',
  render(input: BaitInput): string {
    assertBaitInput('env', input);
    const lines = [
      `export AWS_ACCESS_KEY_ID=${shellWord(input.accessKeyId)}`,
      `export AWS_SECRET_ACCESS_KEY=${shellWord(input.secretAccessKey)}`,
      `export AWS_DEFAULT_REGION=${shellWord(input.region)}`,
    ];
    const header = seededPick(input.seed, 'env.header', [
      [],
      ['#!/bin/sh'],
      [`# ${input.profile} account`],
    ] as const);
    return [...header, ...lines, ''].join('\n');
  },
} as const satisfies BaitFormat;
