import { type FakePostgres, startCluster, startFakePostgres } from "@aim/testkit"
import { execFileSync } from "node:child_process"
import { Effect, Layer, Redacted } from "effect"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readConfig } from "../src/config/AimConfig.js"
import type { ConfigProblem } from "../src/config/ConfigError.js"
import type { DatabaseSettings } from "../src/config/DatabaseConfig.js"
import { type Env, loadEnv } from "../src/config/env.js"
import { readTelemetrySettings } from "../src/config/TelemetryConfig.js"
import { Database } from "../src/database/Database.js"
import { databaseFor, withScratchDatabase } from "../src/database/databases.js"
import { parseFleet } from "../src/runtime/fleet.js"

// Each row of the table in src/config/credentials.ts, against a fake server that records every
// password it is sent: where a password may not go, the server must receive none (not an empty one,
// not PGPASSWORD read by the driver behind aim's back).

let fake: FakePostgres
let otherFake: FakePostgres
const previousPgPassword = process.env.PGPASSWORD
beforeAll(async () => {
  fake = await startFakePostgres()
  otherFake = await startFakePostgres()
  // The driver reads PGPASSWORD from the process by itself when it is handed no password.
  process.env.PGPASSWORD = "process-pgpassword"
})
afterAll(async () => {
  if (previousPgPassword === undefined) delete process.env.PGPASSWORD
  else process.env.PGPASSWORD = previousPgPassword
  await fake.close()
  await otherFake.close()
})

/** A directory with an optional .env and a pgpass file (mode 0600) holding `pgpassLines`. */
const directory = (dotEnv: string | undefined, pgpassLines: ReadonlyArray<string> = []) => {
  const dir = mkdtempSync(join(tmpdir(), "aim-credentials-"))
  if (dotEnv !== undefined) writeFileSync(join(dir, ".env"), dotEnv)
  const pgpass = join(dir, "pgpass")
  writeFileSync(pgpass, pgpassLines.map((line) => `${line}\n`).join(""))
  chmodSync(pgpass, 0o600)
  return { dir, pgpass }
}

/** What the configured database would be for this environment and .env, and its problems. */
const configured = (dotEnv: string | undefined, environment: Env, pgpassLines: ReadonlyArray<string> = []) => {
  const { dir, pgpass } = directory(dotEnv, pgpassLines)
  const env = loadEnv(dir, { HOME: dir, PGPASSFILE: pgpass, ...environment })
  const parsed = readConfig(env, dir)
  return { config: parsed.config, services: parsed.services, problems: parsed.problems, env, dir }
}

/** Connects to `settings` (which fails at the fake's authentication) and returns what the fake received. */
const passwordsSent = async (server: FakePostgres, settings: DatabaseSettings): Promise<{ passwords: ReadonlyArray<string>; startups: number }> => {
  const before = { passwords: server.passwords().length, startups: server.startups() }
  await Effect.runPromise(Effect.scoped(Layer.build(databaseFor(settings, { connectTimeoutMs: 5_000 }))).pipe(Effect.either))
  return { passwords: server.passwords().slice(before.passwords), startups: server.startups() - before.startups }
}

const url = (server: FakePostgres, userInfo = "aim") => `postgres://${userInfo}@127.0.0.1:${server.port}/identity?sslmode=disable`
const variablesOf = (problems: ReadonlyArray<ConfigProblem>) => problems.map((p) => p.variable)

