import type { Rule } from '../rule.js';
import { honeytokenTampered } from './honeytoken-tampered.js';
import { honeytokenUsed } from './honeytoken-used.js';

/** Every built-in rule. Adding a rule = one file + one line here. */
export const rules = [honeytokenUsed, honeytokenTampered] as const satisfies readonly Rule[];
