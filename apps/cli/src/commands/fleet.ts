import { ConfigError, type FleetResult, type Shard, inShard, migrateFleet, parseFleet, readConfig } from "@aim/core"
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { currentInvocation, fromCwd } from "../invocation.js"
import { out, visible, writeTerminal } from "../output.js"
import { report } from "../render.js"

const bar = (done: number, total: number, width = 30) => {
  const filled = total === 0 ? width : Math.round((done / total) * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`
}

/** `aim migrate --databases FILE`: many databases, bounded concurrency, one failure never stops the rest. */
export const migrateDatabases = (options: {
  readonly file: string
  readonly concurrency: number
  readonly json: boolean
  readonly migrationsDir: string
  readonly lockWait: number
  readonly lockTimeout: number
  readonly shard?: Shard
}) =>
  Effect.gen(function* () {
    const run = yield* currentInvocation
    const text = yield* Effect.tryPromise(() => readFile(fromCwd(run, options.file), "utf8")).pipe(
      Effect.mapError(
        () =>
          new ConfigError({
            problems: [
              { variable: "--databases", problem: `cannot read ${options.file}`, fix: "pass a file with one connection URL or database name per line" },
            ],
          }),
      ),
    )
    const env = run.env
    const { targets: listed, problems } = parseFleet(text, env, readConfig(env, run.cwd).config?.database)
    if (problems.length > 0 || listed.length === 0) {
      return yield* new ConfigError({
        problems: [
          ...problems.map((p) => ({ variable: `${options.file}:${p.line}`, problem: p.problem, fix: "one postgres:// URL or database name per line" })),
          ...(listed.length === 0 ? [{ variable: options.file, problem: "lists no database", fix: "one postgres:// URL or database name per line" }] : []),
        ],
      })
    }
    // A shard migrates its part of the list; the others are another process's (an Indexed Job's other pods).
    const targets = options.shard === undefined ? listed : inShard(listed, options.shard)
    const shardText = options.shard === undefined ? "" : `shard ${options.shard.index}/${options.shard.count}: `
    const shardDocument =
      options.shard === undefined ? {} : { shard: { index: options.shard.index, count: options.shard.count, databases: targets.length, listed: listed.length } }
    if (options.shard !== undefined && !options.json)
      yield* out(`Shard ${options.shard.index}/${options.shard.count}: ${targets.length} of the ${listed.length} databases in ${options.file}`)
    // A live table redraws itself with cursor codes: only on a terminal that understands them
    // (TERM=dumb does not, an editor's or CI's pseudo-terminal often is one) and not under NO_COLOR.
    const term = run.env.TERM
    const tty = run.stdout.isTTY === true && !options.json && term !== "dumb" && term !== undefined && term !== "" && run.env.NO_COLOR === undefined
    const states: Array<"waiting" | "running" | FleetResult> = targets.map(() => "waiting")
    const stateText = (s: (typeof states)[number]) =>
      s === "waiting"
        ? "waiting"
        : s === "running"
          ? "migrating…"
          : s.status === "ok"
            ? `✓ ${s.applied} applied (${s.durationMs} ms)`
            : `✖ ${s.error?.code ?? ""} ${s.error?.message ?? ""}`
    let drawn = 0
    const draw = Effect.suspend(() => {
      const done = states.filter((s) => typeof s === "object").length
      const lines = [...targets.map((t, i) => `  ${t.label}  ${stateText(states[i] ?? "waiting")}`), `  ${bar(done, targets.length)}`]
      const up = drawn
      drawn = lines.length
      return writeTerminal(`${up > 0 ? `\u001b[${up}A` : ""}${lines.map((l) => `\u001b[2K${visible(l)}`).join("\n")}\n`)
    })
    const results = yield* migrateFleet(targets, {
      migrationsDir: options.migrationsDir,
      env,
      cwd: run.cwd,
      concurrency: options.concurrency,
      migrator: { lockWait: `${options.lockWait} seconds`, lockTimeout: `${options.lockTimeout} seconds` },
      onUpdate: (index, state) =>
        Effect.gen(function* () {
          states[index] = state
          if (tty) yield* draw
          else if (!options.json && typeof state === "object") yield* out(`${state.status === "ok" ? "✓" : "✖"} ${state.database}: ${stateText(state)}`)
        }),
    })
    const failed = results.filter((r) => r.status === "failed")
    return report({
      ok: failed.length === 0,
      document: { ok: failed.length === 0, ...shardDocument, databases: results, counts: { ok: results.length - failed.length, failed: failed.length } },
      human: Effect.gen(function* () {
        const width = Math.max(...results.map((r) => r.database.length), 8)
        yield* out("")
        yield* out(`${"database".padEnd(width)}  status  applied  ms`)
        for (const r of results) {
          yield* out(
            `${r.database.padEnd(width)}  ${r.status.padEnd(6)}  ${String(r.applied).padStart(7)}  ${r.durationMs}${r.error === undefined ? "" : `  ${r.error.code} (docs: ${r.error.docs})`}`,
          )
        }
        yield* out(
          failed.length === 0 ? `✅ ${shardText}${results.length} databases migrated` : `✖ ${shardText}${failed.length} of ${results.length} databases failed`,
        )
      }),
    })
  })
