/** The `server:` section of keysnare.yaml (`keysnare serve`, `npm start`). */
import { z } from 'zod';

/** The `server:` section. */
export const serverSection = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('address to listen on'),
    port: z.number().int().min(0).max(65535).default(8080),
    secureCookies: z
      .boolean()
      .default(false)
      .describe('mark the session cookie Secure (set when HTTPS terminates in front of Keysnare)'),
    sessionHours: z
      .number()
      .positive()
      .max(24 * 7)
      .default(12),
    intakeSecret: z
      .string()
      .min(24, 'use at least 24 characters (a random secret)')
      .optional()
      .describe(
        'shared secret of the EventBridge intake (X-Keysnare-Secret); the intake is off without one',
      ),
    watch: z
      .array(z.string().min(1))
      .default([])
      .describe('folders watched for new CloudTrail files (relative to the workspace)'),
    watchEverySeconds: z.number().int().min(1).max(3600).default(10),
    dispatchEverySeconds: z.number().int().min(1).max(3600).default(5),
    safetyNetEveryMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(0)
      .describe(
        'run the Safety Net this often (0: off; it needs AWS credentials for the canary account)',
      ),
    heartbeatMinutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .default(0)
      .describe(
        'warn when a watched folder or the intake has taken nothing in for this long (0: off)',
      ),
  })
  .prefault({});
