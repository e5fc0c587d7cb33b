import { join } from 'node:path'
import { packageRoot } from '../src/runtime/packageRoot.js'

/**
 * Where the prebuilt Lambda bundles are: `<fanout package>/dist/functions/<name>/index.mjs`
 * (written by `npm run build`), the same in this repository and in an installed package.
 */
export const DEFAULT_FUNCTIONS_DIR = join(packageRoot(), 'dist', 'functions')
