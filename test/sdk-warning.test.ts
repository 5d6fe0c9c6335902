import { describe, expect, it } from 'vitest';
import { createIamClient, createStsClient } from '../src/aws/clients.js';

describe('the AWS SDK Node-version warning', () => {
  it('is not printed during the tests (vitest sets AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const credentials = { accessKeyId: 'AKIAQEXAMPLE00000001', secretAccessKey: 'x' };
      createIamClient({ endpoint: 'http://127.0.0.1:9', credentials }).destroy();
      createStsClient({ endpoint: 'http://127.0.0.1:9', credentials }).destroy();
      // process.emitWarning delivers on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((m) => m.includes('NodeVersionSupportWarning'))).toEqual([]);
  });
});
