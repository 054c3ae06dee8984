import { createHash } from "node:crypto"
import {
  type AimError,
  Database,
  Migrator,
  Verifier,
  catalogEntries,
  diagnose,
  explain,
  codedLine,
  entryDocument,
  findEntry,
  loadMigrations,
  lockHolder,
  pendingLockPlan,
  traced,
  type Env,
  loadEnv,
  checksumOf,
  lintMigrations,
  scrub,
  scrubValue,
  withoutUrlCredentials,
  secretsOf,
} from "@aim/core"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { Cause, Effect, Exit, Option } from "effect"
import { resolve } from "node:path"
import { z } from "zod"
import { version } from "../version.js"
import { statusDocument } from "../commands/status.js"
import { type McpServices, lazyRuntime, mcpLayer } from "./runtime.js"
import { LineTransport } from "./transport.js"

export interface McpOptions {
  readonly migrationsDir: string
  readonly cwd?: string
  /** The environment, when the caller read it already (the CLI reads it once per process). */
  readonly env?: Env
  /**
   * Serve the tools that change the database (apply_migrations, apply_migration). Off unless the
   * person starting `aim mcp` says so (--allow-apply): an agent cannot grant itself that.
   */
  readonly allowApply?: boolean
}

type ToolResult = {
  content: Array<{ type: "text"; text: string }>
  structuredContent?: Record<string, unknown>
  isError?: boolean
  [key: string]: unknown
}

/**
 * `aim mcp`: the migrator for AI agents over stdio, with the CLI's safeguards (lock, one transaction
 * per file, ledger, checksums, verify). It never runs SQL that is not a migration file.
 */
