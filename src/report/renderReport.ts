import serialize from 'serialize-javascript'
import type { ReportData } from './client/reportTypes.js'

/** The id of the script element that holds the report's data as JSON. */
export const REPORT_DATA_ID = 'fanout-report-data'

const STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; }
body { margin: 24px; max-width: 1248px; }
h1 { font-size: 1.5rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.1rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.25rem; }
p { line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #eee; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td { font-variant-numeric: tabular-nums; }
#errors-table td:last-child { max-width: 640px; overflow-wrap: anywhere; }
input[type=search] { font: inherit; padding: 0.3rem 0.5rem; width: 28rem; max-width: 100%; }
noscript { color: #b00; }
`

/**
 * The run report as one self-contained HTML page: its style, its data as
 * JSON in `<script type="application/json" id="fanout-report-data">`
 * (serialized with `serialize-javascript`, which escapes `<`, `>`, `/` and
 * the line separators, so no string in the data can end the script element),
 * and the client code that draws it inline. It loads nothing: no script,
 * style, font or image comes from elsewhere, and the empty data: favicon
 * keeps the browser from asking for one.
 *
 * @param client - the report's browser bundle (JavaScript source)
 */
export function renderReport(data: ReportData, client: string): string {
  const json = serialize(data, { isJSON: true })
  // a script's text ends at the first `</script`: the bundle must never contain one
  const code = client.replace(/<\/(script)/gi, '<\\/$1')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>fanout report</title>
<style>${STYLE}</style>
</head>
<body>
<h1 id="title">fanout run report</h1>
<p id="summary"></p>
<noscript>This report draws its charts with JavaScript: allow scripts for this file to see them.</noscript>
<h2>Timeline: molecule attempts per worker slot</h2>
<div id="timeline"></div>
<h2>Molecule durations</h2>
<div id="durations"></div>
<h2>Atoms per second</h2>
<div id="throughput"></div>
<h2>Cost</h2>
<div id="cost"></div>
<h2>Slowest molecules</h2>
<div id="slowest"></div>
<h2>Errors</h2>
<div id="errors"></div>
<script type="application/json" id="${REPORT_DATA_ID}">${json}</script>
<script>${code}</script>
</body>
</html>
`
}
