import type { RegisterCommand } from '../action.js';
import { registerAlerts, registerHunt } from './alerts.js';
import { registerData } from './data.js';
import { registerDemo } from './demo.js';
import { registerDetect } from './detect.js';
import { registerFindings } from './findings.js';
import { registerIncidents } from './incidents.js';
import { registerIngest } from './ingest.js';
import { registerRules } from './rules.js';
import { registerInit } from './init.js';
import { registerSafetyNet } from './safety-net.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerToken } from './token.js';

/** Every command, in the order `--help` lists them. Adding one = one file + one line. */
export const commands = [
  registerInit,
  registerToken,
  registerDetect,
  registerIngest,
  registerFindings,
  registerIncidents,
  registerAlerts,
  registerHunt,
  registerRules,
  registerSafetyNet,
  registerServe,
  registerStatus,
  registerData,
  registerDemo,
] as const satisfies readonly RegisterCommand[];
