import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_REPORT_FIELD,
  MAX_REPORT_PROBLEMS,
  MAX_REPORT_ROWS,
  parseCredentialReport,
  parseInstant,
} from './credential-report.js';

/** The 22 documented columns, in AWS's order (reference/aws.md §3.2). */
const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

const ROOT =
  '<root_account>,arn:aws:iam::111122223333:root,2015-01-01T00:00:00+00:00,not_supported,2025-01-01T09:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const CANARY =
  'svc-billing-prod,arn:aws:iam::111122223333:user/svc-billing-prod,2025-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-01-01T00:00:05+00:00,2025-01-02T10:05:00+00:00,us-east-1,sts,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const NEVER_USED =
  'ci-deploy,arn:aws:iam::111122223333:user/ci/ci-deploy,2025-01-01T00:00:00+00:00,false,no_information,N/A,N/A,false,TRUE,2025-01-01T00:00:05+00:00,N/A,N/A,N/A,FALSE,2025-02-01T00:00:00+00:00,2025-02-03T04:00:00-05:00,N/A,s3,false,N/A,false,N/A';

/** Problems other than the note about key columns a short test header lacks. */
const rowProblems = (problems: readonly string[]): string[] =>
  problems.filter((p) => !p.startsWith('the header lacks columns'));

