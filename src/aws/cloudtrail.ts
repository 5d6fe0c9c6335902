/**
 * {@link CloudTrailPort} over the AWS SDK v3 CloudTrail client: LookupEvents (Event history), one
 * client per region, made on first use by the factory app.ts passes in.
 */
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { awsError } from './clients.js';
import type { CloudTrailPort, LookupEventItem } from './ports.js';

/** Build the CloudTrail port; `clientFor(region)` is called once per region. */
export function createCloudTrailPort(
  clientFor: (region: string) => CloudTrailClient,
): CloudTrailPort {
  const clients = new Map<string, CloudTrailClient>();
  const client = (region: string): CloudTrailClient => {
    let c = clients.get(region);
    if (!c) {
      c = clientFor(region);
      clients.set(region, c);
    }
    return c;
  };
  return {
    async lookupEvents(input, signal) {
      try {
        const r = await client(input.region).send(
          new LookupEventsCommand({
            StartTime: input.startTime,
            EndTime: input.endTime,
            ...(input.nextToken ? { NextToken: input.nextToken } : {}),
            ...(input.maxResults ? { MaxResults: input.maxResults } : {}),
          }),
          signal ? { abortSignal: signal } : {},
        );
        return {
          events: (r.Events ?? []).flatMap((e): LookupEventItem[] =>
            e.EventId === undefined
              ? []
              : [
                  {
                    eventId: e.EventId,
                    ...(e.EventName ? { eventName: e.EventName } : {}),
                    ...(e.EventTime ? { eventTime: e.EventTime.toISOString() } : {}),
                    ...(e.CloudTrailEvent !== undefined
                      ? { cloudTrailEvent: e.CloudTrailEvent }
                      : {}),
                  },
                ],
          ),
          ...(r.NextToken ? { nextToken: r.NextToken } : {}),
        };
      } catch (err) {
        throw awsError('LookupEvents', err);
      }
    },
  };
}
