import { mapSlurmState, slurmExitCode } from '../../../lib/providers/local/slurm/states';

describe('Slurm job states as the campaign job states', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['PENDING', '0:0', 'pending', /PENDING/],
    ['CONFIGURING', '0:0', 'pending', /CONFIGURING/],
    ['REQUEUED', '0:0', 'pending', /REQUEUED/],
    ['REQUEUE_HOLD', '0:0', 'pending', /REQUEUE_HOLD/],
    ['SUSPENDED', '0:0', 'pending', /SUSPENDED/],
    ['RUNNING', '0:0', 'running', /RUNNING/],
    ['COMPLETING', '0:0', 'running', /COMPLETING/],
    ['COMPLETED', '0:0', 'succeeded', /COMPLETED/],
    ['COMPLETED', '2:0', 'failed', /non-zero exit code/],
    ['FAILED', '1:0', 'failed', /exit code 1:0: the training command failed/],
    ['CANCELLED by 0', '0:15', 'cancelled', /cancelled \(scancel\)/],
    ['TIMEOUT', '0:0', 'failed', /time limit/],
    ['OUT_OF_MEMORY', '0:125', 'failed', /out of memory/],
    ['NODE_FAIL', '0:0', 'failed', /node running the job failed/],
    ['BOOT_FAIL', '0:0', 'failed', /boot/],
    ['PREEMPTED', '0:0', 'failed', /preempted/],
    ['DEADLINE', '0:0', 'failed', /deadline/],
    ['REVOKED', '0:0', 'failed', /sibling cluster/],
    ['SPECIAL_EXIT', '0:0', 'failed', /special exit/],
    ['WEIRD_NEW', '0:0', 'failed', /does not know \(WEIRD_NEW\)/],
  ];
  it.each(cases)('%s (%s) -> %s', (state, exitCode, status, reason) => {
    const m = mapSlurmState({ jobId: '42', state, exitCode, reason: 'None' });
    expect(m.status).toBe(status);
    expect(m.reason).toMatch(reason);
    expect(m.reason).toContain('Slurm job 42');
  });

  it("keeps Slurm's reason when it has one", () => {
    expect(mapSlurmState({ jobId: '7', state: 'PENDING', reason: 'Resources' }).reason).toBe('Slurm job 7: PENDING, reason Resources');
  });

  it('reads code:signal exit codes', () => {
    expect(slurmExitCode('3:0')).toBe(3);
    expect(slurmExitCode('0:9')).toBe(137);
    expect(slurmExitCode(undefined)).toBeUndefined();
  });
});
