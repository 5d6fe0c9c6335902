import { describePlacement } from '../../core/index.js';
import type { DescribeContext, HitSummary, Rule } from '../rule.js';
import { CANARY_SAMPLE_TOKEN as T, sampleRecord } from './samples.js';

/** Any use of a canary key, its session keys or its federated users — failed calls included. */
export const honeytokenUsed = {
  id: 'honeytoken.used',
  title: 'Canary access key used',
  severity: 'critical',
  description:
    'An event was made with a canary access key, with session keys obtained from it, or by a federated user it issued. Canary keys have no legitimate use: whoever made the call has the key.',
  runbook: [
    'Read where the key was planted (details.placement): that place is compromised — host, repository, CI system or file share.',
    'Find how the attacker reached it: access logs of that host/repository around the first event time.',
    'Hunt for the same source IP and user agent across all CloudTrail: the attacker likely holds real keys from the same place.',
    'Rotate every real credential that lived beside the canary.',
    'Keep the canary active until the investigation ends; retire and re-plant it afterwards.',
  ],
  attack: ['T1552.001', 'T1078.004'],
  source: 'cloudtrail',
  selector: { canary: 'actor' },
  match(event, ctx) {
    const m = ctx.canaries.match(event);
    if (!m) return undefined;
    const source = `${event.sourceIp ?? '-'}|${event.userAgent ?? '-'}`;
    return { groupKey: `${m.tokenId}|${source}`, tokenId: m.tokenId, note: { via: m.via } };
  },
  describe(hits, ctx) {
    return describeCanaryUse(hits, ctx);
  },
  samples: {
    match: [
      { name: 'call made with the canary key', tokens: [T], events: [sampleRecord({})] },
      {
        name: 'denied call made with the canary key',
        tokens: [T],
        events: [sampleRecord({ eventName: 'ListBuckets', errorCode: 'AccessDenied' })],
      },
      {
        name: 'session key from GetSessionToken, logged with the user identity',
        tokens: [T],
        events: [sampleRecord({ accessKeyId: 'ASIAQEXAMPLESESSION2' })],
      },
      {
        name: 'federated user issued by the canary user',
        tokens: [T],
        events: [
          sampleRecord({
            userIdentity: {
              type: 'FederatedUser',
              principalId: '111122223333:evil',
              arn: 'arn:aws:sts::111122223333:federated-user/evil',
              accountId: '111122223333',
              accessKeyId: 'ASIAQEXAMPLEFEDERAT3',
              sessionContext: {
                sessionIssuer: { type: 'IAMUser', arn: T.userArn, principalId: T.principalId },
              },
            },
          }),
        ],
      },
    ],
    nonMatch: [
      {
        name: 'another user of the same account',
        tokens: [T],
        events: [
          sampleRecord({
            userIdentity: {
              type: 'IAMUser',
              principalId: 'AIDAQOTHERUSER0000001',
              arn: 'arn:aws:iam::111122223333:user/deploy',
              accountId: '111122223333',
              accessKeyId: 'AKIAQOTHERKEY0000001',
              userName: 'deploy',
            },
          }),
        ],
      },
    ],
  },
} as const satisfies Rule;

function describeCanaryUse(hits: readonly HitSummary[], ctx: DescribeContext) {
  const first = hits[0];
  const token = first?.tokenId ? ctx.canaries.token(first.tokenId) : undefined;
  const denied = hits.filter((h) => h.errorCode !== undefined).length;
  const via = [...new Set(hits.map((h) => String(h.note?.['via'] ?? '')))].filter(Boolean);
  const rotatedAway = new Set(
    hits.filter((h) => h.note?.['via'] === 'previous-key').flatMap((h) => h.accessKeyId ?? []),
  );
  const sessionKeys = [
    ...new Set(
      hits
        .map((h) => h.accessKeyId)
        .filter((k) => k && k !== token?.accessKeyId && !rotatedAway.has(k)),
    ),
  ];
  // A key rotated away is named as the key used, beside the token's current one.
  const oldKey = [...rotatedAway][0];
  const keyId = oldKey
    ? `${oldKey} (rotated away${token ? `; now ${token.accessKeyId}` : ''})`
    : (token?.accessKeyId ?? first?.accessKeyId ?? 'unknown key');
  const where = describePlacement(token?.placement);
  const from = first?.sourceIp ?? 'an unknown source';
  return {
    title: `Canary key ${keyId}${token?.label ? ` (${token.label})` : ''} used from ${from}`,
    details: {
      placement: token?.placement ?? null,
      placementText: `key ${keyId} ${where}`,
      tokenLabel: token?.label ?? null,
      tokenStatus: token?.status ?? null,
      canaryUser:
        token?.userArn ?? hits.find((h) => h.principalArn)?.principalArn ?? token?.userName ?? null,
      matchedVia: via,
      sessionKeys,
      rotatedAwayKeys: [...rotatedAway],
      calls: hits.length,
      deniedCalls: denied,
      succeededCalls: hits.length - denied,
      eventSources: [...new Set(hits.map((h) => h.eventSource))],
      lastTime: hits[hits.length - 1]?.time ?? null,
    },
  };
}
