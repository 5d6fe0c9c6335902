/**
 * Soak: 10,000 findings over ten ingest-like runs group into the expected incidents, and every
 * alert they make reaches a real local webhook receiver exactly once, in order per incident.
 * (Timings are measured by `npm run bench:alerts`, never asserted here.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../src/alert/dispatch.js';
import { webhookSink } from '../src/alert/sinks/webhook.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { testSinkContext } from './helpers/alert-message.js';
import { startReceiver } from './helpers/receiver.js';
import { soakBatches, soakDeps, SOAK } from '../bench/soak.js';

const stores: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

describe('soak: 10,000 findings', () => {
  it('make one incident per principal and two alerts each, every one delivered once', async () => {
    const store = openSqliteStore(':memory:');
    stores.push(store);
    const rec = await startReceiver();
    try {
      const deps = soakDeps(store);
      const { recordIncidents } = await import('../src/pipeline/alerting.js');
      let findings = 0;
      for (const batch of soakBatches()) {
        findings += batch.length;
        await store.upsertFindings(batch);
        await store.transaction(() => recordIncidents(deps, batch));
      }
      expect(findings).toBe(10_000);
      const incidents = await store.listIncidents();
      expect(incidents).toHaveLength(SOAK.principals);
      for (const i of incidents) {
        expect(i.findingIds).toHaveLength(2 * SOAK.perBatch);
        expect(i.revision).toBe(2);
      }
      const sink = webhookSink.create(
        {
          url: `${rec.url}/in`,
          secret: 'whsec_' + Buffer.from('soak-secret-0123456789').toString('base64'),
        },
        testSinkContext('hook', { now: deps.now }),
      );
      const stats = await dispatch(store, new Map([['hook', sink]]), {
        now: deps.now,
        ratePerMinute: new Map([['hook', 1e9]]),
      });
      expect(stats).toMatchObject({ delivered: 2 * SOAK.principals, dead: 0, pending: 0 });
      const ids = rec.received.map((r) => String(r.headers['webhook-id']));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(2 * SOAK.principals);
      const kinds = new Map<string, string[]>();
      for (const r of rec.received) {
        const a = (r.json() as { alert: { incidentId: string; kind: string } }).alert;
        kinds.set(a.incidentId, [...(kinds.get(a.incidentId) ?? []), a.kind]);
      }
      for (const k of kinds.values()) expect(k).toEqual(['opened', 'updated']);
      // A second dispatch sends nothing.
      await dispatch(store, new Map([['hook', sink]]), { now: deps.now });
      expect(rec.received).toHaveLength(2 * SOAK.principals);
    } finally {
      await rec.close();
    }
  });
});
