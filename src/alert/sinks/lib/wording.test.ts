import { describe, expect, it } from 'vitest';
import { sampleMessage } from '../../../../test/helpers/alert-message.js';
import { ALERT_KINDS } from '../../../../test/helpers/sink-arbitrary.js';
import {
  chatHeadline,
  incidentKey,
  KIND_LABEL,
  KIND_LINE,
  KIND_SENTENCE,
  kindPrefix,
} from './wording.js';

describe('kind wording', () => {
  it('words every kind differently, in each table', () => {
    for (const table of [KIND_LABEL, KIND_LINE, KIND_SENTENCE])
      expect(new Set(ALERT_KINDS.map((k) => table[k])).size).toBe(ALERT_KINDS.length);
    expect(KIND_LINE.test).toMatch(/^TEST ALERT: nothing happened/);
    expect(KIND_SENTENCE.test).toMatch(/^TEST alert from Keysnare/);
  });

  it('prefixes every kind but a first alert with its label', () => {
    expect(kindPrefix('opened')).toBe('');
    expect(ALERT_KINDS.filter((k) => k !== 'opened').map(kindPrefix)).toEqual([
      '[Updated] ',
      '[Acknowledged] ',
      '[Resolved] ',
      '[False positive] ',
      '[Reopened] ',
      '[TEST] ',
    ]);
  });
});

describe('chatHeadline', () => {
  it('leads with the severity, and the kind for a follow-up; a test says TEST only', () => {
    const title = sampleMessage().title;
    expect(chatHeadline(sampleMessage())).toBe(`[CRITICAL] ${title}`);
    expect(chatHeadline(sampleMessage({ kind: 'resolved' }))).toBe(`[CRITICAL] Resolved: ${title}`);
    expect(chatHeadline(sampleMessage({ kind: 'test', severity: 'info' }))).toBe(`[TEST] ${title}`);
  });
});

describe('incidentKey', () => {
  it('is keysnare-<incident id>, inert and cut without a mark', () => {
    expect(incidentKey(sampleMessage(), 255)).toBe('keysnare-inc-00112233445566aa');
    expect(incidentKey(sampleMessage({ incidentId: 'a\r\nb\u202e' }), 255)).toBe('keysnare-a  b ');
    expect(incidentKey(sampleMessage({ incidentId: 'x'.repeat(300) }), 250)).toHaveLength(250);
    expect(incidentKey(sampleMessage({ incidentId: 'x'.repeat(300) }), 250)).not.toContain('…');
  });
});