export const startMcpServer = async (options: McpOptions) => {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? loadEnv(cwd)
  const secrets = secretsOf(env)
  const migrationsDir = resolve(cwd, options.migrationsDir)
  const runtime = lazyRuntime(() => mcpLayer({ migrationsDir, env, cwd }))
  // Known secrets, and any credentials in a URL an agent typed (its own, not in this environment).
  const clean = (text: string) => withoutUrlCredentials(scrub(text, secrets))

  const ok = (summary: string, data: Record<string, unknown>): ToolResult => {
    // Each string scrubbed, so the document stays valid whatever a secret looks like (`true`, `5432`, a quote).
    const structured = JSON.parse(
      JSON.stringify(scrubValue(data, secrets), (_key, value) => (typeof value === "string" ? withoutUrlCredentials(value) : value)),
    ) as Record<string, unknown>
    return { content: [{ type: "text", text: clean(summary) }], structuredContent: structured }
  }
  const refuse = (reason: string, safeAlternative: string, code = "AIM-MCP-001"): ToolResult => ({
    isError: true,
    content: [{ type: "text", text: clean(`[${code}] refused: ${reason}. ${safeAlternative}`) }],
  })
  const failure = (error: AimError | { readonly defect: unknown }): ToolResult => {
    // aim's errors by their tag; a defect (not aim's error) by its text, as a pasted message would be.
    const { entry, message } = "defect" in error ? diagnose(error.defect) : explain(error)
    return {
      isError: true,
      content: [{ type: "text", text: clean(codedLine({ entry, message })) }],
    }
  }
  const run = async <A>(effect: Effect.Effect<A, AimError, McpServices>, render: (a: A) => ToolResult) => {
    const exit = await runtime.run(effect)
    if (Exit.isSuccess(exit)) return render(exit.value)
    return failure(Option.getOrElse(Cause.failureOption(exit.cause), () => ({ defect: Cause.squash(exit.cause) })))
  }

  const allowApply = options.allowApply === true
  const server = new McpServer(
    { name: "aim-migrate", version },
    {
      instructions: allowApply
        ? "Apply AIM database migrations safely: call migration_status or plan_migrations first, then apply_migrations with confirm: true, its planId, and acceptRisk naming each statement it lists in highRisk."
        : "Read-only: migration status, lock-impact plans, verification and troubleshooting. Applying needs a person to start aim mcp --allow-apply.",
    },
  )

  const migrationEntry = z.object({ version: z.number(), name: z.string(), checksum: z.string() }).passthrough()
  const refusal = z.object({ kind: z.string(), version: z.number(), name: z.string(), detail: z.string() })

  server.registerTool(
    "migration_status",
    {
      title: "Migration status",
      description: "Applied and pending migrations with checksums, drift (refusals) and who holds the migration lock now. Changes nothing.",
      inputSchema: {},
      outputSchema: z
        .object({
          database: z.string(),
          upToDate: z.boolean(),
          applied: z.array(migrationEntry),
          pending: z.array(migrationEntry),
          refusals: z.array(refusal),
          lockHolder: z.unknown(),
        })
        .passthrough(),
      annotations: { readOnlyHint: true },
    },
    () =>
      run(
        Effect.gen(function* () {
          const status = yield* (yield* Migrator).status
          const holder = yield* lockHolder((yield* Database).query)
          return { ...statusDocument(status), lockHolder: Option.getOrNull(holder) }
        }),
        (doc) =>
          ok(
            `${doc.applied.length} applied, ${doc.pending.length} pending${doc.refusals.length > 0 ? `, ${doc.refusals.length} refusal(s)` : ""}${doc.upToDate ? ": up to date" : ""}`,
            doc,
          ),
      ),
  )

  /**
   * What apply_migrations would do now, with an id that binds an approval to it: a hash of the files
   * it would apply (names and checksums), the ledger and the refusals. Any change to the files or the
   * database gives another id, so an agent applies what it (or its human) looked at, or nothing.
   */
  const planFor = (upTo: number | undefined) =>
    Effect.gen(function* () {
      const { status, plan } = yield* pendingLockPlan
      const within = (version: number) => upTo === undefined || version <= upTo
      const wouldApply = status.pending.filter((p) => within(p.version))
      const files = plan.pending.filter((f) => within(f.version))
      const planId = createHash("sha256")
        .update(
          JSON.stringify({
            upTo: upTo ?? null,
            pending: wouldApply.map((p) => [p.version, p.name, p.checksum]),
            applied: status.applied.map((a) => [a.version, a.checksum, a.state]),
            refusals: status.refusals.map((r) => [r.kind, r.version]),
          }),
        )
        .digest("hex")
        .slice(0, 16)
      return {
        planId,
        wouldApply: wouldApply.map((p) => ({ version: p.version, name: p.name, checksum: p.checksum, transactional: p.transactional })),
        refusals: [...status.refusals],
        upToDate: status.upToDate,
        lockPlan: { pending: files, relations: plan.relations },
        // Statements an apply must name in acceptRisk (file:line): high risk, destructive (removes or
        // overwrites data) or opaque (a DO block or function whose effect its text does not show).
        highRisk: files.flatMap((f) => f.statements.filter((st) => st.risk === "high" || st.destructive || st.opaque).map((st) => `${f.name}:${st.line}`)),
      }
    })

  const planSummary = (plan: Effect.Effect.Success<ReturnType<typeof planFor>>) =>
    `planId ${plan.planId}: ${
      plan.refusals.length > 0
        ? `refused: ${plan.refusals.map((r) => r.detail).join("; ")}`
        : plan.wouldApply.length === 0
          ? "nothing to apply: the database is up to date"
          : `would apply ${plan.wouldApply.map((p) => p.name).join(", ")}`
    }${plan.highRisk.length > 0 ? `; high risk (apply needs acceptRisk naming them): ${plan.highRisk.join(", ")}` : ""}`

  server.registerTool(
    "plan_migrations",
    {
      title: "Plan migrations",
      description:
        "What apply_migrations would do, changing nothing: the files, what each statement locks and its risk (aim plan), and a planId that apply_migrations requires.",
      inputSchema: { upTo: z.number().int().positive().optional().describe("Plan up to and including this version") },
      outputSchema: z
        .object({ planId: z.string(), wouldApply: z.array(migrationEntry), refusals: z.array(refusal), upToDate: z.boolean(), highRisk: z.array(z.string()) })
        .passthrough(),
      annotations: { readOnlyHint: true },
    },
    ({ upTo }) => run(planFor(upTo), (plan) => ok(planSummary(plan), plan)),
  )

  /**
   * Applies what `planId` approved, or refuses with the plan as it is now: the files or the database
   * changed since, or a high-risk statement is not named in acceptRisk.
   */
  const applyApproved = (
    planId: string | undefined,
    acceptRisk: ReadonlyArray<string>,
    upTo: number | undefined,
    render: (result: ApplyResult) => ToolResult,
  ) =>
    run(
      Effect.gen(function* () {
        const current = yield* planFor(upTo)
        if (planId !== current.planId) return { refused: "plan" as const, current }
        const unaccepted = current.highRisk.filter((h) => !acceptRisk.includes(h))
        if (unaccepted.length > 0) return { refused: "risk" as const, current, unaccepted }
        // What aim lint refuses in CI is refused for an agent too.
        const approvedVersions = new Set(current.wouldApply.map((p) => p.version))
        const toApply = (yield* loadMigrations(migrationsDir)).filter((m) => approvedVersions.has(m.version))
        const lintErrors = (yield* lintMigrations(toApply)).filter((f) => f.severity === "error")
        if (lintErrors.length > 0) return { refused: "lint" as const, current, lintErrors }
        // Never past what was approved, even if a file was added since the check above, and only the
        // content approved: the Migrator compares the checksums again under the lock.
        const last = current.wouldApply.at(-1)?.version
        const approved = new Map(current.wouldApply.map((p) => [p.version, p.checksum]))
        return { result: yield* applyAndVerify(last ?? upTo, approved) }
      }),
      (outcome) => {
        if ("result" in outcome) return render(outcome.result)
        const refused =
          outcome.refused === "lint"
            ? refuse(
                `aim lint finds errors in the files to apply: ${outcome.lintErrors.map((f) => `${f.file}:${f.line} ${f.rule}`).join(", ")}`,
                "Fix them (aim lint prints each with its fix), then plan again.",
              )
            : outcome.refused === "plan"
              ? refuse(
                  planId === undefined
                    ? "applying needs the planId of the plan you approved"
                    : `the plan changed since ${planId} (a migration file or the database changed): nothing was applied`,
                  `Review the current plan (planId ${outcome.current.planId}, attached), then call again with that planId.`,
                )
              : refuse(
                  `high-risk statements need to be accepted by name: ${outcome.unaccepted.join(", ")}`,
                  "Read their locks and advice in the plan (lockPlan), then call again with acceptRisk listing them, or change the migration to its safer form.",
                )
        // The plan as it is now, as a second text block: a tool error carries no structured content.
        return {
          ...refused,
          content: [...refused.content, { type: "text" as const, text: withoutUrlCredentials(JSON.stringify(scrubValue(outcome.current, secrets))) }],
        }
      },
    )

  type ApplyResult = Effect.Effect.Success<ReturnType<typeof applyAndVerify>>

  const applyAndVerify = (upTo: number | undefined, approved: ReadonlyMap<number, string>) =>
    Effect.gen(function* () {
      const report = yield* (yield* Migrator).apply({ approved, ...(upTo === undefined ? {} : { upTo }) })
      const verification = yield* (yield* Verifier).run
      return { applied: [...report.applied], pending: [...report.pending], verify: verification }
    }).pipe(traced("aim mcp apply"))

  const applyOutput = z
    .object({
      applied: z.array(migrationEntry),
      pending: z.array(z.object({ version: z.number(), name: z.string() })),
      verify: z.object({ ok: z.boolean() }).passthrough(),
    })
    .passthrough()

  const acceptRiskInput = z.array(z.string()).optional().describe("The plan's highRisk entries (file:line) you accept: each high-risk statement must be named")

  if (allowApply) {
    server.registerTool(
      "apply_migrations",
      {
        title: "Apply migrations",
        description:
          "Applies the pending migration files of the plan you approved, through the migrator (advisory lock, one transaction per file, ledger, verification after). Requires confirm: true and the planId of plan_migrations; refuses with the new plan when the files or the database changed since, and when a high-risk statement is not named in acceptRisk. Never runs SQL that is not a migration file.",
        inputSchema: {
          confirm: z.boolean().describe("Must be true: applying changes the database"),
          planId: z.string().optional().describe("The planId plan_migrations returned for the plan you approved"),
          acceptRisk: acceptRiskInput,
          upTo: z.number().int().positive().optional().describe("Apply up to and including this version (the same upTo as the plan)"),
        },
        outputSchema: applyOutput,
        // It changes the database, and a migration can drop what it names: clients should ask their person.
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      ({ confirm, planId, acceptRisk, upTo }) =>
        confirm !== true
          ? Promise.resolve(
              refuse(
                "apply_migrations changes the database and needs confirm: true",
                "Call plan_migrations to see what would run, then call again with confirm: true and its planId.",
              ),
            )
          : applyApproved(planId, acceptRisk ?? [], upTo, (result) =>
              ok(
                `${result.applied.length === 0 ? "nothing to apply: up to date" : `applied ${result.applied.map((a) => a.name).join(", ")}`}; verification ${result.verify.ok ? "passed" : "FAILED"}`,
                result,
              ),
            ),
    )

    server.registerTool(
      "apply_migration",
      {
        title: "Apply one migration (guide-compatible)",
        description:
          "The migration guide's shape {name, query}. Accepted only when name is a migration file in the directory and query is exactly that file's content; it then runs through the migrator like apply_migrations. Anything else is refused.",
        inputSchema: {
          name: z.string().describe("Migration file name, e.g. 001_initial_schema (with or without .sql)"),
          query: z.string().describe("The file's SQL content, unchanged"),
          project_id: z.string().optional().describe("Accepted for compatibility with the guide's example; ignored"),
          planId: z.string().optional().describe("The planId of plan_migrations with upTo set to this file's version"),
          acceptRisk: acceptRiskInput,
        },
        outputSchema: applyOutput,
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      async ({ name, query, planId, acceptRisk }) => {
        const loaded = await Effect.runPromiseExit(loadMigrations(migrationsDir))
        if (Exit.isFailure(loaded)) return failure(Option.getOrElse(Cause.failureOption(loaded.cause), () => ({ defect: Cause.squash(loaded.cause) })))
        const wanted = name.trim().replace(/\.sql$/, "")
        const file = loaded.value.find((m) => m.name.replace(/\.sql$/, "") === wanted)
        if (file === undefined) {
          return refuse(
            `"${name}" is not a migration file in ${migrationsDir}`,
            "Only files in the migrations directory can be applied; add the SQL as a new migration file (aim new), then call apply_migrations.",
          )
        }
        if (checksumOf(query) !== file.checksum) {
          return refuse(
            `query is not the content of ${file.name} (edited or different SQL)`,
            `Send the file's content unchanged (resource aim://migrations/${file.name}), or call apply_migrations with confirm: true.`,
          )
        }
        const status = await runtime.run(Effect.flatMap(Migrator, (m) => m.status))
        if (Exit.isSuccess(status)) {
          const first = status.value.pending[0]
          const applied = status.value.applied.some((a) => a.version === file.version)
          if (applied) {
            const pending = status.value.pending.map((p) => ({ version: p.version, name: p.name }))
            return run(
              Effect.flatMap(Verifier, (v) => v.run),
              (verify) => ok(`${file.name} is already applied: nothing to do`, { applied: [], pending, verify }),
            )
          }
          if (first !== undefined && first.version !== file.version) {
            return refuse(
              `${file.name} is not next: ${first.name} is pending before it`,
              "Migrations run in order: apply them in order, or call apply_migrations with confirm: true and upTo.",
            )
          }
        }
        // The same approval as apply_migrations: the plan up to this file, by its planId.
        return applyApproved(planId, acceptRisk ?? [], file.version, (result) =>
          ok(`applied ${result.applied.map((a) => a.name).join(", ")}; verification ${result.verify.ok ? "passed" : "FAILED"}`, result),
        )
      },
    )
  }

  server.registerTool(
    "verify_database",
    {
      title: "Verify the database",
      description: "The aim verify report: the guide's Steps 3 and 4 and its post-migration checks, each pass/warn/fail with a troubleshooting code.",
      inputSchema: {},
      outputSchema: z
        .object({
          database: z.string(),
          ok: z.boolean(),
          counts: z.object({ pass: z.number(), warn: z.number(), fail: z.number() }),
          checks: z.array(z.object({ id: z.string(), status: z.string() }).passthrough()),
        })
        .passthrough(),
      annotations: { readOnlyHint: true },
    },
    () =>
      run(
        Effect.flatMap(Verifier, (v) => v.run),
        (report) =>
          ok(`verification ${report.ok ? "passed" : "failed"}: ${report.counts.pass} passed, ${report.counts.warn} warnings, ${report.counts.fail} failed`, {
            ...report,
          }),
      ),
  )

  server.registerTool(
    "explain_error",
    {
      title: "Explain an error",
      description: "A troubleshooting entry by code (e.g. AIM-DB-004) or by a pasted error message.",
      inputSchema: { code: z.string().optional(), message: z.string().optional() },
      outputSchema: z.object({ code: z.string(), title: z.string(), cause: z.string(), fix: z.string(), docs: z.string() }).passthrough(),
      annotations: { readOnlyHint: true },
    },
    async ({ code, message }) => {
      const entry = code !== undefined ? findEntry(code) : message !== undefined ? diagnose(message).entry : undefined
      if (entry === undefined) {
        return refuse(
          code === undefined ? "give a code or a message" : `unknown code ${code}`,
          `Known codes: ${catalogEntries.map((e) => e.code).join(", ")}`,
          "AIM-MCP-002",
        )
      }
      return ok(`${entry.code} ${entry.title}. Cause: ${entry.cause} Fix: ${entry.fix}`, entryDocument(entry))
    },
  )

  const files = await Effect.runPromise(Effect.orElseSucceed(loadMigrations(migrationsDir), () => []))
  for (const file of files) {
    server.registerResource(
      file.name,
      `aim://migrations/${file.name}`,
      { title: file.name, description: `Migration ${file.version}, checksum ${file.checksum}`, mimeType: "application/sql" },
      async (uri) => ({
        contents: [{ uri: uri.href, mimeType: "application/sql", text: file.sql }],
      }),
    )
  }
  for (const entry of catalogEntries) {
    server.registerResource(
      entry.code,
      `aim://troubleshooting/${entry.slug}`,
      { title: `${entry.code} ${entry.title}`, mimeType: "text/markdown" },
      async (uri) => ({
        contents: [
          {
            uri: uri.href,
            mimeType: "text/markdown",
            text: `# ${entry.code}: ${entry.title}\n\n**Symptom:** ${entry.symptom}\n\n**Cause:** ${entry.cause}\n\n**Fix:** ${entry.fix}\n\nSee: ${entry.commands.join(", ")}\n`,
          },
        ],
      }),
    )
  }

  const transport = new LineTransport()
  await server.connect(transport)
  return {
    close: async () => {
      await server.close()
      await runtime.dispose()
    },
  }
}
