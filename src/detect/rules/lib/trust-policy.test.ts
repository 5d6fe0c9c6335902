import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../../core/index.js';
import type { TrustContext } from './trust-policy.js';
import { analyzeTrustPolicy, parsePolicyDocument, roleNameOf } from './trust-policy.js';

const OWN = '111122223333';
const OUT = '999988887777';
const CTX: TrustContext = { account: OWN, trustedAccounts: new Set(), sameAccountUsers: true };
const doc = (...statements: unknown[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, extra: object = {}) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRole',
  ...extra,
});
const kinds = (text: string, ctx: TrustContext = CTX) => {
  const a = analyzeTrustPolicy(text, ctx);
  return a.readable ? a.admits.map((x) => `${x.kind} ${x.principal}`) : `unreadable: ${a.reason}`;
};

describe('parsePolicyDocument', () => {
  it('reads plain and URL-encoded JSON, and names what is wrong otherwise', () => {
    const text = doc(allow({ Service: 'ec2.amazonaws.com' }));
    expect(parsePolicyDocument(text)).toMatchObject({ Version: '2012-10-17' });
    expect(parsePolicyDocument(`  ${encodeURIComponent(text)}\n`)).toMatchObject({
      Version: '2012-10-17',
    });
    expect(parsePolicyDocument('%7B%E0%A4%A')).toBe('bad URL encoding');
    expect(parsePolicyDocument('{"Statement": [')).toBe('not JSON');
    expect(parsePolicyDocument('[1, 2]')).toBe('not a JSON object');
    expect(parsePolicyDocument('"text"')).toBe('not a JSON object');
  });
});

