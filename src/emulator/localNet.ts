/** Ports and HTTP probes on 127.0.0.1, where the emulator's processes listen. */
import { get } from 'node:http'
import { createServer } from 'node:net'

/** The interface the emulator listens on. */
export const HOST = '127.0.0.1'

/**
 * The JSON body of a GET that answers 200, or undefined (another status, no
 * answer within `timeoutMs`, a body that is not JSON).
 */
export function httpJson(url: string, timeoutMs = 1000): Promise<unknown> {
  return new Promise((resolvePromise) => {
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', () => resolvePromise(undefined))
      res.on('end', () => {
        if (res.statusCode !== 200) return resolvePromise(undefined)
        try {
          resolvePromise(JSON.parse(Buffer.concat(chunks).toString() || 'null'))
        } catch {
          resolvePromise(undefined)
        }
      })
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolvePromise(undefined))
  })
}

/** True when a GET of `url` answers 200 within `timeoutMs`. */
export function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume()
      resolvePromise(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolvePromise(false))
  })
}

/** True when nothing listens on `port` of 127.0.0.1. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolvePromise(false)
      else reject(error)
    })
    server.listen(port, HOST, () => server.close(() => resolvePromise(true)))
  })
}

/**
 * A free TCP port on 127.0.0.1, chosen by the OS.
 *
 * @example
 * ```ts
 * await startEmulator({ port: await freePort() })
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolvePromise(port))
    })
  })
}
