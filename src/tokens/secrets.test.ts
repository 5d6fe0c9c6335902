import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import { loadSecretKey, openSecret, sealSecret } from './secrets.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'tok_abcdefghijkl';

function secretKeyError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(isAppError(err, 'KS_SECRET_KEY')).toBe(true);
    return err as Error;
  }
  throw new Error('expected a KS_SECRET_KEY error, but nothing was thrown');
}

/** Flip one bit of one decoded byte of part `index` (0 iv, 1 tag, 2 ciphertext) of a sealed string. */
function flip(sealed: string, index: number): string {
  const parts = sealed.slice(4).split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[index] = bytes.toString('base64url');
  return `ks1:${parts.join('.')}`;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Set an unused low bit in the tag's last character: decodes to the same tag, but is not canonical. */
function nonCanonicalTag(sealed: string): string {
  const at = sealed.indexOf('.') + 22;
  const next = B64URL[B64URL.indexOf(sealed.charAt(at)) + 1] ?? '';
  return sealed.slice(0, at) + next + sealed.slice(at + 1);
}

describe('sealSecret / openSecret', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = sealSecret(key, SECRET, TOKEN);
    expect(sealed).toMatch(/^ks1:[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(openSecret(key, sealed, TOKEN)).toBe(SECRET);
  });

  it('uses a fresh IV for every seal', () => {
    const ivs = new Set(
      Array.from({ length: 20 }, () => sealSecret(key, SECRET, TOKEN).split('.')[0]),
    );
    expect(ivs.size).toBe(20);
  });

  it('refuses a different key without echoing the secret', () => {
    const err = secretKeyError(() =>
      openSecret(randomBytes(32), sealSecret(key, SECRET, TOKEN), TOKEN),
    );
    expect(err.message).toContain('does not authenticate');
    expect(err.message).not.toContain(SECRET);
  });

  it.each([
    ['IV', 0],
    ['tag', 1],
    ['ciphertext', 2],
  ])('refuses a flipped %s byte', (_part, index) => {
    secretKeyError(() => openSecret(key, flip(sealSecret(key, SECRET, TOKEN), index), TOKEN));
  });

  it('refuses a secret sealed for another token', () => {
    secretKeyError(() => openSecret(key, sealSecret(key, SECRET, TOKEN), 'tok_mnopqrstuvwx'));
  });

  it.each([
    ['truncated', (s: string) => s.slice(0, -3)],
    ['truncated into the tag', (s: string) => s.slice(0, 30)],
    ['without prefix', (s: string) => s.slice(4)],
    ['another version', (s: string) => s.replace('ks1:', 'ks2:')],
    ['extended', (s: string) => `${s}A`],
    ['non-canonical tag', nonCanonicalTag],
    ['garbage', () => 'not a sealed secret'],
    ['empty', () => ''],
  ])('refuses a %s sealed string', (_name, mangle) => {
    secretKeyError(() => openSecret(key, mangle(sealSecret(key, SECRET, TOKEN)), TOKEN));
  });

  it('refuses keys that are not 32 bytes', () => {
    secretKeyError(() => sealSecret(randomBytes(16), SECRET, TOKEN));
    secretKeyError(() => openSecret(randomBytes(31), sealSecret(key, SECRET, TOKEN), TOKEN));
  });

  it('round-trips any string under any token id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (plain, aad) => {
        expect(openSecret(key, sealSecret(key, plain, aad), aad)).toBe(plain);
      }),
    );
  });

  it('never opens a mangled sealed string', () => {
    const sealed = sealSecret(key, SECRET, TOKEN);
    fc.assert(
      fc.property(fc.nat(sealed.length - 1), fc.string({ minLength: 1 }), (at, insert) => {
        fc.pre(insert !== sealed.charAt(at));
        secretKeyError(() =>
          openSecret(key, sealed.slice(0, at) + insert + sealed.slice(at + 1), TOKEN),
        );
      }),
      { examples: [[sealed.length - 1, 'B']] },
    );
  });
});

describe('loadSecretKey', () => {
  let dir: string;
  let keyFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ks-secrets-'));
    keyFile = join(dir, 'secrets.key');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a 0600 base64 key file and reads the same key back', async () => {
    const first = loadSecretKey({ keyFile, create: true });
    expect(first).toHaveLength(32);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toBe(`${first.toString('base64')}\n`);
    expect(loadSecretKey({ keyFile, create: true }).equals(first)).toBe(true);
    expect(loadSecretKey({ keyFile, create: false }).equals(first)).toBe(true);
  });

  it('leaves no temp file behind', async () => {
    loadSecretKey({ keyFile, create: true });
    loadSecretKey({ keyFile, create: true });
    expect(await readdir(dir)).toEqual(['secrets.key']);
  });

  it('says mint creates the key file when it is missing and create is off', () => {
    const err = secretKeyError(() => loadSecretKey({ keyFile, create: false }));
    expect(err.message).toContain('mint creates one');
  });

  it.each([
    ['0644', 0o644],
    ['0640', 0o640],
    ['0604', 0o604],
    ['0660', 0o660],
  ])('refuses a key file with mode %s', async (_name, mode) => {
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode });
    const err = secretKeyError(() => loadSecretKey({ keyFile, create: true }));
    expect(err.message).toContain('chmod 600');
  });

  it('refuses a key file that does not hold 32 bytes, without replacing it', async () => {
    const content = `${randomBytes(16).toString('base64')}\n`;
    await writeFile(keyFile, content, { mode: 0o600 });
    secretKeyError(() => loadSecretKey({ keyFile, create: true }));
    expect(await readFile(keyFile, 'utf8')).toBe(content);
  });

  it('reports a key file it cannot create', () => {
    secretKeyError(() => loadSecretKey({ keyFile: join(dir, 'missing', 'k'), create: true }));
  });

  it('prefers key text, given as base64, base64url or hex, over the key file', () => {
    const key = randomBytes(32);
    for (const keyText of [
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('hex'),
      key.toString('hex').toUpperCase(),
      `${key.toString('base64')}\n`,
    ]) {
      expect(loadSecretKey({ keyText, keyFile, create: true }).equals(key)).toBe(true);
    }
    expect(loadSecretKey({ keyText: key.toString('hex'), keyFile, create: false })).toEqual(key);
  });

  it.each([
    ['16 bytes of base64', randomBytes(16).toString('base64')],
    ['33 bytes of base64', randomBytes(33).toString('base64')],
    ['31 bytes of hex', randomBytes(31).toString('hex')],
    ['empty text', ''],
    ['not base64 or hex', 'correct horse battery staple!'],
  ])('refuses key text with %s and never echoes it', (_name, keyText) => {
    const err = secretKeyError(() => loadSecretKey({ keyText, keyFile, create: true }));
    if (keyText) expect(err.message).not.toContain(keyText);
  });
});
