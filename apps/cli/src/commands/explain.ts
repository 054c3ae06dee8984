import { catalog, catalogEntries, diagnose, docsPath, entryDocument, findEntry, pasted } from "@aim/core"
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import * as opt from "../options.js"
import { out } from "../output.js"
import { UsageRefused, report, reported } from "../render.js"

const query = Args.text({ name: "code-or-message" }).pipe(Args.withDescription("A code such as AIM-DB-004, or an error message to diagnose"))

export const explain = Command.make(
  "explain",
  { query, json: opt.json },
  reported(({ query }) =>
    Effect.gen(function* () {
      if (query.trim() === "") {
        return yield* new UsageRefused({
          entry: catalog.usageInvalid,
          message: "aim explain needs a code (such as AIM-DB-004) or an error message; it was given an empty one",
        })
      }
      // Pasted text is matched by its words; a code-shaped query is looked up and never guessed at.
      const entry = findEntry(query) ?? (/^AIM-[A-Z]+-\d+$/i.test(pasted(query)) ? undefined : diagnose(query).entry)
      if (entry === undefined) {
        return yield* new UsageRefused({
          entry: catalog.unknownCode,
          message: `unknown troubleshooting code ${pasted(query)}; known codes: ${catalogEntries.map((e) => e.code).join(", ")}`,
        })
      }
      return report({
        ok: true,
        document: entryDocument(entry),
        human: Effect.gen(function* () {
          yield* out(`${entry.code}  ${entry.title}`)
          yield* out(`  symptom: ${entry.symptom}`)
          yield* out(`  cause:   ${entry.cause}`)
          yield* out(`  fix:     ${entry.fix}`)
          if (entry.commands.length > 0) yield* out(`  see:     ${entry.commands.join(" · ")}`)
          yield* out(`  docs:    ${docsPath(entry)}`)
        }),
      })
    }),
  ),
).pipe(Command.withDescription("Print a troubleshooting entry by code, or the entry that matches a pasted error message"))
