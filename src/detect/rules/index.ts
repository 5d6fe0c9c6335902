import type { Rule } from '../rule.js';
import { honeytokenUsed } from './honeytoken-used.js';

/** Every built-in rule. Adding a rule = one file + one line here. */
export const rules = [honeytokenUsed] as const satisfies readonly Rule[];
