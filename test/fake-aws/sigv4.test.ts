import { ListUsersCommand, type IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';
import {
  canonicalQuery,
  parseAuthorization,
  signingKey,
  verifySignature,
  type SignableRequest,
} from './sigv4.js';

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

/** Capture the request the SDK signed (deserialize runs after signing). */
function captureSigned(client: IAMClient): { request?: SdkRequest } {
  const box: { request?: SdkRequest } = {};
  client.middlewareStack.add(
    (next) => async (args) => {
      box.request = structuredClone(args.request as SdkRequest);
      return next(args);
    },
    { step: 'deserialize', name: 'captureSigned' },
  );
  return box;
}

function toSignable(req: SdkRequest, patch: Partial<SdkRequest> = {}): SignableRequest {
  const r = { ...req, ...patch };
  const query = new URLSearchParams(r.query ?? {}).toString();
  return {
    method: r.method,
    url: r.path + (query ? `?${query}` : ''),
    rawHeaders: Object.entries(r.headers).flat(),
    body: Buffer.from(r.body ?? ''),
  };
}

describe('signingKey', () => {
  it('matches the signing key AWS documents for its example secret', () => {
    const key = signingKey(
      'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      '20120215',
      'us-east-1',
      'iam',
    );
    expect(key.toString('hex')).toBe(
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });
});

describe('canonicalQuery', () => {
  it('sorts by name then value and uses RFC 3986 encoding', () => {
    expect(canonicalQuery('b=2&a=%2F x&a=1&c=it%27s')).toBe('a=%2F%20x&a=1&b=2&c=it%27s');
  });
});

describe('verifySignature against requests the real SDK signed', () => {
  const h = useFakeAws();

  async function signedListUsers(): Promise<SdkRequest> {
    const client = h.iam();
    const box = captureSigned(client);
    await client.send(new ListUsersCommand({}));
    if (!box.request) throw new Error('no request captured');
    return box.request;
  }

  it('accepts the untouched request', async () => {
    const req = await signedListUsers();
    const auth = parseAuthorization(req.headers['authorization'] ?? '')!;
    expect(auth.accessKeyId).toBe(h.fake.admin.accessKeyId);
    expect(verifySignature(toSignable(req), auth, h.fake.admin.secretAccessKey)).toBeUndefined();
  });

  it('rejects a tampered body, a tampered signed header and a wrong secret', async () => {
    const req = await signedListUsers();
    const auth = parseAuthorization(req.headers['authorization'] ?? '')!;
    const secret = h.fake.admin.secretAccessKey;
    const body = 'Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fx%2F';
    expect(verifySignature(toSignable(req, { body }), auth, secret)).toBe('payload hash mismatch');
    const headers = { ...req.headers, 'x-amz-user-agent': 'curl/8' };
    expect(verifySignature(toSignable(req, { headers }), auth, secret)).toBe('signature mismatch');
    expect(verifySignature(toSignable(req), auth, `${secret}x`)).toBe('signature mismatch');
    expect(verifySignature(toSignable(req, { method: 'PUT' }), auth, secret)).toBe(
      'signature mismatch',
    );
  });
});

describe('the fake authenticates every request', () => {
  const h = useFakeAws();

  it('answers SignatureDoesNotMatch (403) for a wrong secret', async () => {
    const { accessKeyId } = h.fake.admin;
    const err = await rejection(
      h.iam({ accessKeyId, secretAccessKey: 'wrong' }).send(new ListUsersCommand({})),
    );
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('answers SignatureDoesNotMatch when the body is changed after signing', async () => {
    const client = h.iam();
    client.middlewareStack.add(
      (next) => (args) => {
        const req = args.request as SdkRequest;
        req.body = 'Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fother%2F';
        req.headers['content-length'] = String(Buffer.byteLength(req.body));
        return next(args);
      },
      { step: 'deserialize', name: 'tamper' },
    );
    const err = await rejection(client.send(new ListUsersCommand({})));
    expect(err.name).toBe('SignatureDoesNotMatch');
  });

  it('answers InvalidClientTokenId (403) for a key it never issued', async () => {
    const creds = { accessKeyId: 'AKIAQYLPMN5HHHFPZAM2', secretAccessKey: 'x'.repeat(40) };
    const err = await rejection(h.iam(creds).send(new ListUsersCommand({})));
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe('The security token included in the request is invalid.');
  });

  it('answers MissingAuthenticationToken for an unsigned request', async () => {
    const res = await fetch(h.fake.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('accepts a GET query-string request signed by the SDK', async () => {
    const client = h.iam();
    client.middlewareStack.add(
      (next) => (args) => {
        const req = args.request as SdkRequest;
        req.query = Object.fromEntries(new URLSearchParams(req.body ?? ''));
        req.method = 'GET';
        delete req.body;
        delete req.headers['content-type'];
        delete req.headers['content-length'];
        return next(args);
      },
      { step: 'build', name: 'toGet' },
    );
    const out = await client.send(new ListUsersCommand({ PathPrefix: '/' }));
    expect(out.Users?.map((u) => u.UserName)).toEqual(['keysnare-admin']);
    expect(h.fake.control.calls.at(-1)).toMatchObject({
      action: 'ListUsers',
      method: 'GET',
      status: 200,
    });
  });
});
