import { clientConfig, type TargetConnection } from '../connection.js'

/**
 * Log events of one function that contain `jobId`: from fanout's emulator
 * (its `/_fanout/logs` route) when the endpoint is one, else CloudWatch Logs.
 */
export async function readLogs(
  connection: TargetConnection,
  functionName: string,
  jobId: string,
  since: number,
): Promise<{ timestamp: number; message: string }[]> {
  if (connection.endpoint) {
    const url = `${connection.endpoint}/_fanout/logs/${encodeURIComponent(functionName)}?contains=${encodeURIComponent(jobId)}&since=${since}`
    try {
      const res = await fetch(url)
      if (res.ok)
        return ((await res.json()) as { events: { timestamp: number; message: string }[] }).events
    } catch {
      // not fanout's emulator (real LocalStack): read CloudWatch Logs below
    }
  }
  const { CloudWatchLogsClient, FilterLogEventsCommand } = await import(
    '@aws-sdk/client-cloudwatch-logs'
  )
  const logs = new CloudWatchLogsClient(clientConfig(connection, 'logs'))
  const out: { timestamp: number; message: string }[] = []
  let nextToken: string | undefined
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: `/aws/lambda/${functionName}`,
        filterPattern: `"${jobId}"`,
        startTime: since,
        nextToken,
      }),
    )
    for (const e of page.events ?? [])
      out.push({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })
    nextToken = page.nextToken
  } while (nextToken)
  return out
}
