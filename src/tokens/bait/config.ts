/**
 * `~/.aws/config`: the counterpart of the credentials profile, `[profile NAME]` (or `[default]`)
 * with region and output. Output varies by token so every bait does not say `json`.
 */
import { assertBaitInput, seededWeighted, type BaitFormat, type BaitInput } from './bait.js';

/** Output formats weighted like real configs. */
const OUTPUTS: readonly (readonly [string, number])[] = [
  ['json', 6],
  ['yaml', 2],
  ['text', 2],
];

/** The `[profile NAME]` section header of ~/.aws/config (`[default]` for the default profile). */
export function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/** The shared-config-file profile. */
export const config = {
  id: 'config',
  description: 'AWS shared config file profile (~/.aws/config) with region and output',
  defaultFileName: 'config',
  render(input: BaitInput): string {
    assertBaitInput('config', input);
    return [
      `[${configSectionName(input.profile)}]`,
      `region = ${input.region}`,
      `output = ${seededWeighted(input.seed, 'config.output', OUTPUTS)}`,
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
