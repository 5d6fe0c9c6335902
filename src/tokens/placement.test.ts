import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.js';
import { parsePlacement, placementFromObject } from './placement.js';
import { parseTokenFile } from './token-file.js';

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (isAppError(err, 'KS_PLACEMENT_INVALID')) return err.message;
    throw err;
  }
  throw new Error('not refused');
};

describe('parsePlacement', () => {
  it('reads the known keys, values with commas included', () => {
    expect(parsePlacement('host=b-7, path=~/.aws/credentials,owner=ops,notes=a, b')).toEqual({
      host: 'b-7',
      path: '~/.aws/credentials',
      owner: 'ops',
      notes: 'a, b',
    });
  });

  it('refuses a placement that sets no value', () => {
    expect(refusal(() => parsePlacement('host='))).toMatch(/sets no value/);
    expect(refusal(() => parsePlacement('host=,path= '))).toMatch(/sets no value/);
  });

  it('refuses an unknown key and names the known ones', () => {
    expect(refusal(() => parsePlacement('hots=web-1'))).toMatch(
      /unknown key "hots"; known keys: host, path, owner, notes/,
    );
  });
});

describe('placementFromObject', () => {
  it('applies the same rules to a token file placement object', () => {
    expect(placementFromObject({ host: ' a ', path: '' })).toEqual({ host: 'a' });
    expect(refusal(() => placementFromObject({ repo: 'x' }))).toMatch(/unknown key "repo"/);
    expect(refusal(() => placementFromObject({ host: '' }))).toMatch(/sets no value/);
    expect(refusal(() => placementFromObject({ host: 'a\u001bb' }))).toMatch(/control/);
  });

  it('is how a token file reports a bad placement, once, with the entry index', () => {
    let lines: readonly string[] = [];
    try {
      parseTokenFile(
        JSON.stringify([{ accessKeyId: 'AKIAQEXAMPLE00000001', placement: { repo: 'x' } }]),
        't.json',
      );
    } catch (err) {
      if (isAppError(err, 'KS_INPUT_INVALID')) lines = err.lines;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[0\]\.placement "repo=x": unknown key "repo"/);
    expect(lines[0]).not.toContain('t.json');
  });
});
