import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import {
  MAX_PLANT_FILE_BYTES,
  listProfiles,
  parseIni,
  plantConfig,
  plantCredentials,
} from './plant.js';

const KEY = 'AKIAY34FZKBOKMUTVV7A';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2025-03-14T09:21:07.512Z');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keysnare-plant-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function creds(file: string, extra: Partial<Parameters<typeof plantCredentials>[0]> = {}) {
  return plantCredentials({
    file,
    profile: 'billing',
    accessKeyId: KEY,
    secretAccessKey: SECRET,
    now: NOW,
    ...extra,
  });
}

async function expectRefusal(run: Promise<unknown>, reason: RegExp): Promise<void> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(err, 'KS_PLANT')).toBe(true);
  expect((err as Error).message).toMatch(reason);
}

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('plantCredentials', () => {
  it('creates a missing file 0600 in a new 0700 directory', async () => {
    const file = join(dir, 'home', '.aws', 'credentials');
    const result = await creds(file);
    expect(result).toEqual({ file, created: true, replacedProfile: false });
    expect(await readFile(file, 'utf8')).toBe(
      `[billing]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n`,
    );
    expect(await mode(file)).toBe(0o600);
    expect(await mode(join(dir, 'home', '.aws'))).toBe(0o700);
  });

  it('merges into an existing file, keeping its bytes, a byte-exact backup, and tightens it to 0600', async () => {
    const file = join(dir, 'credentials');
    const original = '# mine\r\n[default]\r\naws_access_key_id=A\r\n\r\n[ci]\r\nx = 1';
    await writeFile(file, original);
    await chmod(file, 0o640);
    const result = await creds(file);
    const backupFile = `${file}.keysnare-20250314T092107512Z.bak`;
    expect(result).toEqual({ file, backupFile, created: false, replacedProfile: false });
    const after = await readFile(file, 'utf8');
    expect(after.startsWith(`${original}\r\n`)).toBe(true);
    expect(after.endsWith(`aws_secret_access_key=${SECRET}`)).toBe(true);
    expect(await readFile(backupFile, 'utf8')).toBe(original);
    // The file now holds a secret: group and others lose access. The backup keeps the original's.
    expect(await mode(file)).toBe(0o600);
    expect(await mode(backupFile)).toBe(0o640);
  });

  it('refuses to replace a profile holding another key, naming it, unless forced', async () => {
    const file = join(dir, 'credentials');
    const text =
      '[billing]\naws_access_key_id = AKIAREALKEY000000001\naws_secret_access_key = real\n';
    await writeFile(file, text);
    const err: unknown = await creds(file).catch((e: unknown) => e);
    expect(isAppError(err, 'KS_PLANT_PROFILE_TAKEN')).toBe(true);
    expect((err as Error).message).toMatch(/profile \[billing\].*--force/);
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['credentials']);
    const noKey = '[billing]\nrole_arn = arn:aws:iam::111122223333:role/x\n';
    await writeFile(file, noKey);
    const err2: unknown = await creds(file).catch((e: unknown) => e);
    expect(isAppError(err2, 'KS_PLANT_PROFILE_TAKEN')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(noKey);
  });

  it('replaces a profile holding one of the expected keys (re-plant after rotation)', async () => {
    const file = join(dir, 'credentials');
    await writeFile(
      file,
      '[billing]\naws_access_key_id = AKIAOLDKEY0000000001\naws_secret_access_key = s\n',
    );
    const result = await creds(file, { backup: false, expectKeyIds: ['AKIAOLDKEY0000000001'] });
    expect(result.replacedProfile).toBe(true);
    expect(await readFile(file, 'utf8')).toContain(`aws_access_key_id = ${KEY}`);
  });

  it('with expectKeyIds, refuses a profile that is missing or holds another key', async () => {
    const file = join(dir, 'credentials');
    const text = '[billing]\naws_access_key_id = AKIAREALKEY000000001\naws_secret_access_key = s\n';
    await writeFile(file, text);
    const expectKeyIds = ['AKIAOLDKEY0000000001'];
    const err: unknown = await creds(file, { expectKeyIds, force: true }).catch((e: unknown) => e);
    expect(isAppError(err, 'KS_PLANT_PROFILE_TAKEN')).toBe(true);
    const missing = join(dir, 'gone');
    const err2: unknown = await creds(missing, { expectKeyIds }).catch((e: unknown) => e);
    expect(isAppError(err2, 'KS_PLANT_PROFILE_TAKEN')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['credentials']);
  });

  it('replaces an existing profile in place when forced, and reports it', async () => {
    const file = join(dir, 'credentials');
    await writeFile(
      file,
      '[billing]\naws_access_key_id = OLD\n# note\naws_secret_access_key = OLD\n',
    );
    const result = await creds(file, { backup: false, force: true });
    expect(result).toEqual({
      file,
      created: false,
      replacedProfile: true,
      replacedForeignProfile: true,
    });
    expect(await readFile(file, 'utf8')).toBe(
      `[billing]\naws_access_key_id = ${KEY}\n# note\naws_secret_access_key = ${SECRET}\n`,
    );
    expect(await readdir(dir)).toEqual(['credentials']);
  });

  it('keeps a byte-order mark and makes a second backup in the same instant under another name', async () => {
    const file = join(dir, 'credentials');
    await writeFile(file, '\uFEFF[a]\nk = v\n');
    const first = await creds(file);
    const second = await creds(file, { secretAccessKey: `${SECRET}X` });
    expect(second.backupFile).toBe(`${file}.keysnare-20250314T092107512Z-2.bak`);
    expect(first.backupFile).not.toBe(second.backupFile);
    expect((await readFile(file)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(listProfiles(await readFile(file, 'utf8'))).toEqual(['a', 'billing']);
  });

  it('writes nothing, not even a backup, when the profile already holds these keys', async () => {
    const file = join(dir, 'credentials');
    const text = `[billing]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n`;
    await writeFile(file, text);
    const before = await stat(file);
    expect(await creds(file)).toEqual({ file, created: false, replacedProfile: true });
    expect((await stat(file)).ino).toBe(before.ino);
    expect(await readdir(dir)).toEqual(['credentials']);
  });

  it('replaces the file atomically: a new inode, no temp file left behind', async () => {
    const file = join(dir, 'credentials');
    await writeFile(file, '[a]\n');
    const before = await stat(file);
    await creds(file, { backup: false });
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(await readdir(dir)).toEqual(['credentials']);
  });

  it.each([
    ['a ] in the profile', 'prod]'],
    ['a newline in the profile', 'prod\n[evil]'],
    ['a space in the profile', 'my prod'],
  ])('refuses %s with KS_PLANT and leaves the file alone', async (_, profile) => {
    const file = join(dir, 'credentials');
    await writeFile(file, '[a]\n');
    await expectRefusal(creds(file, { profile }), /profile name/);
    expect(await readFile(file, 'utf8')).toBe('[a]\n');
    expect(await readdir(dir)).toEqual(['credentials']);
  });

  it('refuses a malformed key id or secret', async () => {
    const file = join(dir, 'credentials');
    await expectRefusal(creds(file, { secretAccessKey: `${SECRET}\n[x]` }), /secret key/);
    await expectRefusal(creds(file, { accessKeyId: 'AKIA =' }), /access key id/);
  });

  it('refuses what is not a regular file', async () => {
    await expectRefusal(creds(dir), /not a regular file/);
    await expectRefusal(creds('/dev/null'), /not a regular file/);
  });

  it('refuses a file over 1 MB, binary files and non-UTF-8 files', async () => {
    const big = join(dir, 'big');
    await writeFile(big, `[a]\n#${'x'.repeat(MAX_PLANT_FILE_BYTES)}\n`);
    await expectRefusal(creds(big), /larger than 1048576 bytes/);
    const binary = join(dir, 'bin');
    await writeFile(binary, Buffer.from([0x5b, 0x61, 0x5d, 0x00, 0x0a]));
    await expectRefusal(creds(binary), /binary/);
    const latin1 = join(dir, 'latin1');
    await writeFile(latin1, Buffer.from('[caf\xe9]\n', 'latin1'));
    await expectRefusal(creds(latin1), /not UTF-8/);
  });

  it('refuses a file that AWS tools would read ambiguously', async () => {
    const file = join(dir, 'credentials');
    await writeFile(file, '[ billing ]\nk = v\n');
    await expectRefusal(creds(file), /whitespace/);
    await writeFile(file, '[billing]\n[billing]\n');
    await expectRefusal(creds(file), /defined 2 times/);
  });

  it('follows a symlink to a file inside its own directory, keeping the link', async () => {
    await mkdir(join(dir, 'profiles'));
    const target = join(dir, 'profiles', 'work');
    await writeFile(target, '[a]\n');
    const link = join(dir, 'credentials');
    await symlink('profiles/work', link);
    const result = await creds(link, { backup: false });
    expect(result.file).toBe(target);
    expect(await readlink(link)).toBe('profiles/work');
    expect(listProfiles(await readFile(target, 'utf8'))).toEqual(['a', 'billing']);
  });

  it('refuses a symlink pointing outside its directory, and a dangling one', async () => {
    const outside = join(dir, 'outside');
    const home = join(dir, 'home');
    await mkdir(outside);
    await mkdir(home);
    await writeFile(join(outside, 'victim'), '[a]\n');
    const link = join(home, 'credentials');
    await symlink(join(outside, 'victim'), link);
    await expectRefusal(creds(link), /symlink to .*victim, outside/);
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('[a]\n');
    const dangling = join(dir, 'dangling');
    await symlink(join(dir, 'nowhere'), dangling);
    await expectRefusal(creds(dangling), /symlink to a missing file/);
  });

  it('reports a file system failure as KS_PLANT with the cause attached', async () => {
    const parent = join(dir, 'file');
    await writeFile(parent, '');
    const err: unknown = await creds(join(parent, 'credentials')).catch((e: unknown) => e);
    expect(isAppError(err, 'KS_PLANT')).toBe(true);
    expect((err as Error).cause).toBeDefined();
  });
});

describe('plantConfig', () => {
  it('creates [profile NAME] with region and output, then [default] beside it', async () => {
    const file = join(dir, '.aws', 'config');
    await plantConfig({ file, profile: 'billing', region: 'eu-west-1', output: 'yaml' });
    const second = await plantConfig({
      file,
      profile: 'default',
      region: 'us-west-2',
      output: 'json',
      now: NOW,
    });
    expect(second.backupFile).toBeDefined();
    expect(await readFile(file, 'utf8')).toBe(
      '[profile billing]\nregion = eu-west-1\noutput = yaml\n\n[default]\nregion = us-west-2\noutput = json\n',
    );
    expect(listProfiles(await readFile(file, 'utf8'), 'config')).toEqual(['billing', 'default']);
    expect(await mode(file)).toBe(0o600);
  });

  it('updates an existing profile keeping its other settings', async () => {
    const file = join(dir, 'config');
    await writeFile(file, '[profile billing]\nregion = us-east-1\nsso_session = corp\n');
    const result = await plantConfig({
      file,
      profile: 'billing',
      region: 'eu-west-1',
      output: 'text',
      backup: false,
    });
    expect(result.replacedProfile).toBe(true);
    const values = parseIni(await readFile(file, 'utf8')).sections[0]?.values;
    expect(values).toEqual({ region: 'eu-west-1', output: 'text', sso_session: 'corp' });
  });

  it('refuses an unknown output or a malformed region', async () => {
    const file = join(dir, 'config');
    await expectRefusal(
      plantConfig({ file, profile: 'p', region: 'eu-west-1', output: 'xml' }),
      /output must be one of/,
    );
    await expectRefusal(
      plantConfig({ file, profile: 'p', region: 'eu west', output: 'json' }),
      /not a region/,
    );
  });
});
