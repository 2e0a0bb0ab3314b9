import { IssueList } from '../core/errors.ts';

/** The instances of a `POST /models/{name}/predict` body, `{"instances": [...]}` and nothing else. */
export function predictBody(body: unknown): unknown {
  const issues = new IssueList();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    issues.add('', 'expected a JSON object {"instances": [...]}');
  } else {
    for (const key of Object.keys(body)) if (key !== 'instances') issues.add(key, 'unknown field; expected only "instances"');
    if (!('instances' in body)) issues.add('instances', 'required');
  }
  issues.throwIfAny('invalid request body');
  return (body as { instances: unknown }).instances;
}