describe("a server the environment names gets the environment's password", () => {
  it("POSTGRES_PASSWORD, else PGPASSWORD, else a pgpass line for it (libpq's order)", async () => {
    const withPostgresPassword = configured(undefined, { DATABASE_URL: url(fake), POSTGRES_PASSWORD: "env-pw", PGPASSWORD: "env-pgpw" })
    expect(withPostgresPassword.problems).toEqual([])
    expect((await passwordsSent(fake, withPostgresPassword.config?.database as DatabaseSettings)).passwords).toEqual(["env-pw"])
    const withPgPassword = configured(undefined, { DATABASE_URL: url(fake), PGPASSWORD: "env-pgpw" })
    expect((await passwordsSent(fake, withPgPassword.config?.database as DatabaseSettings)).passwords).toEqual(["env-pgpw"])
    const withPgpass = configured(undefined, { DATABASE_URL: url(fake) }, [`127.0.0.1:${fake.port}:identity:aim:pgpass-pw`])
    expect((await passwordsSent(fake, withPgpass.config?.database as DatabaseSettings)).passwords).toEqual(["pgpass-pw"])
  })

  it("libpq's variables name a server as psql reads them: PGHOST/PGPORT/PGUSER/PGDATABASE/PGPASSWORD, never the embedded database", async () => {
    const libpq = configured(undefined, {
      PGHOST: "127.0.0.1",
      PGPORT: String(fake.port),
      PGUSER: "aim",
      PGDATABASE: "identity",
      PGPASSWORD: "pg-pw",
      PGSSLMODE: "disable",
    })
    expect(libpq.problems).toEqual([])
    expect(libpq.config?.database).toMatchObject({ _tag: "Server", source: "PG*", host: "127.0.0.1", port: fake.port, user: "aim", database: "identity" })
    expect((await passwordsSent(fake, libpq.config?.database as DatabaseSettings)).passwords).toEqual(["pg-pw"])
    // In production too: a PG* server is a configured server.
    expect(configured(undefined, { NODE_ENV: "production", PGDATABASE: "identity" }).config?.database._tag).toBe("Server")
  })

  it("PGSERVICE reads the service file's section; a service that is in no file is a problem, not the embedded database", () => {
    const { dir } = directory(undefined)
    const serviceFile = join(dir, "services.conf")
    writeFileSync(serviceFile, `# services\n[other]\nhost=elsewhere\n\n[aim]\nhost=db.internal\nport=6543\ndbname=identity\nuser=migrator\nsslmode=require\n`)
    const env = { HOME: dir, PGSERVICEFILE: serviceFile, PGSYSCONFDIR: dir }
    const found = readConfig({ ...env, PGSERVICE: "aim" }, dir)
    expect(found.problems).toEqual([])
    expect(found.config?.database).toMatchObject({ host: "db.internal", port: 6543, database: "identity", user: "migrator", sslMode: "require" })
    const missing = readConfig({ ...env, PGSERVICE: "nope" }, dir)
    expect(missing.config).toBeUndefined()
    expect(missing.problems[0]?.problem).toMatch(/names service "nope", which is in no service file/)
  })
})

describe("a pgpass file libpq would ignore", () => {
  it("readable by others: not read, and the refusal of the server's password request says why (AIM-DB-004)", async () => {
    const { dir, pgpass } = directory(undefined, [`127.0.0.1:${fake.port}:*:*:pgpass-pw`])
    chmodSync(pgpass, 0o644)
    const env = loadEnv(dir, { HOME: dir, PGPASSFILE: pgpass, DATABASE_URL: url(fake) })
    const settings = readConfig(env, dir).config?.database as DatabaseSettings
    const before = fake.passwords().length
    const outcome = await Effect.runPromise(Effect.scoped(Layer.build(databaseFor(settings, { connectTimeoutMs: 5_000 }))).pipe(Effect.either))
    expect(fake.passwords().length).toBe(before)
    expect(outcome._tag).toBe("Left")
    const message = outcome._tag === "Left" ? outcome.left.message : ""
    expect(message).toMatch(/none may be sent to it/)
    expect(message).toContain(`the password file ${pgpass} was ignored: it is readable by group or others (mode 644); chmod 600 it`)
  })
})

