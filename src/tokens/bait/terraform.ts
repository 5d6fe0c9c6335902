/**
 * A Terraform `provider "aws"` block with literal keys, as people wrongly commit it, under a
 * `required_providers` block whose version constraint varies by token.
 */
import { assertBaitInput, seededPick, type BaitFormat, type BaitInput } from './bait.js';
import { hclString } from './quote.js';

/** A Terraform provider configuration. */
export const terraform = {
  id: 'terraform',
  description: 'Terraform provider "aws" block with access_key/secret_key/region',
  defaultFileName: 'provider.tf',
  render(input: BaitInput): string {
    assertBaitInput('terraform', input);
    const version = seededPick(input.seed, 'terraform.version', [
      '~> 5.0',
      '~> 4.67',
      '>= 5.30',
      '~> 5.46',
    ]);
    return [
      'terraform {',
      '  required_providers {',
      '    aws = {',
      '      source  = "hashicorp/aws"',
      `      version = ${hclString(version)}`,
      '    }',
      '  }',
      '}',
      '',
      'provider "aws" {',
      `  region     = ${hclString(input.region)}`,
      `  access_key = ${hclString(input.accessKeyId)}`,
      `  secret_key = ${hclString(input.secretAccessKey)}`,
      '}',
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
