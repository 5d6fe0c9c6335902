import { describe, expect, it } from 'vitest';
import { createInterner } from './intern.js';

describe('createInterner', () => {
  it('hands back the first copy of an equal string', () => {
    const intern = createInterner();
    const first = intern(['a', 'b'].join('-'));
    const again = intern(['a', 'b'].join('-'));
    expect(again).toBe(first);
    expect(intern('c')).toBe('c');
  });

  it('stays correct past its bound, forgetting what it held', () => {
    const intern = createInterner(2);
    for (const s of ['x', 'y', 'z', 'x']) expect(intern(s)).toBe(s);
  });
});
