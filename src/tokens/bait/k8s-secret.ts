/**
 * A Kubernetes `Secret` manifest with the keys base64-encoded under `data`, named and namespaced
 * like the workloads that usually carry AWS keys.
 */
import { assertBaitInput, seededPick, type BaitFormat, type BaitInput } from './bait.js';
import { yamlScalar } from './quote.js';

/** Secret name and namespace pairs seen in clusters. */
const PLACES = [
  ['aws-credentials', 'default'],
  ['aws-creds', 'production'],
  ['s3-backup-credentials', 'backup'],
  ['external-dns-aws', 'kube-system'],
  ['loki-s3-credentials', 'monitoring'],
  ['billing-exporter-aws', 'billing'],
  ['app-aws-secret', 'platform'],
] as const;

function b64(value: string): string {
  return yamlScalar(Buffer.from(value, 'utf8').toString('base64'));
}

/** A Kubernetes Secret manifest. */
export const k8sSecret = {
  id: 'k8s-secret',
  description: 'Kubernetes Secret manifest with base64 AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  defaultFileName: 'aws-secret.yaml',
  render(input: BaitInput): string {
    assertBaitInput('k8s-secret', input);
    const [name, namespace] = seededPick(input.seed, 'k8s.place', PLACES);
    return [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      `  name: ${name}`,
      `  namespace: ${namespace}`,
      'type: Opaque',
      'data:',
      `  AWS_ACCESS_KEY_ID: ${b64(input.accessKeyId)}`,
      `  AWS_SECRET_ACCESS_KEY: ${b64(input.secretAccessKey)}`,
      `  AWS_DEFAULT_REGION: ${b64(input.region)}`,
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
