import { describe, expect, it } from 'vitest';
import {
  bindCondition,
  parseCondition,
  referencedNames,
  SigmaAggregationError,
  SigmaConditionError,
} from './condition.js';

/** Evaluate `condition` over `names` with the searches in `hit` matching. */
function holds(condition: string, names: readonly string[], hit: readonly string[]): boolean {
  return bindCondition(parseCondition(condition), names)((n) => hit.includes(n));
}

describe('Sigma conditions', () => {
  const names = ['selection', 'filter_main_a', 'filter_main_b', 'filter_optional', '_helper'];

  it('binds not tighter than and, and and tighter than or', () => {
    expect(holds('selection and not filter_optional', names, ['selection'])).toBe(true);
    expect(
      holds('selection and not filter_optional', names, ['selection', 'filter_optional']),
    ).toBe(false);
    // a or b and c = a or (b and c)
    expect(holds('selection or filter_main_a and filter_main_b', names, ['selection'])).toBe(true);
    expect(holds('(selection or filter_main_a) and filter_main_b', names, ['selection'])).toBe(
      false,
    );
    expect(holds('not not selection', names, ['selection'])).toBe(true);
  });

  it('reads keywords in any case', () => {
    expect(holds('selection AND NOT filter_optional', names, ['selection'])).toBe(true);
  });

  it('expands 1 of / all of over identifier patterns and them (without _ names)', () => {
    expect(
      holds('selection and not 1 of filter_main_*', names, ['selection', 'filter_main_b']),
    ).toBe(false);
    expect(holds('selection and not 1 of filter_main_*', names, ['selection'])).toBe(true);
    expect(holds('all of filter_main_*', names, ['filter_main_a'])).toBe(false);
    expect(holds('all of filter_main_*', names, ['filter_main_a', 'filter_main_b'])).toBe(true);
    expect(holds('1 of them', names, ['_helper'])).toBe(false);
    expect(
      holds('all of them', names, [
        'selection',
        'filter_main_a',
        'filter_main_b',
        'filter_optional',
      ]),
    ).toBe(true);
    expect(holds('1 of filter_main_?', names, ['filter_main_a'])).toBe(true);
    expect(holds('1 of filter_main_?', names, ['filter_optional'])).toBe(false);
    expect(referencedNames(parseCondition('selection and not 1 of filter_main_*'), names)).toEqual([
      'selection',
      'filter_main_a',
      'filter_main_b',
    ]);
  });

  it('refuses the old aggregation syntax as unsupported, with the reason', () => {
    expect(() => parseCondition('selection | count() by sourceIPAddress > 5')).toThrow(
      SigmaAggregationError,
    );
    expect(() => parseCondition('selection1 | near selection2')).toThrow(/correlation rule/);
  });

  it('names what is wrong and where', () => {
    expect(() => parseCondition('selection and')).toThrow(/expected a search identifier/);
    expect(() => parseCondition('(selection')).toThrow(/expected "\)" \(at character 11\)/);
    expect(() => parseCondition('selection filter')).toThrow(/unexpected "filter"/);
    expect(() => parseCondition('2 of selection*')).toThrow(/only "1 of" and "all of"/);
    expect(() => parseCondition('')).toThrow(/empty/);
    expect(() => parseCondition('selection & filter')).toThrow(SigmaConditionError);
    expect(() => bindCondition(parseCondition('selection and nope'), names)).toThrow(/"nope"/);
    expect(() => bindCondition(parseCondition('1 of missing_*'), names)).toThrow(/stands for no/);
  });
});
