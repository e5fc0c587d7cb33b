import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: the directory that holds `package.json`, `package-lock.json` and `functions/`. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))

/** Where the Lambda handlers live (`functions/<name>Handler.ts`, each exporting `handler`). */
export const DEFAULT_FUNCTIONS_DIR = join(REPO_ROOT, 'functions')
