/**
 * A GitHub Actions workflow that hard-codes the keys in the job's `env` and feeds them to
 * aws-actions/configure-aws-credentials: what a leaked workflow file looks like.
 */
import { assertBaitInput, seededPick, type BaitFormat, type BaitInput } from './bait.js';
import { yamlScalar } from './quote.js';

/** Workflow shapes: name, job id, branch, final step. */
const SHAPES = [
  ['Deploy', 'deploy', 'main', './scripts/deploy.sh'],
  ['Publish assets', 'publish', 'main', 'aws s3 sync ./dist "s3://$ASSETS_BUCKET" --delete'],
  ['Release', 'release', 'master', 'make release'],
  ['Nightly backup', 'backup', 'main', './ops/backup.sh'],
] as const;

/** A GitHub Actions workflow with literal AWS keys. */
export const githubActions = {
  id: 'github-actions',
  description:
    'GitHub Actions workflow using aws-actions/configure-aws-credentials with literal keys',
  defaultFileName: 'deploy.yml',
  render(input: BaitInput): string {
    assertBaitInput('github-actions', input);
    const [name, job, branch, run] = seededPick(input.seed, 'gha.shape', SHAPES);
    const action = seededPick(input.seed, 'gha.version', ['v4', 'v4', 'v3']);
    return [
      `name: ${yamlScalar(name)}`,
      '',
      'on:',
      '  push:',
      `    branches: [${branch}]`,
      '  workflow_dispatch:',
      '',
      'jobs:',
      `  ${job}:`,
      '    runs-on: ubuntu-latest',
      '    env:',
      `      AWS_ACCESS_KEY_ID: ${yamlScalar(input.accessKeyId)}`,
      `      AWS_SECRET_ACCESS_KEY: ${yamlScalar(input.secretAccessKey)}`,
      `      AWS_REGION: ${yamlScalar(input.region)}`,
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - name: Configure AWS credentials',
      `        uses: aws-actions/configure-aws-credentials@${action}`,
      '        with:',
      '          aws-access-key-id: ${{ env.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ env.AWS_SECRET_ACCESS_KEY }}',
      '          aws-region: ${{ env.AWS_REGION }}',
      `      - name: ${yamlScalar(name)}`,
      `        run: ${yamlScalar(run)}`,
      '',
    ].join('\n');
  },
} as const satisfies BaitFormat;
