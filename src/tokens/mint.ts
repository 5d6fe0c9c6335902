/**
 * Minting canary tokens in the user's canary account: one IAM user (realistic name, path `/` by
 * default, no policy) with one access key per token. A journal entry is written before any AWS
 * call, so a mint cut off halfway (user made, key not) is cleaned up at once or resumed by the next
 * `token mint` — nothing is left orphaned.
 */
import type {
  KeyValueStore,
  Placement,
  SecretStore,
  Token,
  TokenStore,
  WorkspaceStore,
} from '../core/index.js';
import { AppError, describeError, isAppError } from '../core/index.js';
import type { IamPort, IamUserInfo } from '../aws/ports.js';
import { generateUserName } from './names.js';
import { newTokenId, registerToken } from './registry.js';

const PENDING = 'mint:pending:';

/** What minting needs. `seal` is undefined when secrets are not kept (`canary.secrets.mode: none`). */
export interface MintDeps {
  readonly iam: IamPort;
  readonly store: TokenStore & KeyValueStore & SecretStore & Pick<WorkspaceStore, 'transaction'>;
  readonly seal: ((tokenId: string, secret: string) => string) | undefined;
  readonly canary: {
    readonly userPath: string;
    readonly nameTemplates: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
  };
  readonly actor: string;
  readonly now: () => Date;
  /** Progress and what recovery did, for stderr. */
  readonly log: (line: string) => void;
}

/** One token to mint. */
export interface MintRequest {
  /** The registry id to use (planned ahead, e.g. so bait profile names are known before AWS). */
  readonly tokenId?: string;
  readonly placement?: Placement;
  readonly label?: string;
}

/** A minted token and its secret (shown once by the caller, never stored in clear). */
export interface Minted {
  readonly token: Token;
  readonly secretAccessKey: string;
}

interface Pending {
  readonly tokenId: string;
  readonly userName: string;
  readonly request: MintRequest;
}

async function journalIndex(store: KeyValueStore): Promise<string[]> {
  return JSON.parse((await store.getValue(`${PENDING}index`)) ?? '[]') as string[];
}

async function setJournal(
  store: KeyValueStore,
  p: Pending | undefined,
  userName: string,
): Promise<void> {
  const index = new Set(await journalIndex(store));
  if (p) index.add(userName);
  else index.delete(userName);
  // The key-value store has no delete: an empty value means "no pending mint".
  await store.setValue(`${PENDING}${userName}`, p ? JSON.stringify(p) : '');
  await store.setValue(`${PENDING}index`, JSON.stringify([...index]));
}

async function readJournal(store: KeyValueStore): Promise<Pending[]> {
  const out: Pending[] = [];
  for (const name of await journalIndex(store)) {
    const text = await store.getValue(`${PENDING}${name}`);
    if (text) out.push(JSON.parse(text) as Pending);
  }
  return out;
}

async function createUserWithFreshName(
  deps: MintDeps,
  tokenId: string,
  request: MintRequest,
): Promise<IamUserInfo> {
  const taken = new Set(
    (await deps.store.list({ status: 'all' })).flatMap((t) =>
      t.userName ? [t.userName.toLowerCase()] : [],
    ),
  );
  for (let attempt = 0; attempt < 5; attempt++) {
    const userName = generateUserName({
      templates: deps.canary.nameTemplates,
      seed: `${tokenId}:${attempt}`,
      taken,
    });
    const tags = Object.entries(deps.canary.tags).map(([key, value]) => ({ key, value }));
    // The journal holds the whole request before AWS is called: a mint killed while CreateUser
    // is in flight is resumed with its label and placement.
    await setJournal(deps.store, { tokenId, userName, request: journalRequest(request) }, userName);
    try {
      return await deps.iam.createUser({ userName, path: deps.canary.userPath, tags });
    } catch (err) {
      await setJournal(deps.store, undefined, userName);
      // A user of that name exists outside Keysnare: never touch it, pick another name.
      if (isAppError(err) && err.details['awsCode'] === 'EntityAlreadyExists') {
        taken.add(userName.toLowerCase());
        continue;
      }
      throw err;
    }
  }
  throw new AppError('KS_AWS', {
    operation: 'CreateUser',
    reason: 'five generated user names were all taken in the account',
  });
}