describe("a server .env names gets only .env's password or a pgpass line for it", () => {
  it("an empty password in the URL (user:@host) is no password: the environment's is withheld and the configuration refused", async () => {
    for (const environment of [{ POSTGRES_PASSWORD: "env-pw" }, { PGPASSWORD: "env-pgpw" }]) {
      const found = configured(`DATABASE_URL=${url(fake, "postgres:")}\n`, environment)
      expect(found.config).toBeUndefined()
      expect(found.problems[0]?.problem).toMatch(/is set in \.env while (POSTGRES_PASSWORD|PGPASSWORD) comes from the environment/)
    }
    for (const file of [`POSTGRES_HOST=127.0.0.1\nPOSTGRES_PORT=${fake.port}\n`, `PGHOST=127.0.0.1\nPGPORT=${fake.port}\n`]) {
      const found = configured(file, { POSTGRES_USER: "aim", POSTGRES_DB: "identity", POSTGRES_PASSWORD: "env-pw", PGUSER: "aim", PGPASSWORD: "env-pgpw" })
      expect(found.config).toBeUndefined()
      expect(variablesOf(found.problems).join()).toMatch(/HOST/)
    }
  })

  it("a password .env gives itself, or a pgpass line for that host, is used", async () => {
    const own = configured(`DATABASE_URL=${url(fake)}\nPOSTGRES_PASSWORD=file-pw\n`, { PGPASSWORD: "env-pgpw" })
    expect(own.problems).toEqual([])
    expect((await passwordsSent(fake, own.config?.database as DatabaseSettings)).passwords).toEqual(["file-pw"])
    const pgpass = configured(`DATABASE_URL=${url(fake)}\n`, { POSTGRES_PASSWORD: "env-pw" }, [`127.0.0.1:${fake.port}:*:*:pgpass-pw`])
    expect(pgpass.problems).toEqual([])
    expect((await passwordsSent(fake, pgpass.config?.database as DatabaseSettings)).passwords).toEqual(["pgpass-pw"])
  })
})

describe("a fleet line gets only its own URL's password or a pgpass line", () => {
  it("never the environment's, not PGPASSWORD, not the configured server's with weaker TLS", async () => {
    const { env } = configured(undefined, {
      DATABASE_URL: `postgres://aim:configured-pw@127.0.0.1:${fake.port}/identity?sslmode=require`,
      PGPASSWORD: "env-pgpw",
    })
    const base = readConfig(env, tmpdir()).config?.database
    const fleet = parseFleet(`${url(otherFake)}\n${url(fake)}\n`, { ...env, POSTGRES_PASSWORD: "env-pw" }, base)
    expect(fleet.problems).toEqual([])
    for (const [server, target] of [
      [otherFake, fleet.targets[0]],
      [fake, fleet.targets[1]],
    ] as const) {
      const sent = await passwordsSent(server, target?.settings as DatabaseSettings)
      expect(sent).toEqual({ passwords: [], startups: 1 })
    }
  })

  it("its own password, and a pgpass line for its host, port, database and user", async () => {
    const { env, dir } = configured(undefined, {}, [`127.0.0.1:${otherFake.port}:identity:aim:line-pw`])
    const fleet = parseFleet(`${url(otherFake)}\n${url(fake, "aim:own-pw")}\n`, { ...env, POSTGRES_PASSWORD: "env-pw" }, undefined)
    expect(dir).not.toBe("")
    expect((await passwordsSent(otherFake, fleet.targets[0]?.settings as DatabaseSettings)).passwords).toEqual(["line-pw"])
    expect((await passwordsSent(fake, fleet.targets[1]?.settings as DatabaseSettings)).passwords).toEqual(["own-pw"])
  })
})

