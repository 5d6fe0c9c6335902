/**
 * Three-state result for deliveries, response actions and key checks: "couldn't tell" is never
 * recorded as "no".
 */
export type Outcome<T = undefined> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'indeterminate'; readonly error: string };

/** An ok outcome. */
export function ok<T>(value: T): Outcome<T> {
  return { kind: 'ok', value };
}

/** A definite "no", with why. */
export function rejected(reason: string): Outcome<never> {
  return { kind: 'rejected', reason };
}

/** "Couldn't tell" (network error, throttling, …). */
export function indeterminate(error: string): Outcome<never> {
  return { kind: 'indeterminate', error };
}
