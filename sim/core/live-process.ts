/**
 * Whether a process of this pid exists on this machine. Signal 0 checks without
 * sending anything: ESRCH means there is none; EPERM means one exists that belongs
 * to another user.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