describe("a scratch server gets only its own URL's password, and only the environment names it", () => {
  it("no password from the environment, PGPASSWORD or pgpass", async () => {
    const found = configured(
      undefined,
      { DATABASE_URL: url(fake, "aim:configured-pw"), AIM_SCRATCH_DATABASE_URL: url(otherFake), POSTGRES_PASSWORD: "env-pw" },
      [`*:*:*:*:pgpass-pw`],
    )
    expect(found.problems).toEqual([])
    expect(found.config?.scratch?._tag).toBe("Server")
    expect(await passwordsSent(otherFake, found.config?.scratch as DatabaseSettings)).toEqual({ passwords: [], startups: 1 })
  })

  it("a scratch database starts from template0: a function planted in the scratch server's template1 never reaches a repair script", async () => {
    const cluster = await startCluster()
    try {
      const psql = (database: string, sql: string) =>
        execFileSync("psql", ["-X", "-q", "-h", "127.0.0.1", "-p", String(cluster.port), "-U", "postgres", "-d", database, "-c", sql])
      psql("template1", "CREATE FUNCTION public.planted() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'")
      const scratch = configured(undefined, {
        DATABASE_URL: url(fake, "aim:pw"),
        AIM_SCRATCH_DATABASE_URL: `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
      }).config?.scratch
      const functions = await Effect.runPromise(
        withScratchDatabase(
          scratch,
          Effect.flatMap(Database, (db) => db.query<{ proname: string }>("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")),
        ),
      )
      expect(functions).toEqual([])
    } finally {
      cluster.destroy()
    }
  })

  it("AIM_SCRATCH_DATABASE_URL in .env is refused: a scratch server of the attacker's would build the repair script", () => {
    const found = configured(`AIM_SCRATCH_DATABASE_URL=${url(otherFake, "aim:x")}\n`, { DATABASE_URL: url(fake, "aim:pw") })
    expect(found.config).toBeUndefined()
    expect(found.problems[0]).toMatchObject({ variable: "AIM_SCRATCH_DATABASE_URL" })
    expect(found.problems[0]?.problem).toMatch(/is set in \.env/)
  })
})

describe("the same rule for Redis, SMTP and the OTLP headers", () => {
  const database = { DATABASE_URL: "postgres://aim:pw@db.internal/identity" }

  it("a Redis or SMTP host from .env gets no password from the environment: the service is not used, and says why", () => {
    const redis = configured("REDIS_HOST=evil.example\n", { ...database, REDIS_PASSWORD: "env-redis" })
    expect(redis.services.redis).toBeUndefined()
    expect(variablesOf(redis.services.problems)).toEqual(["REDIS_HOST"])
    const redisUrl = configured("REDIS_URL=redis://evil.example:6379\n", { ...database, REDIS_PASSWORD: "env-redis" })
    expect(redisUrl.services.redis).toBeUndefined()
    const smtp = configured("SMTP_HOST=evil.example\n", { ...database, SMTP_USERNAME: "info@example.com", SMTP_PASSWORD: "env-smtp" })
    expect(smtp.services.smtp).toBeUndefined()
    expect(variablesOf(smtp.services.problems)).toEqual(["SMTP_HOST"])
    // From the same source, both are fine.
    const together = configured("REDIS_HOST=cache\nREDIS_PASSWORD=file-redis\n", database)
    expect(together.services.redis?.password === undefined ? undefined : Redacted.value(together.services.redis.password)).toBe("file-redis")
    const environment = configured(undefined, { ...database, REDIS_HOST: "cache", REDIS_PASSWORD: "env-redis" })
    expect(environment.services.redis?.password === undefined ? undefined : Redacted.value(environment.services.redis.password)).toBe("env-redis")
  })

  it("an OTLP endpoint from .env with headers from the environment is refused", () => {
    const { env } = configured("OTEL_EXPORTER_OTLP_ENDPOINT=http://evil.example:4318\n", { OTEL_EXPORTER_OTLP_HEADERS: "api-key=secret" })
    const problems: Array<ConfigProblem> = []
    readTelemetrySettings(env, "aim", problems)
    expect(variablesOf(problems)).toEqual(["OTEL_EXPORTER_OTLP_ENDPOINT"])
    expect(problems[0]?.problem).toMatch(/OTEL_EXPORTER_OTLP_HEADERS comes from the environment/)
    const fine: Array<ConfigProblem> = []
    readTelemetrySettings(configured(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_HEADERS: "k=v" }).env, "aim", fine)
    expect(fine).toEqual([])
  })
})
