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
  /** No check failed: what `aim verify` and `aim migrate` exit 0 on. */
  readonly ok: boolean
  /**
   * No check failed that must stop a boot or take a replica out of service. A default admin password
   * that still works in production fails the report, yet the backend must serve so the admin can log
   * in and change it: it is reported, never blocking.
   */
  readonly serviceable: boolean
  readonly counts: { readonly pass: number; readonly warn: number; readonly fail: number }
  readonly checks: ReadonlyArray<Check>
}

/**
 * Failures that never stop a boot or make a replica unready: the default admin password is fixed
 * through the running backend (log in, change it); a schema that is not the backend's own still
 * serves it (the backend starts and runs; aim verify and aim migrate name what differs).
 */
export const nonBlocking: ReadonlySet<string> = new Set(["admin-password", "backend-schema"])

/** The failures that stop a boot and make a replica unready. */
export const blockingFailures = (checks: ReadonlyArray<Check>): ReadonlyArray<Check> => checks.filter((c) => c.status === "fail" && !nonBlocking.has(c.id))

export const summarise = (database: string, checks: ReadonlyArray<Check>): VerifyReport => {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length
  return {
    database,
    ok: count("fail") === 0,
    serviceable: blockingFailures(checks).length === 0,
    counts: { pass: count("pass"), warn: count("warn"), fail: count("fail") },
    checks,
  }
}
