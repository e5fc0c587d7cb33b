/**
 * A minimal HTTP client for the gateway's own calls to moto (GetFunction,
 * the code route, S3 reads), over a keep-alive agent. moto does not check
 * signatures; it routes by the credential scope of the `Authorization` header.
 */
import { Agent, request } from 'node:http'

/** A buffered response from moto. */
export interface MotoResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** One request to moto. */
export interface MotoRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: Buffer | string
  /** Give up after this many ms. @default 30000 */
  timeoutMs?: number
}

/**
 * An `Authorization` header moto routes to `service` in `region`; the access
 * key selects moto's account (any key that is not an assumed role's maps to
 * the default account, 123456789012).
 */
export function motoAuthorization(service: string, region: string, accessKey = 'test'): string {
  return `AWS4-HMAC-SHA256 Credential=${accessKey}/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`
}

/** The region and access key of a SigV4 `Authorization` header, if it has them. */
export function parseAuthorization(
  header: string | undefined,
): { accessKey: string; region: string; service: string } | undefined {
  const match = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\/aws4_request/.exec(header ?? '')
  if (!match) return undefined
  return { accessKey: match[1] as string, region: match[2] as string, service: match[3] as string }
}

/** Sends requests to moto's private port. */
export class MotoClient {
  readonly host: string
  readonly port: number
  readonly agent: Agent

  constructor(port: number, host = '127.0.0.1') {
    this.host = host
    this.port = port
    this.agent = new Agent({ keepAlive: true, maxSockets: 64 })
  }

  /** Sends one request and buffers the answer. Rejects only when moto cannot be reached. */
  send(req: MotoRequest): Promise<MotoResponse> {
    return new Promise((resolvePromise, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body)
      const outgoing = request(
        {
          host: this.host,
          port: this.port,
          method: req.method ?? 'GET',
          path: req.path,
          agent: this.agent,
          headers: {
            ...req.headers,
            ...(body ? { 'content-length': String(body.length) } : {}),
          },
          timeout: req.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolvePromise({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          )
          res.on('error', reject)
        },
      )
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`moto did not answer ${req.path} in time`)),
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  }

  /** Closes the idle keep-alive sockets. */
  close(): void {
    this.agent.destroy()
  }
}
