/**
 * The pipeline heartbeat (`keysnare serve`, `server.heartbeatMinutes`): an intake path that has
 * taken nothing in for longer than the configured time is itself a finding. A trail that stopped
 * delivering hides every attack behind it, and attackers stop trails (defense-evasion).
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../core/index.js';
import type { RuleMeta } from './rule.js';

/** The heartbeat's rule metadata (it watches the intake, not events, so it is not in `rules`). */
export const HEARTBEAT_RULE = {
  id: 'pipeline.source-silent',
  title: 'A CloudTrail source went silent',
  severity: 'high',
  description:
    'An intake path (a watched folder, the EventBridge push, a bucket or queue) delivered nothing for longer than server.heartbeatMinutes. CloudTrail delivers files every few minutes in an active account: silence means a stopped or deleted trail, a changed bucket policy or notification, a broken network path, or Keysnare reading the wrong place — and no detection happens for what that source carried meanwhile.',
  runbook: [
    'Check the trail in the CloudTrail console or with aws cloudtrail get-trail-status: is it logging, and when did it last deliver?',
    'Look for StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors or bucket-policy changes in CloudTrail (defense-evasion.logging-tampered finds them when their events arrive).',
    'Check the bucket, its event notification and the queue or EventBridge rule Keysnare reads, and the server log for intake errors.',
    'When delivery resumes, ingest what was missed (keysnare ingest s3://… or the folder) so the gap is searched too.',
  ],
  attack: ['T1562.008'],
  source: 'pipeline',
} as const satisfies RuleMeta;

/**
 * The finding for `source` silent since `since` (ISO: its last delivery, or when watching began
 * when it has delivered nothing yet, `lastAt` undefined), seen at `now`; one id per silence.
 */
export function silentSourceFinding(
  source: string,
  lastAt: string | undefined,
  since: string,
  minutes: number,
  now: Date,
): Finding {
  const id = `fnd-${createHash('sha256').update(`${HEARTBEAT_RULE.id}\u0000${source}\u0000${since}`).digest('hex').slice(0, 16)}`;
  return {
    id,
    rule: HEARTBEAT_RULE.id,
    severity: HEARTBEAT_RULE.severity,
    title: `No CloudTrail from ${source} for ${minutes} minutes or more`,
    time: now.toISOString(),
    eventIds: [],
    source: 'pipeline',
    details: { intake: source, lastReceivedAt: lastAt ?? null, silentMinutes: minutes },
  };
}