describe('analyzeTrustPolicy', () => {
  it('admits nothing of concern for service principals and the own account', () => {
    const text = doc(
      allow({ Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] }),
      allow({ AWS: [OWN, `arn:aws:iam::${OWN}:root`, `arn:aws:iam::${OWN}:role/path/admin`] }),
      allow({ Federated: `arn:aws:iam::${OWN}:saml-provider/AWSSSO_abc_DO_NOT_DELETE` }),
      allow({ Federated: 'accounts.google.com' }),
    );
    expect(analyzeTrustPolicy(text, CTX)).toEqual({
      readable: true,
      admits: [],
      services: ['ec2.amazonaws.com', 'lambda.amazonaws.com'],
    });
  });

  it('reports outside accounts in every form, any partition, a single Statement object too', () => {
    expect(kinds(JSON.stringify({ Statement: allow({ AWS: OUT }) }))).toEqual([
      `outside-account ${OUT}`,
    ]);
    expect(
      kinds(
        doc(
          allow({ AWS: `arn:aws-cn:iam::${OUT}:role/x` }),
          allow({ AWS: `arn:aws:sts::${OUT}:assumed-role/r/s` }),
          allow({
            Federated: `arn:aws:iam::${OUT}:oidc-provider/token.actions.githubusercontent.com`,
          }),
        ),
      ),
    ).toEqual([
      `outside-account arn:aws-cn:iam::${OUT}:role/x`,
      `outside-account arn:aws:sts::${OUT}:assumed-role/r/s`,
      `outside-account arn:aws:iam::${OUT}:oidc-provider/token.actions.githubusercontent.com`,
    ]);
  });

  it('reports any principal: "*", a wildcard ARN, AWS "*", and Allow with NotPrincipal', () => {
    expect(
      kinds(
        doc(allow('*'), allow({ AWS: 'arn:aws:iam::*:root' }), allow({ AWS: '*' }), {
          Effect: 'Allow',
          NotPrincipal: { AWS: OUT },
          Action: 'sts:AssumeRole',
        }),
      ),
    ).toEqual([
      'any-principal *',
      'any-principal arn:aws:iam::*:root',
      'any-principal *',
      'any-principal NotPrincipal',
    ]);
  });

  it('reports IAM users, in the own account unless told not to, never in a trusted account', () => {
    const text = doc(
      allow({ AWS: [`arn:aws:iam::${OWN}:user/ops/alice`, `arn:aws:iam::${OUT}:user/mallory`] }),
    );
    expect(kinds(text)).toEqual([
      `iam-user arn:aws:iam::${OWN}:user/ops/alice`,
      `iam-user arn:aws:iam::${OUT}:user/mallory`,
    ]);
    expect(kinds(text, { ...CTX, sameAccountUsers: false })).toEqual([
      `iam-user arn:aws:iam::${OUT}:user/mallory`,
    ]);
    expect(kinds(text, { ...CTX, trustedAccounts: new Set([OUT]) })).toEqual([
      `iam-user arn:aws:iam::${OWN}:user/ops/alice`,
    ]);
  });

  it('counts a trusted account as inside, and every account as outside when the own is unknown', () => {
    const text = doc(allow({ AWS: [`arn:aws:iam::${OUT}:root`, OWN] }));
    expect(kinds(text, { ...CTX, trustedAccounts: new Set([OUT]) })).toEqual([]);
    expect(kinds(text, { ...CTX, account: undefined })).toEqual([
      `outside-account arn:aws:iam::${OUT}:root`,
      `outside-account ${OWN}`,
    ]);
  });

  it('ignores Deny statements, accepts any case of Allow, and keeps condition keys', () => {
    const conditioned = allow(
      { AWS: OUT },
      { Condition: { StringEquals: { 'sts:ExternalId': 'x', 'aws:PrincipalOrgID': 'o-1' } } },
    );
    const a = analyzeTrustPolicy(
      doc({ ...allow({ AWS: '*' }), Effect: 'Deny' }, { ...conditioned, Effect: 'allow' }),
      CTX,
    );
    expect(a).toMatchObject({
      readable: true,
      admits: [
        {
          kind: 'outside-account',
          principal: OUT,
          account: OUT,
          conditions: ['aws:PrincipalOrgID', 'sts:ExternalId'],
        },
      ],
    });
  });

  it('reports principals it cannot resolve, and a policy without statements as unreadable', () => {
    expect(kinds(doc(allow({ AWS: ['AIDAQEXAMPLEGONE00001', 'arn:aws:iam::12:root'] })))).toEqual([
      'unrecognized AIDAQEXAMPLEGONE00001',
      'unrecognized arn:aws:iam::12:root',
    ]);
    expect(kinds('{"Version":"2012-10-17"}')).toBe('unreadable: no Statement');
    expect(kinds('{"Statement":[]}')).toBe('unreadable: no Statement');
  });

  it('bounds what it reads and reports from a huge policy', () => {
    const many = doc(
      ...Array.from({ length: 500 }, (_, i) =>
        allow({ AWS: Array.from({ length: 50 }, (_, j) => `arn:aws:iam::${OUT}:role/r${i}-${j}`) }),
      ),
    );
    const a = analyzeTrustPolicy(many, CTX);
    expect(a.readable && a.admits.length).toBe(20);
    const long = analyzeTrustPolicy(doc(allow({ AWS: `x${'y'.repeat(10_000)}` })), CTX);
    expect(long.readable && long.admits[0]!.principal.length).toBeLessThanOrEqual(257);
  });

  it('never throws on any text or JSON value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const a = analyzeTrustPolicy(text, CTX);
          expect(typeof a.readable).toBe('boolean');
        },
      ),
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (principal, condition) => {
        const text = doc({ Effect: 'Allow', Principal: principal, Condition: condition });
        expect(analyzeTrustPolicy(text, CTX).readable).toBe(true);
      }),
    );
  });
});

describe('roleNameOf', () => {
  const event = (o: Partial<CloudEvent>) => o as CloudEvent;
  it('reads roleName, else the role a denial names (by name or ARN)', () => {
    expect(roleNameOf(event({ requestParameters: { roleName: 'app' } }))).toBe('app');
    expect(
      roleNameOf(
        event({
          errorMessage:
            'User: arn:aws:iam::1:user/a is not authorized to perform: iam:UpdateAssumeRolePolicy on resource: role TrailDiscover-Role because no identity-based policy allows it',
        }),
      ),
    ).toBe('TrailDiscover-Role');
    expect(
      roleNameOf(
        event({
          errorMessage: `... on resource: arn:aws:iam::${OWN}:role/svc/deployer because ...`,
        }),
      ),
    ).toBe('deployer');
    expect(roleNameOf(event({}))).toBeUndefined();
  });
});
