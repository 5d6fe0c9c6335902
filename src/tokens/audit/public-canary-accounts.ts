/**
 * AWS account ids that public attacker tooling treats as canary accounts. A key whose account
 * decodes (offline, from the key id) to one of these is recognised without ever being called.
 *
 * Sources (reference/landscape.md §D3, re-read from the repositories):
 * - TruffleHog `pkg/detectors/aws/access_keys/canary.go`: `thinkstCanaryList` ("This is an AWS
 *   canary token generated at canarytokens.org.") and `thinkstKnockoffsCanaryList` ("This is an off
 *   brand AWS Canary inspired by canarytokens.org."). On a match TruffleHog calls `sns:Publish`
 *   instead of STS, so the canary does not fire.
 * - Pacu `pacu/modules/iam__detect_honeytokens/main.py`: account 534261010715 in the ARN ("owned
 *   by Canarytokens.org").
 * Update these lists when the tools update theirs.
 */

/** A public list of canary account ids. */
export interface PublicCanaryList {
  readonly id: 'trufflehog-thinkst' | 'trufflehog-off-brand' | 'pacu';
  /** Who publishes it, for messages. */
  readonly title: string;
  readonly source: string;
  readonly accounts: readonly string[];
}

/** Every embedded public list. */
export const PUBLIC_CANARY_LISTS: readonly PublicCanaryList[] = [
  {
    id: 'trufflehog-thinkst',
    title: "TruffleHog's Thinkst (canarytokens.org) list",
    source: 'trufflesecurity/trufflehog pkg/detectors/aws/access_keys/canary.go thinkstCanaryList',
    accounts: [
      '052310077262',
      '171436882533',
      '534261010715',
      '595918472158',
      '717712589309',
      '819147034852',
      '992382622183',
      '730335385048',
      '266735846894',
      '893192397702',
    ],
  },
  {
    id: 'trufflehog-off-brand',
    title: "TruffleHog's off-brand canary list",
    source:
      'trufflesecurity/trufflehog pkg/detectors/aws/access_keys/canary.go thinkstKnockoffsCanaryList',
    accounts: [
      '044858866125',
      '251535659677',
      '344043088457',
      '351906852752',
      '390477818340',
      '426127672474',
      '427150556519',
      '439872796651',
      '445142720921',
      '465867158099',
      '637958123769',
      '693412236332',
      '732624840810',
      '735421457923',
      '959235150393',
      '982842642351',
    ],
  },
  {
    id: 'pacu',
    title: "Pacu's iam__detect_honeytokens module",
    source: 'RhinoSecurityLabs/pacu pacu/modules/iam__detect_honeytokens/main.py',
    accounts: ['534261010715'],
  },
];

/** The public lists that name `accountId` (empty when none does). */
export function publicCanaryListsFor(accountId: string): PublicCanaryList[] {
  return PUBLIC_CANARY_LISTS.filter((list) => list.accounts.includes(accountId));
}
