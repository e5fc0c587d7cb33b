/** Test helper: have Node 22 where the emulator looks for it. */
import { execFileSync } from 'node:child_process'

/**
 * Runs `npx -y node@22 --version` once, which puts Node 22 in the npx cache
 * (the npm registry must be reachable the first time). Returns true when it
 * printed a Node 22 version, false when npx could not get one (offline).
 */
export function ensureNode22(): boolean {
  try {
    const out = execFileSync('npx', ['-y', 'node@22', '--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 300_000,
    })
    return /^v22\.\d+\.\d+/.test(out.trim())
  } catch {
    return false
  }
}
