import { hash } from 'node:crypto';
import type { Token } from '../core/index.js';
import { tokenFromInput } from './registry.js';
import type { TokenInput } from './token-file.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A token given in a file (not registered): its id is derived from the key so it is stable across runs. */
export function fileToken(input: TokenInput, now: Date): Token {
  const digest = hash('sha256', input.accessKeyId, 'buffer');
  let id = 'tok_';
  for (let i = 0; i < 12; i++) id += ALPHABET[(digest[i] ?? 0) & 31];
  return tokenFromInput(input, 'file', now, id);
}
