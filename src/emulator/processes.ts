/**
 * Pids and process groups of the emulator's detached processes: is a pid
 * alive (zombies count as gone), is it still ours, and stopping whole groups
 * (the gateway's Lambda processes go with the gateway).
 */
import { readdirSync, readFileSync } from 'node:fs'

/** True while `pid` runs (where /proc tells, a zombie that exited but is not yet reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

/** True when `pid` is alive and (where /proc tells) runs a command containing `marker`. */
export function isOurs(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)
  } catch {
    return true
  }
}

/** True while any process of the group led by `pgid` exists (on Linux, zombies excepted). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  try {
    // kill(-pgid, 0) also counts zombies: look for a live member in /proc where there is one.
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let stat: string
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      } catch {
        continue
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true
    }
    return false
  } catch {
    return true
  }
}

/**
 * SIGTERM to each process group, wait until every member is gone, SIGKILL what is left.
 *
 * @param timeoutMs How long to wait after SIGTERM. @default 5000
 */
export async function killGroups(pgids: number[], timeoutMs = 5000): Promise<void> {
  const signal = (pgid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig) // the whole group: the gateway's Lambda processes go with it
    } catch {
      try {
        process.kill(pgid, sig)
      } catch {
        // already gone
      }
    }
  }
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms
    while (pgids.some(groupAlive) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
  }
  for (const pgid of pgids) signal(pgid, 'SIGTERM')
  await waitGone(timeoutMs)
  if (pgids.some(groupAlive)) {
    for (const pgid of pgids) signal(pgid, 'SIGKILL')
    await waitGone(2000)
  }
}
