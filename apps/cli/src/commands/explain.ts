import { catalog, catalogEntries, diagnose, docsPath, entryDocument, findEntry } from "@aim/core"
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import * as opt from "../options.js"
import { CliExit, err, out, printJson } from "../output.js"

const query = Args.text({ name: "code-or-message" }).pipe(Args.withDescription("A code such as AIM-DB-004, or an error message to diagnose"))

export const explain = Command.make("explain", { query, json: opt.json }, ({ query, json }) =>
  Effect.gen(function* () {
    const entry = findEntry(query) ?? (/^AIM-[A-Z]+-\d+$/i.test(query.trim()) ? undefined : diagnose(query).entry)
    if (entry === undefined) {
      const unknown = catalog.unknownCode
      const message = `unknown troubleshooting code ${query.trim()}; known codes: ${catalogEntries.map((e) => e.code).join(", ")}`
      if (json)
        yield* printJson({
          ok: false,
          error: { code: unknown.code, title: unknown.title, message, cause: unknown.cause, fix: unknown.fix, docs: docsPath(unknown), details: [] },
        })
      else yield* err(`✖ [${unknown.code}] ${message}. Fix: ${unknown.fix} (docs: ${docsPath(unknown)})`)
      return yield* new CliExit({ code: 2 })
    }
    if (json) return yield* printJson(entryDocument(entry))
    yield* out(`${entry.code}  ${entry.title}`)
    yield* out(`  symptom: ${entry.symptom}`)
    yield* out(`  cause:   ${entry.cause}`)
    yield* out(`  fix:     ${entry.fix}`)
    if (entry.commands.length > 0) yield* out(`  see:     ${entry.commands.join(" · ")}`)
    yield* out(`  docs:    ${docsPath(entry)}`)
  }),
).pipe(Command.withDescription("Print a troubleshooting entry by code, or the entry that matches a pasted error message"))
