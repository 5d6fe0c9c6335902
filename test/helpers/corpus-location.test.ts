import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, corpusCandidates, findCorpus, isCi } from './corpus-location.js';

describe('corpus location', () => {
  it('is KEYSNARE_CORPUS alone when set, resolved against the repository', () => {
    expect(corpusCandidates({ KEYSNARE_CORPUS: 'data/c' })).toEqual([
      path.join(REPO_ROOT, 'data/c'),
    ]);
    expect(corpusCandidates({ KEYSNARE_CORPUS: '/abs/c' })).toEqual(['/abs/c']);
    expect(findCorpus({ KEYSNARE_CORPUS: '/nonexistent/keysnare-corpus' })).toBeUndefined();
  });

  it('defaults to ../shared/corpus beside the repository, then the fetched .corpus/', () => {
    expect(corpusCandidates({})).toEqual([
      path.resolve(REPO_ROOT, '../shared/corpus'),
      path.join(REPO_ROOT, '.corpus'),
    ]);
  });

  it('treats CI=true (or any non-false value) as CI', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({})).toBe(false);
  });
});
