/**
 * The IAM credential report: GenerateCredentialReport / GetCredentialReport with AWS's state
 * machine (STARTED → INPROGRESS → ready; 4-hour reuse; expiry) and the 22-column CSV (aws.md §3).
 */
import { AwsFault } from './fault.js';
import type { OpContext, OpOutput, Operation } from './operation.js';
import { keysOfUser, type FakeAccessKey, type FakeState, type FakeUser } from './state.js';
import { isoSeconds, textEl } from './xml.js';

/** The exact column order of the report. */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** A report younger than this is reused by GenerateCredentialReport. */
export const REPORT_REUSE_MS = 4 * 60 * 60 * 1000;

/** `2017-06-10T02:35:07+00:00`, the report's timestamp style. */
function reportTime(date: Date): string {
  return isoSeconds(date).replace(/Z$/, '+00:00');
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function keyCells(key: FakeAccessKey | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const used = key.lastUsed;
  return [
    String(key.status === 'Active'),
    reportTime(key.createDate),
    used ? reportTime(used.date) : 'N/A',
    used ? used.region : 'N/A',
    used ? used.service : 'N/A',
  ];
}

function userRow(state: FakeState, user: FakeUser): string[] {
  const [key1, key2] = keysOfUser(state, user.userName);
  const login = user.loginProfile;
  return [
    user.userName,
    user.arn,
    reportTime(user.createDate),
    String(login !== undefined),
    login ? 'no_information' : 'N/A',
    login ? reportTime(login.createDate) : 'N/A',
    'N/A',
    'false',
    ...keyCells(key1),
    ...keyCells(key2),
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

function rootRow(state: FakeState): string[] {
  return [
    '<root_account>',
    `arn:aws:iam::${state.accountId}:root`,
    reportTime(state.createdAt),
    'not_supported',
    'no_information',
    'not_supported',
    'not_supported',
    'false',
    ...keyCells(undefined),
    ...keyCells(undefined),
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

/** The report CSV for the current state (header, root row, then users by name). */
export function buildCredentialReportCsv(state: FakeState): string {
  const users = [...state.users.values()].sort((a, b) => a.userName.localeCompare(b.userName));
  const rows = [
    [...CREDENTIAL_REPORT_COLUMNS],
    rootRow(state),
    ...users.map((u) => userRow(state, u)),
  ];
  return rows.map((row) => row.map(csvCell).join(',')).join('\n');
}

/** Count a poll against a running generation and finish it when it is due. */
function poll(state: FakeState, now: Date): void {
  const gen = state.report.generation;
  if (!gen) return;
  gen.polls += 1;
  finishIfDue(state, now);
}

function finishIfDue(state: FakeState, now: Date): void {
  const gen = state.report.generation;
  if (!gen) return;
  const { readyAfterPolls, readyAfterMs } = state.report;
  const byPolls = gen.polls >= readyAfterPolls;
  const byTime =
    readyAfterMs !== undefined && now.getTime() - gen.startedAt.getTime() >= readyAfterMs;
  if (!byPolls && !byTime) return;
  state.report.report = { csv: buildCredentialReportCsv(state), generatedTime: now };
  delete state.report.generation;
}

function isFresh(state: FakeState, now: Date): boolean {
  const report = state.report.report;
  return report !== undefined && now.getTime() - report.generatedTime.getTime() < REPORT_REUSE_MS;
}

function stateXml(stateName: string, description: string): OpOutput {
  return {
    xml: textEl('State', stateName) + textEl('Description', description),
    responseElements: null,
  };
}

function generateCredentialReport(ctx: OpContext): OpOutput {
  const { state, now } = ctx;
  if (state.report.generation) {
    poll(state, now);
    return state.report.generation
      ? stateXml('INPROGRESS', 'Report generation is in progress.')
      : stateXml('COMPLETE', 'Report is ready.');
  }
  if (isFresh(state, now)) return stateXml('COMPLETE', 'Report is ready.');
  state.report.generation = { startedAt: now, polls: 0 };
  finishIfDue(state, now);
  return stateXml('STARTED', 'No report exists. Starting a new report generation task');
}

function getCredentialReport(ctx: OpContext): OpOutput {
  const { state, now } = ctx;
  poll(state, now);
  if (state.report.generation) {
    throw new AwsFault(
      'ReportInProgress',
      'The request was rejected because the credential report is still being generated.',
    );
  }
  const report = state.report.report;
  if (!report) {
    throw new AwsFault(
      'ReportNotPresent',
      'The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.',
    );
  }
  if (!isFresh(state, now)) {
    throw new AwsFault(
      'ReportExpired',
      'The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.',
    );
  }
  const xml =
    textEl('Content', Buffer.from(report.csv, 'utf8').toString('base64')) +
    textEl('ReportFormat', 'text/csv') +
    textEl('GeneratedTime', isoSeconds(report.generatedTime));
  return { xml };
}

/** The credential report operations. */
export const REPORT_OPERATIONS = {
  GenerateCredentialReport: { service: 'iam', readOnly: false, handle: generateCredentialReport },
  GetCredentialReport: { service: 'iam', readOnly: true, handle: getCredentialReport },
} as const satisfies Record<string, Operation>;
