/** Helpers about processes the tests start. */
import { existsSync, readFileSync } from 'node:fs'

/**
 * True while `pid` is a live process: signal 0 reaches it and it is not a
 * zombie (exited, not reaped yet).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return !existsSync('/proc/self/stat')
  }
}
