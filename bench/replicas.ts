import { startCluster } from "@aim/testkit"
import { spawn } from "node:child_process"
import { join } from "node:path"
import pg from "pg"
import { median, withDatabase } from "./measure.js"
import { root } from "./tools.js"

const serverBundle = join(root, "apps/backend/dist/server.mjs")

/** Starts one backend replica; resolves when it logs that it is ready. */
const replica = (url: string) => {
  const child = spawn(process.execPath, [serverBundle], {
    env: { PATH: process.env.PATH, DATABASE_URL: url, LOG_FORMAT: "json", PORT: "0", HOST: "127.0.0.1", MIGRATIONS_DIR: join(root, "migrations") },
    stdio: ["ignore", "pipe", "inherit"],
  })
  const ready = new Promise<void>((resolve, reject) => {
    let buffer = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk
      if (buffer.includes("AIM backend ready on")) resolve()
    })
    child.on("exit", (code) => reject(new Error(`replica exited ${code}: ${buffer.slice(-500)}`)))
  })
  return { child, ready }
}

export interface ReplicaRow {
  readonly replicas: number
  readonly wallMs: number
}

/** N replicas booting at once on a fresh database (throwaway cluster with room for their connections). */
export const replicaRuns = async (counts: ReadonlyArray<number>, runs: number): Promise<ReadonlyArray<ReplicaRow>> => {
  const cluster = await startCluster({ maxConnections: 400 })
  const server = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`
  try {
    const rows: Array<ReplicaRow> = []
    for (const n of counts) {
      const walls: Array<number> = []
      for (let r = 0; r < runs; r++) {
        const name = `replicas_${n}_${r}`
        const admin = new pg.Client({ connectionString: server })
        await admin.connect()
        await admin.query(`CREATE DATABASE ${name}`)
        const url = withDatabase(server, name)
        const t0 = performance.now()
        const all = Array.from({ length: n }, () => replica(url))
        await Promise.all(all.map((p) => p.ready))
        walls.push(performance.now() - t0)
        await Promise.all(
          all.map(
            (p) =>
              new Promise((resolve) => {
                p.child.once("exit", resolve)
                p.child.kill("SIGTERM")
              }),
          ),
        )
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
        await admin.end()
      }
      rows.push({ replicas: n, wallMs: median(walls) })
    }
    return rows
  } finally {
    cluster.destroy()
  }
}
