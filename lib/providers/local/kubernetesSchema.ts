import { Job } from 'kubernetes-models/batch/v1/Job';

/**
 * What makes a manifest an invalid `batch/v1` Job, by the Kubernetes JSON schema of that kind (generated from
 * the Kubernetes OpenAPI document by `kubernetes-models`; 4.x, the line that runs on Node 20), plus the rule the
 * schema leaves to the API server that a Job name must obey: a DNS-1123 label of at most 63 characters, since
 * the name becomes the `job-name` label of its pods. Empty: valid.
 */
export function kubernetesJobProblems(manifest: unknown): string[] {
  const problems: string[] = [];
  try {
    new Job(manifest as ConstructorParameters<typeof Job>[0]).validate();
  } catch (err) {
    const errors = (err as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (errors?.length) problems.push(...errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`));
    else problems.push((err as Error).message);
  }
  const name = (manifest as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  if (typeof name === 'string' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) problems.push(`/metadata/name ${JSON.stringify(name)} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)`);
  return problems;
}
