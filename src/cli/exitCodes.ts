/**
 * Exit codes of the CLI: 0 every atom succeeded; 1 some atoms failed (or the
 * job failed); 2 bad input; 130 interrupted (Ctrl-C); 70 a fault of fanout itself.
 */
export const EXIT = { ok: 0, atomsFailed: 1, usage: 2, internal: 70, interrupted: 130 } as const
