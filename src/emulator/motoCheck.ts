/** The moto the emulator needs: exactly the version whose defects `moto_launcher.py` patches. */
import { execFile } from 'node:child_process'
import { EmulatorError } from './errors.js'

/** The moto version the launcher's patches target. */
export const REQUIRED_MOTO_VERSION = '5.2.1'
/** The command that installs it. */
export const MOTO_INSTALL_COMMAND = `pip install "moto[server]==${REQUIRED_MOTO_VERSION}"`

/**
 * Checks that `python` has exactly the moto the launcher patches (and flask, which its server needs).
 *
 * @example
 * ```ts
 * await checkMoto(process.env.FANOUT_PYTHON ?? 'python3')
 * ```
 * @throws EmulatorError saying what to install when Python or moto is missing or moto is of another version.
 */
export async function checkMoto(python: string): Promise<void> {
  const script =
    'import sys\ntry:\n import moto, flask\nexcept ImportError as e:\n print("missing:" + str(e)); sys.exit(0)\nprint("version:" + moto.__version__)'
  const output = await new Promise<string>((resolvePromise, reject) => {
    execFile(python, ['-c', script], { timeout: 30_000 }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code
        reject(
          new EmulatorError(
            code === 'ENOENT'
              ? `${python} was not found. fanout's emulator needs Python 3 with moto: install Python 3, then run: ${MOTO_INSTALL_COMMAND}`
              : `${python} could not check for moto (${error.message.trim()}). Install it with: ${MOTO_INSTALL_COMMAND}`,
            { cause: error },
          ),
        )
      } else resolvePromise(stdout.trim())
    })
  })
  if (output.startsWith('missing:')) {
    throw new EmulatorError(
      `moto is not installed for ${python} (${output.slice(8)}). fanout's emulator needs it: ${MOTO_INSTALL_COMMAND}`,
    )
  }
  const version = output.replace(/^version:/, '')
  if (version !== REQUIRED_MOTO_VERSION) {
    throw new EmulatorError(
      `${python} has moto ${version}, but fanout's emulator needs exactly moto ${REQUIRED_MOTO_VERSION}: ${MOTO_INSTALL_COMMAND}`,
    )
  }
}
