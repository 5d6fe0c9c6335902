/**
 * Every sink type, one file each. Adding a sink = one file + one line here; the config schema
 * (`alerts.sinks.<name>.type`) and docs/alerting.md are built from this list.
 */
import type { SinkDefinition } from '../sink.js';
import { emailSink } from './email.js';
import { jiraSink } from './jira.js';
import { jsonlSink } from './jsonl.js';
import { opsgenieSink } from './opsgenie.js';
import { pagerdutySink } from './pagerduty.js';
import { slackSink } from './slack.js';
import { syslogSink } from './syslog.js';
import { teamsSink } from './teams.js';
import { webhookSink } from './webhook.js';

/** The registered sink types. */
export const sinkDefinitions = [
  emailSink,
  webhookSink,
  slackSink,
  teamsSink,
  pagerdutySink,
  opsgenieSink,
  jiraSink,
  syslogSink,
  jsonlSink,
] as const satisfies readonly SinkDefinition[];
