import { createTestDatabase, sql, testPostgresUrl } from "@aim/testkit"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { deployDir, manifests, readDockerfile, runImage, runImageMeasured } from "./artifacts.js"

// The image runs with NODE_ENV=production, where sslmode=prefer never falls back to plaintext: the
// test server on this machine has no SSL, so the URL says so, as an operator's for such a server must.
const plaintext = (url: string): string => {
  const withMode = new URL(url)
  withMode.searchParams.set("sslmode", "disable")
  return withMode.toString()
}

describe("every command the Dockerfile and the manifests run, run the same way with the installed CLI", () => {
  it("the image's default command (aim migrate) migrates and verifies; without a database it refuses (NODE_ENV=production: no embedded fallback)", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_image")
    try {
      const { cmd } = readDockerfile()
      const first = runImage(cmd, { DATABASE_URL: plaintext(db.url) })
      expect(first.status, first.stderr).toBe(0)
      // The image runs with NODE_ENV=production: the published admin password is a failure, printed, and
      // the deploy goes on so that the admin can log in and change it.
      expect(first.stdout).toMatch(
        /25 migrations applied[\s\S]*Verifying[\s\S]*FAIL +Step 4 +Default admin password changed[\s\S]*1 failed\n⚠ the deploy goes on/,
      )
      expect(first.stderr).toMatch(/using the AIM migrations shipped with aim/)
      const again = runImage(cmd, { DATABASE_URL: plaintext(db.url) })
      expect(again.stdout).toMatch(/nothing to apply/)
      const refused = runImage(cmd, {})
      expect(refused.status).toBe(2)
      expect(refused.stderr).toMatch(/\[AIM-CFG-001\][\s\S]*NODE_ENV=production \(no embedded database in production\)/)
    } finally {
      await db.drop()
    }
  })

  it("the init container, the Container Apps job and the compose migrate service run with their own arguments", async () => {
    const db = await createTestDatabase(testPostgresUrl(), "aim_image_args")
    try {
      const [deployment] = manifests("backend.yaml")
      if (deployment === undefined) throw new Error("backend.yaml has no Deployment")
      const init = (deployment.spec as { template: { spec: { initContainers: Array<{ args: Array<string> }> } } }).template.spec.initContainers[0]
      const aca = parse(readFileSync(resolve(deployDir, "azure", "containerapp-job.yaml"), "utf8")) as {
        properties: { template: { containers: Array<{ args: Array<string> }> } }
      }
      const compose = parse(readFileSync(resolve(deployDir, "compose", "docker-compose.yml"), "utf8")) as { services: { migrate: { command: Array<string> } } }
      for (const args of [init?.args ?? [], aca.properties.template.containers[0]?.args ?? [], compose.services.migrate.command]) {
        const result = runImage(args, { DATABASE_URL: plaintext(db.url) })
        expect(result.status, `${args.join(" ")}: ${result.stderr}`).toBe(0)
      }
      expect(await sql(db.url, "SELECT count(*)::int AS n FROM aim_migrations.schema_migrations")).toEqual([{ n: 25 }])
    } finally {
      await db.drop()
    }
  })

  it("a first deploy through the image's entrypoint stays within the memory limit the manifests give its container", async () => {
    const [deployment] = manifests("backend.yaml")
    type Container = { args: Array<string>; resources: { limits: { memory: string } } }
    const init = (deployment?.spec as { template: { spec: { initContainers: Array<Container> } } } | undefined)?.template.spec.initContainers[0]
    const aca = parse(readFileSync(resolve(deployDir, "azure", "containerapp-job.yaml"), "utf8")) as {
      properties: { template: { containers: Array<{ args: Array<string>; resources: { memory: string } }> } }
    }
    const job = aca.properties.template.containers[0]
    const runs = [
      { name: "the init container", args: init?.args ?? [], limit: init?.resources.limits.memory ?? "" },
      { name: "the Container Apps job", args: job?.args ?? [], limit: job?.resources.memory ?? "" },
    ]
    for (const { name, args, limit } of runs) {
      const bytes = memoryBytes(limit)
      const db = await createTestDatabase(testPostgresUrl(), "aim_image_memory")
      try {
        // A first deploy parses every file (the heaviest start); GNU time reports the process's peak RSS.
        const measured = runImageMeasured(args, { DATABASE_URL: plaintext(db.url) })
        expect(measured.status, `${name}: ${measured.stderr}`).toBe(0)
        expect(measured.peakBytes, `${name}: peak ${Math.round(measured.peakBytes / 2 ** 20)} MiB of ${limit}`).toBeLessThan(bytes * 0.75)
      } finally {
        await db.drop()
      }
    }
  })
})

/** A Kubernetes or Container Apps memory quantity in bytes: 256Mi, 0.5Gi. */
const memoryBytes = (quantity: string): number => {
  const match = /^([\d.]+)(Mi|Gi)$/.exec(quantity)
  if (match === null) throw new Error(`memory quantity ${quantity} is not in Mi or Gi`)
  return Number(match[1]) * 2 ** (match[2] === "Gi" ? 30 : 20)
}
