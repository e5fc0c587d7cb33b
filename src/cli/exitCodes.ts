/**
 * Exit codes of the CLI: 0 every atom succeeded; 1 some atoms failed (or the
 * job failed); 2 bad input; 75 stopped at `--max-cost` or `--deadline`
 * (resumable: sysexits' EX_TEMPFAIL, "try again"); 130 interrupted (Ctrl-C);
 * 70 a fault of fanout itself.
 */
export const EXIT = {
  ok: 0,
  atomsFailed: 1,
  usage: 2,
  internal: 70,
  limit: 75,
  interrupted: 130,
} as const
