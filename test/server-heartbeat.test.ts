/**
 * The pipeline heartbeat: an intake path silent past `server.heartbeatMinutes` becomes one
 * `pipeline.source-silent` finding and incident per silence, and none while it delivers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { initWorkspace } from '../src/app.js';
import { checkHeartbeat, startServer } from '../src/server/index.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

describe('the pipeline heartbeat', () => {
  it('turns a silent intake into one finding and incident per silence', async () => {
    const ws = initWorkspace(tempDir('ks-heartbeat-'));
    let t = Date.parse('2026-11-30T10:00:00Z');
    const now = () => new Date(t);
    const server = await startServer({ ws, port: 0, background: false, now, log: () => undefined });
    try {
      const flagged = new Set<string>();
      const started = now().toISOString();
      const h = server.ctx.health.get('eventbridge')!;
      t += 10 * 60_000;
      await checkHeartbeat(server.ctx, 30, started, flagged);
      expect(await ws.store.listFindings({})).toEqual([]);
      t += 30 * 60_000;
      await checkHeartbeat(server.ctx, 30, started, flagged);
      await checkHeartbeat(server.ctx, 30, started, flagged);
      const findings = await ws.store.listFindings({});
      expect(findings.map((f) => [f.rule, f.title])).toEqual([
        ['pipeline.source-silent', 'No CloudTrail from eventbridge for 30 minutes or more'],
      ]);
      const incidents = await ws.store.listIncidents();
      expect(incidents.map((i) => [i.kind, i.key, i.severity])).toEqual([
        ['source', 'intake:eventbridge', 'high'],
      ]);
      // It delivers again, then falls silent again: a second finding, in the same incident's window.
      h.lastReceivedAt = now().toISOString();
      t += 31 * 60_000;
      await checkHeartbeat(server.ctx, 30, started, flagged);
      expect((await ws.store.listFindings({})).map((f) => f.details)).toHaveLength(2);
      expect(await ws.store.listIncidents()).toHaveLength(1);
    } finally {
      await server.close();
      await ws.close();
    }
  });
});
