/**
 * Routing: which sinks an alert goes to (`alerts.routes` in keysnare.yaml). With no routes every
 * alert goes to every sink; otherwise each route whose conditions all hold adds its sinks. A
 * condition left out holds for every alert.
 */
import type { AlertKind, AlertMessage, Severity } from '../core/index.js';
import { SEVERITIES } from '../core/index.js';

/** One route. */
export interface Route {
  readonly sinks: readonly string[];
  /** At least this severity. */
  readonly minSeverity?: Severity;
  /** Rule ids; a trailing `*` matches a prefix (`sigma.*`). Any of the alert's rules may match. */
  readonly rules?: readonly string[];
  /** Canary token owners (placement owner). */
  readonly owners?: readonly string[];
  /** Labels: the incident kind (`canary`, `principal`, `source`) and the token's label. */
  readonly labels?: readonly string[];
  /** Alert kinds (default all: follow-ups go where the first alert went). */
  readonly kinds?: readonly AlertKind[];
}

function ruleMatches(pattern: string, rule: string): boolean {
  return pattern.endsWith('*') ? rule.startsWith(pattern.slice(0, -1)) : pattern === rule;
}

/** True when every condition of `route` holds for `m`. */
export function routeMatches(route: Route, m: AlertMessage): boolean {
  if (
    route.minSeverity !== undefined &&
    SEVERITIES.indexOf(m.severity) > SEVERITIES.indexOf(route.minSeverity)
  )
    return false;
  if (route.rules && !m.rules.some((r) => route.rules!.some((p) => ruleMatches(p, r))))
    return false;
  if (route.owners && (m.owner === undefined || !route.owners.includes(m.owner))) return false;
  if (route.labels && !m.labels.some((l) => route.labels!.includes(l))) return false;
  if (route.kinds && !route.kinds.includes(m.kind)) return false;
  return true;
}

/** The sinks `m` goes to, in the order the config names them. */
export function routeAlert(
  m: AlertMessage,
  routes: readonly Route[],
  sinks: readonly string[],
): string[] {
  if (routes.length === 0) return [...sinks];
  const chosen = new Set(routes.filter((r) => routeMatches(r, m)).flatMap((r) => r.sinks));
  return sinks.filter((s) => chosen.has(s));
}
