import { spawnSync } from "node:child_process"
import pg from "pg"

export interface Sample {
  readonly ms: number
  /** Peak resident set size in KiB (whole processes only). */
  readonly peakKb?: number
}

export const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

export const withDatabase = (server: string, name: string) => {
  const url = new URL(server)
  url.pathname = `/${name}`
  return url.toString()
}

export const admin = async (server: string, text: string) => {
  const client = new pg.Client({ connectionString: server })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

let counter = 0
/** A fresh empty database; drop() removes it. */
export const freshDb = async (server = serverUrl) => {
  const name = `aim_bench_${process.pid}_${counter++}`
  await admin(server, `DROP DATABASE IF EXISTS ${name}`)
  await admin(server, `CREATE DATABASE ${name}`)
  return { name, url: withDatabase(server, name), drop: () => admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** Wall time and peak RSS of a whole process, under /usr/bin/time. */
export const timed = (command: string, args: ReadonlyArray<string>, options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Sample => {
  const t0 = performance.now()
  const result = spawnSync("/usr/bin/time", ["-f", "%M", command, ...args], {
    env: options.env ?? process.env,
    input: options.input,
    cwd: options.cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
  const ms = performance.now() - t0
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr.slice(-800)}`)
  return { ms, peakKb: Number(result.stderr.trim().split("\n").at(-1)) }
}

/** Median of repeated runs, each on its own fresh database (prepared by `setup` when given). */
export const repeat = async (runs: number, run: (url: string) => Promise<Sample> | Sample, setup?: (url: string) => Promise<unknown> | unknown) => {
  const samples: Array<Sample> = []
  for (let i = 0; i < runs; i++) {
    const db = await freshDb()
    try {
      if (setup !== undefined) await setup(db.url)
      samples.push(await run(db.url))
    } finally {
      await db.drop()
    }
  }
  const peaks = samples.flatMap((s) => (s.peakKb === undefined ? [] : [s.peakKb]))
  return { ms: median(samples.map((s) => s.ms)), peakKb: peaks.length > 0 ? median(peaks) : undefined }
}
