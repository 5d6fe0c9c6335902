/**
 * Query-protocol XML: escaping (names, tags and messages are data), element helpers and the
 * success and error envelopes IAM and STS answer with.
 */

/** XML namespaces of the two services. */
export const NAMESPACES = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
} as const;

/** The services the fake speaks. */
export type FakeService = keyof typeof NAMESPACES;

// Characters XML 1.0 cannot carry at all (even as references) become U+FFFD.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escape text for element content or attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** `<name>escaped text</name>`. */
export function textEl(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…</name>` around XML that is already built. */
export function el(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** A Query-protocol list: `<name><member>…</member>…</name>` around built member XML. */
export function memberList(name: string, members: readonly string[]): string {
  return el(name, members.map((m) => el('member', m)).join(''));
}

/** ISO-8601 UTC without milliseconds, as IAM renders timestamps. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Tags as a `<Tags>` member list. */
export function tagsXml(tags: readonly { key: string; value: string }[]): string {
  return memberList(
    'Tags',
    tags.map((t) => textEl('Key', t.key) + textEl('Value', t.value)),
  );
}

/**
 * The success envelope. `result` is the inner XML of `<OpResult>`; undefined for operations
 * without output, which answer with only `ResponseMetadata`.
 */
export function successEnvelope(
  service: FakeService,
  action: string,
  result: string | undefined,
  requestId: string,
): string {
  const body = result === undefined ? '' : el(`${action}Result`, result);
  const meta = el('ResponseMetadata', textEl('RequestId', requestId));
  return `<${action}Response xmlns="${NAMESPACES[service]}">${body}${meta}</${action}Response>`;
}

/** The error envelope (`Type` is Receiver for 5xx, Sender otherwise). */
export function errorEnvelope(
  service: FakeService,
  error: { code: string; message: string; status: number },
  requestId: string,
): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const inner =
    textEl('Type', type) + textEl('Code', error.code) + textEl('Message', error.message);
  return (
    `<ErrorResponse xmlns="${NAMESPACES[service]}">${el('Error', inner)}` +
    `${textEl('RequestId', requestId)}</ErrorResponse>`
  );
}
