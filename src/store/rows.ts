/**
 * Row ⇄ object helpers shared by the SQLite tables: SQL NULL becomes an absent property (never
 * `undefined` or `null`), and JSON columns hold exactly what was given.
 */

/** `{ [key]: value }`, or `{}` when the column was NULL. Spread it into the object being built. */
export function present<K extends string, V>(
  key: K,
  value: V | null | undefined,
): { [P in K]?: V } {
  return value === null || value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** JSON text of a value, or NULL for undefined. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** The parsed JSON column, or undefined for NULL. The database is ours, so the shape is trusted. */
export function fromJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

/**
 * An integer for an INTEGER column, or NULL. Non-finite or fractional numbers (never produced by a
 * correct normalizer, but the source is hostile) are floored or dropped rather than failing the
 * insert; the exact value stays in the JSON column.
 */
export function integerOrNull(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : Math.floor(value);
}
