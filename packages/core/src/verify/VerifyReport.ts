export type CheckStatus = "pass" | "warn" | "fail"

/** One verification check: plain data, rendered by the CLI, the health endpoint and the MCP server alike. */
export interface Check {
  readonly id: string
  /** Where the check comes from in the guide: Step 3, Step 4, Post-Migration Verification, ledger. */
  readonly group: string
  readonly title: string
  readonly status: CheckStatus
  readonly detail: string
  /** Troubleshooting code and fix, for warnings and failures. */
  readonly code?: string
  readonly fix?: string
}

export interface VerifyReport {
  readonly database: string
  readonly ok: boolean
  readonly counts: { readonly pass: number; readonly warn: number; readonly fail: number }
  readonly checks: ReadonlyArray<Check>
}

export const summarise = (database: string, checks: ReadonlyArray<Check>): VerifyReport => {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length
  return { database, ok: count("fail") === 0, counts: { pass: count("pass"), warn: count("warn"), fail: count("fail") }, checks }
}
