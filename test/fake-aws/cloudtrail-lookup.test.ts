import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';

function record(id: string, time: string, region: string): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventID: id,
    eventTime: time,
    eventName: 'GetCallerIdentity',
    eventSource: 'sts.amazonaws.com',
    awsRegion: region,
    userIdentity: { type: 'IAMUser', userName: 'u', accessKeyId: 'AKIAEXAMPLE' },
    readOnly: true,
  };
}

describe('fake CloudTrail LookupEvents', () => {
  const h = useFakeAws();

  it('returns a region’s events newest first, in pages, between StartTime and EndTime', async () => {
    h.fake.lookup.rateLimit = undefined;
    const times = [
      '2025-01-01T10:00:00Z',
      '2025-01-01T10:01:00Z',
      '2025-01-01T10:02:00Z',
      '2025-01-01T10:03:00Z',
    ];
    h.fake.lookup.addEvents(
      'eu-west-1',
      times.map((t, i) => record(`e${i}`, t, 'eu-west-1')),
    );
    h.fake.lookup.addEvents('us-east-1', [record('other', times[1]!, 'us-east-1')]);
    const params = { StartTime: new Date(times[1]!), EndTime: new Date(times[3]!), MaxResults: 2 };
    const first = await h.cloudTrail('eu-west-1').send(new LookupEventsCommand(params));
    expect(first.Events?.map((e) => e.EventId)).toEqual(['e3', 'e2']);
    expect(first.Events?.[0]?.EventTime).toEqual(new Date(times[3]!));
    expect(JSON.parse(first.Events![0]!.CloudTrailEvent!)).toMatchObject({ eventID: 'e3' });
    const second = await h
      .cloudTrail('eu-west-1')
      .send(new LookupEventsCommand({ ...params, NextToken: first.NextToken }));
    expect(second.Events?.map((e) => e.EventId)).toEqual(['e1']);
    expect(second.NextToken).toBeUndefined();
    const changed = await rejection(
      h
        .cloudTrail('eu-west-1')
        .send(new LookupEventsCommand({ ...params, MaxResults: 3, NextToken: first.NextToken })),
    );
    expect(changed.name).toBe('InvalidNextTokenException');
    expect(h.fake.control.calls.at(-1)).toMatchObject({
      service: 'cloudtrail',
      region: 'eu-west-1',
    });
  });

  it('throttles past 2 requests per second per region by the fake clock', async () => {
    h.fake.control.setNow(new Date('2025-01-01T00:00:00Z'));
    const call = (region: string) =>
      h.cloudTrail(region).send(new LookupEventsCommand({ MaxResults: 1 }));
    await call('us-east-1');
    await call('us-east-1');
    await call('eu-west-1');
    expect((await rejection(call('us-east-1'))).name).toBe('ThrottlingException');
    h.fake.control.advance(1000);
    await call('us-east-1');
  });

  it('refuses bad MaxResults and reversed time ranges', async () => {
    h.fake.lookup.rateLimit = undefined;
    expect(
      (await rejection(h.cloudTrail().send(new LookupEventsCommand({ MaxResults: 51 })))).name,
    ).toBe('InvalidMaxResultsException');
    const reversed = new LookupEventsCommand({
      StartTime: new Date(2000),
      EndTime: new Date(1000),
    });
    expect((await rejection(h.cloudTrail().send(reversed))).name).toBe('InvalidTimeRangeException');
  });
});
