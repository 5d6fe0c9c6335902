import { describe, expect, it } from 'vitest';
import { jiraSink } from './jira.js';

describe('jira options', () => {
  const base = { url: 'https://acme.atlassian.net', project: 'SEC' };
  const parse = (o: object) => jiraSink.options.safeParse({ ...base, ...o });
  const messages = (o: object) => {
    const r = parse(o);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };

  it('takes email + apiToken or a token, with defaults', () => {
    expect(parse({ email: 'a@acme.example', apiToken: 't' }).data).toMatchObject({
      issueType: 'Task',
      apiVersion: 3,
      labels: [],
      priorities: {},
    });
    expect(parse({ token: 'pat', apiVersion: 2 }).success).toBe(true);
  });

  it('refuses no credentials, both forms, or half of the Cloud form, saying why', () => {
    expect(messages({})).toEqual([
      'give email + apiToken (Jira Cloud) or token (a Data Center personal access token)',
    ]);
    expect(messages({ email: 'a', apiToken: 't', token: 'p' })).toEqual([
      'give email + apiToken (Jira Cloud) or token (Data Center), not both',
    ]);
    expect(messages({ email: 'a' })).toEqual([
      'email and apiToken go together (Jira Cloud basic auth)',
    ]);
  });

  it('checks the project key, labels, priorities, API version and unknown keys', () => {
    const ok = { token: 'p' };
    expect(parse({ ...ok, project: 'SEC OPS' }).success).toBe(false);
    expect(parse({ ...ok, labels: ['two words'] }).success).toBe(false);
    expect(parse({ ...ok, priorities: { critical: 'Highest' } }).success).toBe(true);
    expect(parse({ ...ok, priorities: { severe: 'Highest' } }).success).toBe(false);
    expect(parse({ ...ok, apiVersion: 4 }).success).toBe(false);
    expect(parse({ ...ok, assignee: 'bob' }).success).toBe(false);
    expect(parse({ ...ok, url: 'file:///etc/passwd' }).success).toBe(false);
  });
});