describe('parseCredentialReport', () => {
  it('reads the documented report, keeping the root row flagged', () => {
    const r = parseCredentialReport([HEADER, ROOT, CANARY, NEVER_USED, ''].join('\n'));
    expect(r.problems).toEqual([]);
    expect(r.rows.map((row) => [row.user, row.root])).toEqual([
      ['<root_account>', true],
      ['svc-billing-prod', false],
      ['ci-deploy', false],
    ]);
    expect(r.rows[0]?.keys).toEqual([{ active: false }, { active: false }]);
    expect(r.rows[1]).toEqual({
      user: 'svc-billing-prod',
      arn: 'arn:aws:iam::111122223333:user/svc-billing-prod',
      root: false,
      keys: [
        {
          active: true,
          lastRotated: '2025-01-01T00:00:05.000Z',
          lastUsedDate: '2025-01-02T10:05:00.000Z',
          lastUsedRegion: 'us-east-1',
          lastUsedService: 'sts',
        },
        { active: false },
      ],
    });
  });

  it('reads booleans in any case and N/A, no_information and empty as no value', () => {
    const r = parseCredentialReport(`${HEADER}\r\n${NEVER_USED}\r\n`);
    expect(r.problems).toEqual([]);
    expect(r.rows[0]?.keys).toEqual([
      { active: true, lastRotated: '2025-01-01T00:00:05.000Z' },
      // A non-regional service (S3) has region N/A; the offset is applied.
      {
        active: false,
        lastRotated: '2025-02-01T00:00:00.000Z',
        lastUsedDate: '2025-02-03T09:00:00.000Z',
        lastUsedService: 's3',
      },
    ]);
    const mixed = parseCredentialReport(
      'user,arn,access_key_1_active,access_key_2_active\nu,arn:aws:iam::111122223333:user/u,True,fAlSe\n',
    );
    expect(mixed.rows[0]?.keys).toEqual([{ active: true }, { active: false }]);
  });

  it('finds columns by name when they are reordered or AWS appends new ones', () => {
    const csv = [
      'access_key_1_last_used_date,future_column,ARN,User,access_key_1_active',
      '2025-01-02T10:05:00+00:00,whatever,arn:aws:iam::111122223333:user/x,x,true',
    ].join('\n');
    const r = parseCredentialReport(csv);
    expect(r.rows).toEqual([
      {
        user: 'x',
        arn: 'arn:aws:iam::111122223333:user/x',
        root: false,
        keys: [{ active: true, lastUsedDate: '2025-01-02T10:05:00.000Z' }, {}],
      },
    ]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/lacks columns access_key_1_last_rotated, .*read as empty/);
  });

  it('reads quoted fields with commas, doubled quotes and newlines', () => {
    const csv = [
      'user,notes,arn,access_key_1_active',
      'a,"one, ""two""\nthree",arn:aws:iam::111122223333:user/a,"true"',
    ].join('\r\n');
    const r = parseCredentialReport(csv);
    expect(r.rows.map((row) => [row.user, row.keys[0].active])).toEqual([['a', true]]);
  });

  it('reports a missing header column and returns no rows', () => {
    const r = parseCredentialReport(CANARY);
    expect(r.rows).toEqual([]);
    expect(r.problems.join('\n')).toMatch(/no user or arn column; not a credential report/);
    expect(parseCredentialReport('user,x\nsomeone,1').problems.join()).toMatch(/no arn column/);
    expect(parseCredentialReport('').problems).toEqual(['the report is empty: no header row']);
  });

  it('leaves an unreadable value empty and names its row and column', () => {
    const csv = [
      'user,arn,access_key_1_active,access_key_1_last_used_date,access_key_1_last_used_region',
      'a,arn:aws:iam::111122223333:user/a,yes,2025-02-30T00:00:00+00:00,<b>x</b>',
      'b,arn:aws:iam::111122223333:user/b,true,2025-01-02 10:05:00,us-east-1',
    ].join('\n');
    const r = parseCredentialReport(csv);
    expect(r.rows.map((row) => row.keys[0])).toEqual([
      {},
      { active: true, lastUsedRegion: 'us-east-1' },
    ]);
    expect(rowProblems(r.problems)).toEqual([
      'row 2 (user a), column access_key_1_active: cannot read "yes"; left empty',
      'row 2 (user a), column access_key_1_last_used_date: cannot read "2025-02-30T00:00:00+00:00"; left empty',
      'row 2 (user a), column access_key_1_last_used_region: cannot read "<b>x</b>"; left empty',
      'row 3 (user b), column access_key_1_last_used_date: cannot read "2025-01-02 10:05:00"; left empty',
    ]);
  });

  it('skips rows whose user or ARN is not one and says why', () => {
    const csv =
      'user,arn\n"bad\nname",arn:aws:iam::111122223333:user/x\nok,not-an-arn\nok2,arn:aws:iam::111122223333:user/ok2';
    const r = parseCredentialReport(csv);
    expect(r.rows.map((row) => row.user)).toEqual(['ok2']);
    expect(rowProblems(r.problems)).toEqual([
      'row 2, column user: "bad\\nname" is not an IAM user name; row skipped',
      'row 3 (user ok), column arn: "not-an-arn" is not an IAM ARN; row skipped',
    ]);
  });

  it('reports rows with a different field count than the header', () => {
    const r = parseCredentialReport(
      'user,arn,access_key_1_active\nu,arn:aws:iam::111122223333:user/u',
    );
    expect(r.rows).toHaveLength(1);
    expect(rowProblems(r.problems)).toEqual(['row 2: 2 fields where the header has 3']);
  });

  it('uses the first of repeated header names and cuts oversized fields', () => {
    const huge = 'x'.repeat(MAX_REPORT_FIELD + 10);
    const csv = `user,arn,user,access_key_1_last_used_region\nu,arn:aws:iam::111122223333:user/u,v,${huge}`;
    const r = parseCredentialReport(csv);
    expect(r.rows.map((row) => [row.user, row.keys[0]])).toEqual([['u', {}]]);
    const text = rowProblems(r.problems).join('\n');
    expect(text).toMatch(/column 3: header "user" repeats; ignored/);
    expect(text).toMatch(/a field is over 1048576 characters; cut/);
    expect(text).toMatch(/column access_key_1_last_used_region: cannot read "x{80}…"; left empty/);
  });

  it('caps rows and problem lines', () => {
    const line = 'u,arn:aws:iam::111122223333:user/u,maybe\n';
    const r = parseCredentialReport(
      `user,arn,access_key_1_active\n${line.repeat(MAX_REPORT_ROWS + 5)}`,
    );
    expect(r.rows).toHaveLength(MAX_REPORT_ROWS);
    expect(r.problems).toHaveLength(MAX_REPORT_PROBLEMS + 1);
    // One for the row cap, one for the lacking key columns, one per unreadable `maybe`.
    expect(r.problems[0]).toMatch(/rows; the rest was ignored/);
    expect(r.problems.at(-1)).toBe(
      `${MAX_REPORT_ROWS + 2 - MAX_REPORT_PROBLEMS} more problems not listed`,
    );
  });

  it('never throws, whatever the text', () => {
    const cell = fc.oneof(
      fc.string(),
      fc.constantFrom('true', 'FALSE', 'N/A', 'no_information', '"', '""', ',', '\r\n'),
      fc
        .date({ noInvalidDate: false })
        .map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
    );
    const report = fc
      .array(fc.array(cell, { maxLength: 8 }), { maxLength: 6 })
      .map((rows) => [HEADER, ...rows.map((r) => r.join(','))].join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), report), (csv) => {
        const r = parseCredentialReport(csv);
        for (const row of r.rows) {
          for (const slot of row.keys) {
            for (const t of [slot.lastUsedDate, slot.lastRotated]) {
              if (t !== undefined) expect(new Date(t).toISOString()).toBe(t);
            }
          }
        }
      }),
    );
  });
});

describe('parseInstant', () => {
  it('normalizes offsets, fractions and Z to toISOString', () => {
    expect(parseInstant('2017-06-10T02:35:07+00:00')).toBe('2017-06-10T02:35:07.000Z');
    expect(parseInstant('2017-06-10T02:35:07.5+02:00')).toBe('2017-06-10T00:35:07.500Z');
    expect(parseInstant('2017-06-10T02:35Z')).toBe('2017-06-10T02:35:00.000Z');
    expect(parseInstant('0050-01-01T00:00:00Z')).toBe('0050-01-01T00:00:00.000Z');
  });

  it('refuses times without an offset and days or hours that do not exist', () => {
    for (const bad of [
      '2017-06-10T02:35:07',
      '2017-02-29T00:00:00Z',
      '2017-06-10T24:00:00Z',
      '2017-06-10T02:35:60Z',
      '2017-06-10T02:35:07+15:00',
      '2017-06-10',
      'yesterday',
    ]) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
    expect(parseInstant('2016-02-29T00:00:00Z')).toBe('2016-02-29T00:00:00.000Z');
  });
});
