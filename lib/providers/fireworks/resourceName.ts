/**
 * Fireworks names resources by path (`accounts/<a>/supervisedFineTuningJobs/<id>`, `accounts/<a>/deployments/<id>`)
 * and routes them by the last segment: this turns a name into that id; a short id stays as it is.
 */
export function shortId(nameOrId: string): string {
  const i = nameOrId.lastIndexOf('/');
  return i >= 0 ? nameOrId.slice(i + 1) : nameOrId;
}
