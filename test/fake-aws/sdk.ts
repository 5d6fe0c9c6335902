/**
 * SDK client configuration for talking to a {@link FakeAws}.
 */
import type { FakeAws } from './index.js';

/** Config for `new IAMClient(…)` / `new STSClient(…)` pointed at the fake. */
export interface FakeSdkConfig {
  readonly endpoint: string;
  readonly region: 'us-east-1';
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  readonly maxAttempts: number;
}

/**
 * `{ endpoint, region: 'us-east-1', credentials: fake.admin, maxAttempts: 1 }`; pass other
 * credentials (e.g. a canary key) or attempts to override.
 */
export function fakeSdkConfig(
  fake: Pick<FakeAws, 'endpoint' | 'admin'>,
  overrides: {
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    maxAttempts?: number;
  } = {},
): FakeSdkConfig {
  return {
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { ...(overrides.credentials ?? fake.admin) },
    maxAttempts: overrides.maxAttempts ?? 1,
  };
}
