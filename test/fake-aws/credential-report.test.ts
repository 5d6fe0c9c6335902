import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_REPORT_COLUMNS } from './credential-report.js';
import { rejection, useFakeAws } from './harness.js';

const HOUR = 3_600_000;

describe('credential report state machine', () => {
  const h = useFakeAws();
  const generate = () => h.iam().send(new GenerateCredentialReportCommand({}));
  const get = () => h.iam().send(new GetCredentialReportCommand({}));

  it('goes not-present → STARTED → INPROGRESS → ready → COMPLETE → expired', async () => {
    h.fake.control.setNow(new Date('2025-01-01T00:00:00Z'));
    h.fake.control.reportReadyAfterPolls = 3;
    const none = await rejection(get());
    expect(none.name).toBe('CredentialReportNotPresentException');
    expect(none.$metadata.httpStatusCode).toBe(410);

    expect((await generate()).State).toBe('STARTED');
    expect((await generate()).State).toBe('INPROGRESS');
    const busy = await rejection(get());
    expect(busy.name).toBe('CredentialReportNotReadyException');
    expect(busy.$metadata.httpStatusCode).toBe(404);
    const ready = await get();
    expect(ready.ReportFormat).toBe('text/csv');
    expect(ready.GeneratedTime).toEqual(new Date('2025-01-01T00:00:00Z'));

    h.fake.control.advance(3 * HOUR);
    expect((await generate()).State).toBe('COMPLETE');
    expect((await get()).GeneratedTime).toEqual(new Date('2025-01-01T00:00:00Z'));

    h.fake.control.advance(HOUR);
    const expired = await rejection(get());
    expect(expired.name).toBe('CredentialReportExpiredException');
    expect(expired.$metadata.httpStatusCode).toBe(410);
    expect((await generate()).State).toBe('STARTED');
  });

  it('can become ready after fake-clock time instead of polls', async () => {
    h.fake.control.setNow(new Date('2025-01-01T00:00:00Z'));
    h.fake.control.reportReadyAfterPolls = Number.POSITIVE_INFINITY;
    h.fake.control.reportReadyAfterMs = 10_000;
    await generate();
    expect((await rejection(get())).name).toBe('CredentialReportNotReadyException');
    h.fake.control.advance(10_000);
    await expect(get()).resolves.toMatchObject({ ReportFormat: 'text/csv' });
  });
});

describe('credential report content', () => {
  const h = useFakeAws({ accountId: '111122223333' });

  it('has the 22 columns, a root row and key slots in creation order, base64-decoded by the SDK', async () => {
    const iam = h.iam();
    h.fake.control.setNow(new Date('2025-02-01T09:00:00Z'));
    await iam.send(new CreateUserCommand({ UserName: 'canary', Path: '/svc/' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'canary', Password: 'Pw-123456!' }));
    const k1 = await iam.send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    h.fake.control.advance(60_000);
    const k2 = await iam.send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    await iam.send(
      new UpdateAccessKeyCommand({
        UserName: 'canary',
        AccessKeyId: k2.AccessKey!.AccessKeyId!,
        Status: 'Inactive',
      }),
    );
    h.fake.control.recordKeyUse(k1.AccessKey!.AccessKeyId!, {
      date: new Date('2025-02-01T09:30:00Z'),
      service: 's3',
      region: 'N/A',
    });
    await iam.send(new GenerateCredentialReportCommand({}));
    const report = await iam.send(new GetCredentialReportCommand({}));
    expect(report.Content).toBeInstanceOf(Uint8Array);
    const lines = new TextDecoder().decode(report.Content).split('\n');
    expect(lines[0]).toBe(CREDENTIAL_REPORT_COLUMNS.join(','));
    expect(lines[0]?.split(',')).toHaveLength(22);
    expect(lines[1]).toMatch(
      /^<root_account>,arn:aws:iam::111122223333:root,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00,not_supported,no_information,not_supported,not_supported,false,false,N\/A,N\/A,N\/A,N\/A,false,N\/A,N\/A,N\/A,N\/A,false,N\/A,false,N\/A$/,
    );
    const row = lines.find((l) => l.startsWith('canary,'))!.split(',');
    const cell = (name: (typeof CREDENTIAL_REPORT_COLUMNS)[number]) =>
      row[CREDENTIAL_REPORT_COLUMNS.indexOf(name)];
    expect(cell('arn')).toBe('arn:aws:iam::111122223333:user/svc/canary');
    expect(cell('user_creation_time')).toBe('2025-02-01T09:00:00+00:00');
    expect(cell('password_enabled')).toBe('true');
    expect(cell('password_last_used')).toBe('no_information');
    expect(cell('mfa_active')).toBe('false');
    expect(cell('access_key_1_active')).toBe('true');
    expect(cell('access_key_1_last_rotated')).toBe('2025-02-01T09:00:00+00:00');
    expect(cell('access_key_1_last_used_date')).toBe('2025-02-01T09:30:00+00:00');
    expect(cell('access_key_1_last_used_region')).toBe('N/A');
    expect(cell('access_key_1_last_used_service')).toBe('s3');
    expect(cell('access_key_2_active')).toBe('false');
    expect(cell('access_key_2_last_rotated')).toBe('2025-02-01T09:01:00+00:00');
    expect(cell('access_key_2_last_used_date')).toBe('N/A');
    const admin = lines.find((l) => l.startsWith('keysnare-admin,'))!.split(',');
    expect(admin[CREDENTIAL_REPORT_COLUMNS.indexOf('password_enabled')]).toBe('false');
    expect(admin[CREDENTIAL_REPORT_COLUMNS.indexOf('password_last_used')]).toBe('N/A');
  });
});
