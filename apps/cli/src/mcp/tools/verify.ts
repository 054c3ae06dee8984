import { Verifier } from "@aim/core"
import { Effect } from "effect"
import { z } from "zod"
import type { McpContext } from "../context.js"

/** verify_database: the aim verify report. */
export const registerVerify = ({ server, ok, run }: McpContext) => {
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
}
