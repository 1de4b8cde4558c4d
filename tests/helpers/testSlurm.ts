import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
/** The slurm.conf scripts/slurm-up.sh writes. */
export const slurmConf = path.join(root, '.strawberry', 'slurm', 'slurm.conf');

/**
 * Brings up the one-machine Slurm (scripts/slurm-up.sh, idempotent) and returns why it could not, or undefined.
 * A machine where Slurm cannot start (no root or apt, or another Slurm/MariaDB on its ports) skips the Slurm tests
 * with that reason, listed at the end of the run; STRAWBERRY_REQUIRE_SLURM=1 makes it fail the run instead.
 */
export function slurmUnavailable(): string | undefined {
  const r = spawnSync(path.join(root, 'scripts', 'slurm-up.sh'), [], { encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0) return undefined;
  const reason = `scripts/slurm-up.sh could not start Slurm: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`;
  if (process.env.STRAWBERRY_REQUIRE_SLURM === '1') throw new Error(`${reason}. STRAWBERRY_REQUIRE_SLURM=1, so this fails the run.`);
  return reason;
}