async function record(
  deps: MintDeps,
  p: Pending,
  user: IamUserInfo,
  accessKeyId: string,
  secret: string,
): Promise<Token> {
  const accountId = user.arn.split(':')[4];
  return deps.store.transaction(async () => {
    const t = await registerToken(
      deps.store,
      {
        accessKeyId,
        userName: user.userName,
        userArn: user.arn,
        ...(user.userId ? { principalId: user.userId } : {}),
        ...(accountId ? { accountId } : {}),
        ...(p.request.label !== undefined ? { label: p.request.label } : {}),
        ...(p.request.placement ? { placement: p.request.placement } : {}),
      },
      deps.actor,
      deps.now(),
      'minted',
      p.tokenId,
    );
    if (deps.seal) await deps.store.putSecret(t.id, deps.seal(t.id, secret));
    await setJournal(deps.store, undefined, p.userName);
    return t;
  });
}

/** The request as the journal stores it (only what `record` reads). */
function journalRequest(r: MintRequest): MintRequest {
  return {
    ...(r.label !== undefined ? { label: r.label } : {}),
    ...(r.placement ? { placement: r.placement } : {}),
  };
}

/** Mint one token. On a failure after the user was made, the user is removed (or left for resume). */
export async function mintToken(deps: MintDeps, request: MintRequest): Promise<Minted> {
  const tokenId = request.tokenId ?? newTokenId();
  const user = await createUserWithFreshName(deps, tokenId, request);
  const pending: Pending = { tokenId, userName: user.userName, request: journalRequest(request) };
  await setJournal(deps.store, pending, user.userName);
  let key;
  try {
    key = await deps.iam.createAccessKey(user.userName);
  } catch (err) {
    await cleanUpHalfMade(deps, user.userName, err);
    throw err;
  }
  return {
    token: await record(deps, pending, user, key.accessKeyId, key.secretAccessKey),
    secretAccessKey: key.secretAccessKey,
  };
}

async function cleanUpHalfMade(deps: MintDeps, userName: string, cause: unknown): Promise<void> {
  try {
    for (const k of await deps.iam.listAccessKeys(userName))
      await deps.iam.deleteAccessKey(userName, k.accessKeyId);
    await deps.iam.deleteUser(userName);
    await setJournal(deps.store, undefined, userName);
    deps.log(
      `mint failed after IAM user ${userName} was created (${describeError(cause)}); removed that user: nothing is left behind`,
    );
  } catch (err) {
    deps.log(
      `mint failed after IAM user ${userName} was created (${describeError(cause)}) and removing it failed too (${describeError(err)}); the next \`keysnare token mint\` resumes it`,
    );
  }
}

/**
 * Finish or undo mints that were cut off: a journalled user that exists gets a fresh key (a key
 * made before the cut cannot be used: its secret was never recorded, so it is deleted first) and is
 * registered; a journalled user that does not exist is forgotten.
 */
export async function resumePendingMints(deps: MintDeps): Promise<Minted[]> {
  const done: Minted[] = [];
  for (const p of await readJournal(deps.store)) {
    const user = await deps.iam.getUser(p.userName);
    if (!user) {
      await setJournal(deps.store, undefined, p.userName);
      deps.log(`an interrupted mint of ${p.userName} never created the user; nothing to resume`);
      continue;
    }
    for (const k of await deps.iam.listAccessKeys(p.userName))
      await deps.iam.deleteAccessKey(p.userName, k.accessKeyId);
    const key = await deps.iam.createAccessKey(p.userName);
    done.push({
      token: await record(deps, p, user, key.accessKeyId, key.secretAccessKey),
      secretAccessKey: key.secretAccessKey,
    });
    deps.log(
      `resumed the interrupted mint of ${p.userName}: created its access key and registered ${p.tokenId}`,
    );
  }
  return done;
}
