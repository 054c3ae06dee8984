import { type FleetTarget, parseConfig, parseFleet, shardOf } from "@aim/core"
import { inParallel, postgresEnvOf, sql, testPostgresUrl } from "@aim/testkit"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { imageCommand, imageEnv, manifests } from "./artifacts.js"

const prefix = `aim_shard_${process.pid}`

const job = manifests("fleet-job.yaml")[0]
const spec = job?.spec as { completions: number; template: { spec: { containers: Array<{ args: Array<string> }>; volumes: Array<unknown> } } }
const completions = spec.completions
const container = spec.template.spec.containers[0]

// The pod's environment: the Secret's keys (here: the test server) and JOB_COMPLETION_INDEX, which
// Kubernetes sets and expands in args as $(JOB_COMPLETION_INDEX).
const secretEnv = postgresEnvOf(testPostgresUrl())

let fleetFile = ""

// 8 databases per pod, chosen by the shard the hash gives them, so every pod has the same work and a
// killed pod always has some left: it is killed after finishing 3, with at most 4 more in flight (its
// concurrency). A fleet of 200 named at random cost two minutes of a test run and proved nothing more:
// the sharding is the hash's, whatever the list's length.
const perPod = 8
const base = parseConfig(secretEnv, tmpdir())
if (base._tag === "Left") throw new Error("the pod's environment is not a valid configuration")
const shardOfName = (name: string) => {
  const [target] = parseFleet(name, secretEnv, base.right.database).targets
  return shardOf(target as FleetTarget, completions)
}
const names: Array<string> = []
{
  const counts = Array<number>(completions).fill(0)
  for (let i = 0; names.length < perPod * completions; i++) {
    const name = `${prefix}_${i}`
    const shard = shardOfName(name)
    if ((counts[shard] ?? 0) < perPod) {
      counts[shard] = (counts[shard] ?? 0) + 1
      names.push(name)
    }
  }
}
const fleetSize = names.length

interface Pod {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  stdout: string
}

/** A pod of the Indexed Job: the manifest's args with $(JOB_COMPLETION_INDEX) expanded and the ConfigMap's path mounted. */
const startPod = (index: number): Pod => {
  const args = (container?.args ?? []).map((a) => a.replace("$(JOB_COMPLETION_INDEX)", String(index)).replace("/etc/aim/databases.txt", fleetFile))
  const env = imageEnv({ ...secretEnv, JOB_COMPLETION_INDEX: String(index) })
  const entry = imageCommand(args)
  const child = spawn(entry.command, entry.args, { cwd: env.HOME, env })
  const pod: Pod = { child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))), stdout: "" }
  child.stdout?.on("data", (chunk: Buffer) => {
    pod.stdout += chunk.toString()
  })
  return pod
}

/** `✓ <database>: ✓ N applied (… ms)` lines of a pod's log: what it finished, and how many files each took. */
const finished = (stdout: string) =>
  new Map([...stdout.matchAll(/^✓ (.+?): ✓ (\d+) applied/gm)].map((m) => [/\/([^/ ]+) \(sslmode/.exec(m[1] ?? "")?.[1] ?? "", Number(m[2])]))

describe(`the fleet Indexed Job, simulated: ${completions} pods over ${fleetSize} databases`, () => {
  beforeAll(async () => {
    await inParallel(names, 8, (name) => sql(testPostgresUrl(), `CREATE DATABASE ${name}`))
    fleetFile = join(mkdtempSync(join(tmpdir(), "aim-configmap-")), "databases.txt")
    writeFileSync(fleetFile, `# one AIM database per customer\n${names.join("\n")}\n`)
  })
  afterAll(async () => {
    await inParallel(names, 8, (name) => sql(testPostgresUrl(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  })

  it("covers every database exactly once, even when a pod is killed mid-run and its index retried", async () => {
    const victim = 1
    const pods = Array.from({ length: completions }, (_, index) => startPod(index))
    // Kill one pod once it has finished a few databases and is in the middle of others (concurrency 4).
    const doomed = pods[victim]
    if (doomed === undefined) throw new Error("no pod")
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${victim} never finished 3 databases: ${doomed.stdout}`)), 60_000)
      doomed.child.stdout?.on("data", () => {
        if (finished(doomed.stdout).size >= 3) {
          clearTimeout(timer)
          doomed.child.kill("SIGKILL")
          resolve()
        }
      })
    })
    const codes = await Promise.all(pods.map((p) => p.exited))
    expect(codes.filter((_, i) => i !== victim)).toEqual(Array(completions - 1).fill(0))
    const doneBeforeKill = finished(doomed.stdout)

    // The Job retries the failed index: the same pod again.
    const retry = startPod(victim)
    expect(await retry.exited, retry.stdout).toBe(0)
    const retried = finished(retry.stdout)

    // Each shard is the hash's partition of the list: disjoint, and together the whole fleet.
    const expectedShard = shardOfName
    const byPod = pods.map((p, i) => (i === victim ? retried : finished(p.stdout)))
    byPod.forEach((done, index) => {
      for (const name of done.keys()) expect(expectedShard(name), name).toBe(index)
    })
    expect(byPod.reduce((n, done) => n + done.size, 0)).toBe(fleetSize)
    expect(new Set(byPod.flatMap((done) => [...done.keys()])).size).toBe(fleetSize)
    expect(byPod.map((done) => done.size)).toEqual(Array(completions).fill(perPod))

    // The retry skipped what the killed pod had finished, and finished what it had not.
    for (const name of doneBeforeKill.keys()) expect(retried.get(name), name).toBe(0)
    expect([...retried.values()].some((applied) => applied > 0)).toBe(true)

    // Every database has each of the 25 migrations exactly once.
    await inParallel(names, 8, async (name) => {
      const url = new URL(testPostgresUrl())
      url.pathname = `/${name}`
      const [row] = await sql<{ n: number; versions: number }>(
        url.toString(),
        "SELECT count(*)::int AS n, count(DISTINCT version)::int AS versions FROM aim_migrations.schema_migrations",
      )
      expect(row, name).toEqual({ n: 25, versions: 25 })
    })
  })
})
