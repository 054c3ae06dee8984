import fc from "fast-check"
import { Redacted } from "effect"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { ConfigProblem } from "../src/config/ConfigError.js"
import { type DatabaseSettings, describeDatabase, overriddenByUrl, overriddenNotice, readDatabaseSettings } from "../src/config/DatabaseConfig.js"
import { loadEnv } from "../src/config/env.js"

// The database settings as plain data: the password unwrapped, so an assertion can compare it.
const plain = (settings: DatabaseSettings | undefined) =>
  settings === undefined || settings._tag === "Embedded"
    ? settings
    : { ...settings, password: settings.password === undefined ? undefined : Redacted.value(settings.password) }

const cwd = mkdtempSync(join(tmpdir(), "aim-dbconfig-"))
const read = (env: Record<string, string | undefined>, dir = cwd) => {
  const problems: Array<ConfigProblem> = []
  const settings = readDatabaseSettings(env, dir, problems)
  const shown = problems.map(({ entry, ...p }): Omit<ConfigProblem, "entry"> & { entry?: string } => (entry === undefined ? p : { ...p, entry: entry.code }))
  return { settings: plain(settings), problems: shown }
}
const variables = (env: Record<string, string | undefined>) => read(env).problems.map((p) => p.variable)

const server = { POSTGRES_HOST: "db.internal", POSTGRES_USER: "aim", POSTGRES_PASSWORD: "pw", POSTGRES_DB: "identity" }

describe("DATABASE_URL", () => {
  it("is read whole: host, port, user, password, database, SSL and timeout", () => {
    expect(read({ DATABASE_URL: "postgresql://u%40x:p%2Fw@db.example:6543/my%20db?sslmode=require&connect_timeout=7" })).toEqual({
      settings: {
        _tag: "Server",
        source: "DATABASE_URL",
        host: "db.example",
        port: 6543,
        user: "u@x",
        password: "p/w",
        database: "my db",
        sslMode: "require",
        sslRootCert: undefined,
        plaintextFallback: false,
        connectTimeoutSeconds: 7,
      },
      problems: [],
    })
  })

  it("fills what the URL leaves out from POSTGRES_* and libpq's defaults", () => {
    expect(read({ DATABASE_URL: "postgres://db.example", POSTGRES_USER: "aim", POSTGRES_DB: "identity", POSTGRES_PASSWORD: "pw" }).settings).toMatchObject({
      host: "db.example",
      port: 5432,
      user: "aim",
      password: "pw",
      database: "identity",
      sslMode: "prefer",
      plaintextFallback: true,
      connectTimeoutSeconds: 10,
    })
    expect(read({ DATABASE_URL: "postgres://db.example/" }).settings).toMatchObject({ user: "postgres", database: "postgres", password: undefined })
    // No database in the URL: libpq's reading, PGDATABASE else the user's name (not "postgres").
    expect(read({ DATABASE_URL: "postgres://aim@db.example" }).settings).toMatchObject({ user: "aim", database: "aim" })
    expect(read({ DATABASE_URL: "postgres://aim@db.example", PGDATABASE: "identity" }).settings).toMatchObject({ database: "identity" })
    // The URL's own parts win over the variables.
    expect(
      read({ DATABASE_URL: "postgres://me:secret@db.example/app", POSTGRES_USER: "aim", POSTGRES_DB: "identity", POSTGRES_PASSWORD: "pw" }).settings,
    ).toMatchObject({ user: "me", password: "secret", database: "app" })
  })

  it("takes sslmode and sslrootcert from the variables when the URL has none, and the URL's over them", () => {
    expect(read({ DATABASE_URL: "postgres://h/d", POSTGRES_SSL_MODE: "require" }).settings).toMatchObject({ sslMode: "require" })
    expect(read({ DATABASE_URL: "postgres://h/d?sslmode=disable", POSTGRES_SSL_MODE: "require" }).settings).toMatchObject({ sslMode: "disable" })
    expect(read({ DATABASE_URL: "postgres://h/d", POSTGRES_SSL_ROOT_CERT: "system" }).settings).toMatchObject({ sslMode: "verify-full", sslRootCert: "system" })
    expect(read({ DATABASE_URL: "postgres://h/d?sslrootcert=system" }).settings).toMatchObject({ sslMode: "verify-full", sslRootCert: "system" })
    expect(read({ DATABASE_URL: "postgres://h/d?sslmode=VERIFY-FULL&sslrootcert=system" }).settings).toMatchObject({ sslMode: "verify-full" })
  })

  it("a host= parameter (a Unix socket directory) wins over the URL's host; an IPv6 host loses its brackets", () => {
    expect(read({ DATABASE_URL: "postgres://u@localhost/db?host=/var/run/postgresql" }).settings).toMatchObject({ host: "/var/run/postgresql" })
    expect(read({ DATABASE_URL: "postgres://u@[::1]:5433/db" }).settings).toMatchObject({ host: "::1", port: 5433 })
  })

  it("libpq's other forms: a percent-encoded socket directory as the host is read as libpq reads it; several hosts are refused by name, not as a bad URL", () => {
    expect(read({ DATABASE_URL: "postgres://u@%2Fvar%2Frun%2Fpostgresql/db" }).settings).toMatchObject({ host: "/var/run/postgresql", database: "db" })
    const several = read({ DATABASE_URL: "postgres://u:secret@db1:5432,db2:5433/db" })
    expect(several.settings).toBeUndefined()
    expect(several.problems).toEqual([
      { variable: "DATABASE_URL", problem: expect.stringMatching(/^names several hosts/), fix: expect.stringMatching(/primary/) },
    ])
    expect(JSON.stringify(several.problems)).not.toContain("secret")
  })

  it("with no host it says so", () => {
    expect(read({ DATABASE_URL: "postgres:///db" }).problems).toMatchInlineSnapshot(`
      [
        {
          "fix": "add the server host after //",
          "problem": "has no host",
          "variable": "DATABASE_URL",
        },
      ]
    `)
  })

  it("refuses another scheme, a malformed URL and unencoded characters, naming no part of the URL", () => {
    for (const url of ["mysql://u:p@h/d", "http://h/d", "redis://h:6379"]) expect(read({ DATABASE_URL: url })).toMatchSnapshot(url)
    expect(read({ DATABASE_URL: "not a url" })).toMatchInlineSnapshot(`
      {
        "problems": [
          {
            "fix": "use postgres://USER:PASSWORD@HOST:5432/DB with special characters in the password percent-encoded",
            "problem": "is not a valid URL",
            "variable": "DATABASE_URL",
          },
        ],
        "settings": undefined,
      }
    `)
    for (const url of ["postgres://u:p#w@h/d", "postgres://u:50%@h/d", "postgres://u:pw@h/d#frag", "postgres://u:pw@h/d/x@y"]) {
      const { settings, problems } = read({ DATABASE_URL: url })
      expect(settings).toBeUndefined()
      expect(problems.map((p) => p.variable)).toEqual(["DATABASE_URL"])
      expect(problems[0]?.problem).toMatch(/must be percent-encoded/)
      expect(JSON.stringify(problems)).not.toMatch(/p#w|50%@|frag|x@y/)
    }
    // Encoded, the same characters are fine.
    expect(read({ DATABASE_URL: "postgres://u:p%40ss%23%25@h/d" }).settings).toMatchObject({ password: "p@ss#%", host: "h" })
  })

  it("set but empty is an error, never the embedded database", () => {
    expect(read({ DATABASE_URL: "" })).toMatchInlineSnapshot(`
      {
        "problems": [
          {
            "fix": "give it the server's URL (postgres://USER:PASSWORD@HOST:5432/DB), or unset it to use POSTGRES_* (or, outside production, the embedded database)",
            "problem": "is set but empty",
            "variable": "DATABASE_URL",
          },
        ],
        "settings": undefined,
      }
    `)
    expect(read({ DATABASE_URL: "   " }).settings).toBeUndefined()
  })

  it("an invalid port or timeout is a problem, never replaced silently", () => {
    expect(variables({ DATABASE_URL: "postgres://h:0/d" })).toEqual(["DATABASE_URL"])
    expect(read({ DATABASE_URL: "postgres://h/d?connect_timeout=0" }).problems).toMatchInlineSnapshot(`
      [
        {
          "fix": "use whole seconds, e.g. 10 (0, libpq's 'wait forever', would hang on a server that never answers)",
          "problem": ""0" is not a number of seconds from 1 to 600",
          "variable": "DATABASE_URL connect_timeout",
        },
      ]
    `)
    expect(variables({ DATABASE_URL: "postgres://h/d?connect_timeout=601" })).toEqual(["DATABASE_URL connect_timeout"])
    expect(variables({ DATABASE_URL: "postgres://h/d?connect_timeout=1.5" })).toEqual(["DATABASE_URL connect_timeout"])
    expect(variables({ DATABASE_URL: "postgres://h/d?connect_timeout=" })).toEqual(["DATABASE_URL connect_timeout"])
    expect(read({ DATABASE_URL: "postgres://h/d?connect_timeout=600" }).settings).toMatchObject({ connectTimeoutSeconds: 600 })
    expect(read({ DATABASE_URL: "postgres://h/d?connect_timeout=1" }).settings).toMatchObject({ connectTimeoutSeconds: 1 })
    expect(read({ DATABASE_URL: "postgres://h/d", POSTGRES_CONNECT_TIMEOUT: "30" }).settings).toMatchObject({ connectTimeoutSeconds: 30 })
    expect(variables({ DATABASE_URL: "postgres://h/d", POSTGRES_CONNECT_TIMEOUT: "x" })).toEqual(["POSTGRES_CONNECT_TIMEOUT"])
  })

  it("plaintext fallback only with prefer and outside production", () => {
    expect(read({ DATABASE_URL: "postgres://h/d" }).settings).toMatchObject({ plaintextFallback: true })
    expect(read({ DATABASE_URL: "postgres://h/d", NODE_ENV: "production" }).settings).toMatchObject({ plaintextFallback: false })
    expect(read({ DATABASE_URL: "postgres://h/d?sslmode=require" }).settings).toMatchObject({ plaintextFallback: false })
  })
})

describe("SSL", () => {
  it("an unknown mode is a problem with the list of modes", () => {
    expect(read({ ...server, POSTGRES_SSL_MODE: "sometimes" }).problems).toMatchInlineSnapshot(`
      [
        {
          "fix": "use one of disable, prefer, require, verify-ca, verify-full",
          "problem": "unknown SSL mode "sometimes"",
          "variable": "POSTGRES_SSL_MODE",
        },
      ]
    `)
  })

  it("sslrootcert=system refuses a mode that does not verify", () => {
    expect(read({ ...server, POSTGRES_SSL_ROOT_CERT: "system", POSTGRES_SSL_MODE: "require" }).problems).toMatchInlineSnapshot(`
      [
        {
          "fix": "use sslmode=verify-full with sslrootcert=system (or leave the mode unset: it then defaults to verify-full)",
          "problem": "is "require" with sslrootcert=system, which only means something when the certificate is verified",
          "variable": "POSTGRES_SSL_MODE",
        },
      ]
    `)
    expect(read({ ...server, POSTGRES_SSL_ROOT_CERT: "system" })).toMatchObject({ settings: { sslMode: "verify-full" }, problems: [] })
  })

  it("verify-ca and verify-full need a root certificate that is a file", () => {
    expect(read({ ...server, POSTGRES_SSL_MODE: "verify-ca" }).problems).toMatchInlineSnapshot(`
      [
        {
          "fix": "set POSTGRES_SSL_ROOT_CERT to the CA certificate file (PEM), or to system for the machine's CA store (a managed server's public CA)",
          "problem": "is not set but SSL mode verify-ca verifies the server certificate",
          "variable": "POSTGRES_SSL_ROOT_CERT",
        },
      ]
    `)
    expect(variables({ ...server, POSTGRES_SSL_MODE: "verify-full" })).toEqual(["POSTGRES_SSL_ROOT_CERT"])
    expect(read({ ...server, POSTGRES_SSL_MODE: "verify-full", POSTGRES_SSL_ROOT_CERT: join(cwd, "nope.pem") }).problems.map((p) => p.problem)).toEqual([
      `names ${join(cwd, "nope.pem")}, which does not exist`,
    ])
    expect(read({ ...server, POSTGRES_SSL_MODE: "verify-full", POSTGRES_SSL_ROOT_CERT: cwd }).problems.map((p) => p.problem)).toEqual([
      `names ${cwd}, which is not a file`,
    ])
    const pem = join(cwd, "ca.pem")
    writeFileSync(pem, "-----BEGIN CERTIFICATE-----\n")
    expect(read({ ...server, POSTGRES_SSL_MODE: "verify-full", POSTGRES_SSL_ROOT_CERT: pem }).problems).toEqual([])
    expect(read({ DATABASE_URL: `postgres://h/d?sslrootcert=${join(cwd, "nope.pem")}` }).problems.map((p) => p.variable)).toEqual([
      "POSTGRES_SSL_ROOT_CERT (or sslrootcert in DATABASE_URL)",
    ])
  })

  it("Azure needs SSL: disable and prefer are critical, require and verify pass", () => {
    const azure = { ...server, POSTGRES_HOST: "AIM-prod.Postgres.Database.Azure.com" }
    expect(read(azure).problems).toMatchInlineSnapshot(`
      [
        {
          "entry": "AIM-CFG-002",
          "fix": "set POSTGRES_SSL_ROOT_CERT=system (verify-full against the public CAs Azure's certificates chain to), or at least POSTGRES_SSL_MODE=require",
          "problem": "is "prefer" but AIM-prod.Postgres.Database.Azure.com is Azure Database for PostgreSQL, which requires SSL (CRITICAL for Azure PostgreSQL)",
          "variable": "POSTGRES_SSL_MODE",
        },
      ]
    `)
    expect(read({ ...azure, POSTGRES_SSL_MODE: "disable" }).problems.map((p) => p.entry)).toEqual(["AIM-CFG-002"])
    expect(read({ ...azure, POSTGRES_SSL_MODE: "require" }).problems).toEqual([])
    expect(read({ ...azure, POSTGRES_HOST: "aim.postgres.database.azure.com.example" }).problems).toEqual([])
  })
})

describe("POSTGRES_*", () => {
  it("the guide's four variables make a server, with the defaults filled in", () => {
    expect(read(server)).toEqual({
      settings: {
        _tag: "Server",
        source: "POSTGRES_*",
        host: "db.internal",
        port: 5432,
        user: "aim",
        password: "pw",
        database: "identity",
        sslMode: "prefer",
        sslRootCert: undefined,
        plaintextFallback: true,
        connectTimeoutSeconds: 10,
      },
      problems: [],
    })
    expect(read({ ...server, NODE_ENV: "production" }).settings).toMatchObject({ plaintextFallback: false })
    expect(read({ ...server, POSTGRES_SSL_MODE: "disable" }).settings).toMatchObject({ plaintextFallback: false, sslMode: "disable" })
    expect(read({ ...server, POSTGRES_PORT: "6000", POSTGRES_CONNECT_TIMEOUT: "5" }).settings).toMatchObject({ port: 6000, connectTimeoutSeconds: 5 })
  })

  it("a partial set names each missing variable and returns nothing (never the embedded database)", () => {
    expect(read({ POSTGRES_HOST: "db" })).toMatchInlineSnapshot(`
      {
        "problems": [
          {
            "fix": "set it (the guide's Step 1), or set DATABASE_URL instead",
            "problem": "is not set",
            "variable": "POSTGRES_USER",
          },
          {
            "fix": "set it (the guide's Step 1), or set DATABASE_URL instead",
            "problem": "is not set",
            "variable": "POSTGRES_PASSWORD",
          },
          {
            "fix": "set it (the guide's Step 1), or set DATABASE_URL instead",
            "problem": "is not set",
            "variable": "POSTGRES_DB",
          },
        ],
        "settings": undefined,
      }
    `)
    expect(read({ POSTGRES_PORT: "5433" }).problems.map((p) => p.variable)).toEqual(["POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"])
    // An empty password is not a password.
    expect(variables({ ...server, POSTGRES_PASSWORD: "" })).toEqual(["POSTGRES_PASSWORD"])
    // The rest is still checked while variables are missing.
    expect(variables({ POSTGRES_HOST: "x.postgres.database.azure.com" })).toEqual(["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_SSL_MODE"])
  })

  it("in production with nothing set, every variable is asked for: no embedded database", () => {
    expect(read({ NODE_ENV: "production" }).problems.map((p) => [p.variable, p.problem])).toEqual(
      ["POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"].map((v) => [
        v,
        "is not set and NODE_ENV=production (no embedded database in production)",
      ]),
    )
    expect(read({ NODE_ENV: "production", POSTGRES_HOST: "db" }).problems[0]?.problem).toBe("is not set")
  })
})

describe("the embedded database", () => {
  it("with nothing set, outside production: .aim/pglite in the working directory, or AIM_DATA_DIR", () => {
    expect(read({})).toEqual({ settings: { _tag: "Embedded", dataDir: join(cwd, ".aim", "pglite") }, problems: [] })
    expect(read({ AIM_DATA_DIR: "data" }).settings).toEqual({ _tag: "Embedded", dataDir: join(cwd, "data") })
    expect(read({ AIM_DATA_DIR: "/abs/dir" }).settings).toEqual({ _tag: "Embedded", dataDir: "/abs/dir" })
    expect(read({ AIM_DATA_DIR: "memory://x" }).settings).toEqual({ _tag: "Embedded", dataDir: "memory://x" })
    expect(read({ NODE_ENV: "development" }).settings?._tag).toBe("Embedded")
  })

  it("AIM_DATA_DIR naming a file is a problem; a directory is not", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-datadir-"))
    writeFileSync(join(dir, "file"), "x")
    mkdirSync(join(dir, "sub"))
    expect(read({ AIM_DATA_DIR: "file" }, dir).problems).toEqual([
      {
        variable: "AIM_DATA_DIR",
        problem: `names ${join(dir, "file")}, which is a file`,
        fix: "set it to a directory (created if missing) for the embedded database's files",
      },
    ])
    expect(read({ AIM_DATA_DIR: "sub" }, dir).problems).toEqual([])
  })
})

describe("a .env saved with a byte-order mark", () => {
  it("is read as written: its first variable names the server, never the embedded database", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-dotenv-bom-"))
    writeFileSync(join(dir, ".env"), "\uFEFFDATABASE_URL=postgres://aim:pw@db.internal/identity\r\nPOSTGRES_CONNECT_TIMEOUT=5\r\n")
    const problems: Array<ConfigProblem> = []
    const settings = readDatabaseSettings(loadEnv(dir, {}), dir, problems)
    expect(problems).toEqual([])
    expect(settings).toMatchObject({ _tag: "Server", host: "db.internal", database: "identity", connectTimeoutSeconds: 5 })
  })
})

describe("a .env file may not steer the environment's password", () => {
  const withDotEnv = (file: string, environment: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), "aim-dotenv-"))
    writeFileSync(join(dir, ".env"), file)
    const problems: Array<ConfigProblem> = []
    readDatabaseSettings(loadEnv(dir, environment), dir, problems)
    return problems
  }

  it("a host from .env with the environment's password is refused, naming the variables", () => {
    expect(withDotEnv("POSTGRES_HOST=evil.example\n", { POSTGRES_USER: "aim", POSTGRES_PASSWORD: "pw", POSTGRES_DB: "identity" })).toMatchInlineSnapshot(`
      [
        {
          "fix": "set POSTGRES_HOST in the environment too, or keep the password in .env beside it (or remove .env from this directory)",
          "problem": "is set in .env while POSTGRES_PASSWORD comes from the environment: the environment's password is sent only to a server the environment names",
          "variable": "POSTGRES_HOST",
        },
      ]
    `)
    expect(
      withDotEnv("POSTGRES_HOST=evil.example\nPOSTGRES_PORT=1\n", { POSTGRES_USER: "aim", POSTGRES_PASSWORD: "pw", POSTGRES_DB: "identity" })[0]?.fix,
    ).toMatch(/set POSTGRES_HOST and POSTGRES_PORT in the environment too, or keep the password in \.env beside them/)
    expect(withDotEnv("DATABASE_URL=postgres://evil.example/d\n", { POSTGRES_PASSWORD: "pw" }).map((p) => p.variable)).toEqual(["DATABASE_URL"])
  })

  it("the same file with the password beside it, or a URL carrying its own password, is fine", () => {
    expect(withDotEnv("POSTGRES_HOST=db\nPOSTGRES_PASSWORD=filepw\n", { POSTGRES_USER: "aim", POSTGRES_DB: "identity" })).toEqual([])
    expect(withDotEnv("DATABASE_URL=postgres://u:own@db/d\n", { POSTGRES_PASSWORD: "pw" })).toEqual([])
    expect(withDotEnv("POSTGRES_DB=identity\n", { POSTGRES_HOST: "db", POSTGRES_USER: "aim", POSTGRES_PASSWORD: "pw" })).toEqual([])
    // The environment's own value wins over the file's, so the file steers nothing.
    expect(withDotEnv("POSTGRES_HOST=evil.example\n", { POSTGRES_HOST: "db", POSTGRES_USER: "aim", POSTGRES_PASSWORD: "pw", POSTGRES_DB: "identity" })).toEqual(
      [],
    )
  })

  it("a DATABASE_URL in .env may not replace the environment's POSTGRES_HOST, PORT or DB", () => {
    expect(withDotEnv("DATABASE_URL=postgres://u:own@db/d\n", { POSTGRES_HOST: "real", POSTGRES_DB: "identity" })).toMatchInlineSnapshot(`
      [
        {
          "fix": "remove DATABASE_URL from .env, or set the connection in one place (the environment or .env)",
          "problem": "is set in .env and would replace POSTGRES_HOST, POSTGRES_DB of the environment",
          "variable": "DATABASE_URL",
        },
      ]
    `)
    expect(withDotEnv("DATABASE_URL=postgres://u:own@db/d\n", { POSTGRES_USER: "aim" })).toEqual([])
  })
})

describe("overriddenByUrl", () => {
  const overridden = (env: Record<string, string>) => {
    const problems: Array<ConfigProblem> = []
    return overriddenByUrl(env, readDatabaseSettings(env, cwd, problems))
  }

  it("names each POSTGRES_* variable the URL disagrees with, and none it agrees with", () => {
    const url = "postgres://aim:pw@db:5432/identity"
    expect(overridden({ DATABASE_URL: url, ...server })).toEqual(["POSTGRES_HOST"])
    expect(
      overridden({ DATABASE_URL: url, POSTGRES_HOST: "db", POSTGRES_PORT: "5432", POSTGRES_USER: "aim", POSTGRES_DB: "identity", POSTGRES_PASSWORD: "pw" }),
    ).toEqual([])
    expect(overridden({ DATABASE_URL: url, POSTGRES_HOST: "x", POSTGRES_PORT: "1", POSTGRES_USER: "y", POSTGRES_DB: "z", POSTGRES_PASSWORD: "other" })).toEqual(
      ["POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"],
    )
    // A URL without a password uses POSTGRES_PASSWORD: nothing overridden.
    expect(overridden({ DATABASE_URL: "postgres://aim@db/identity", POSTGRES_PASSWORD: "pw" })).toEqual([])
    expect(overridden({ DATABASE_URL: url, POSTGRES_PASSWORD: "" })).toEqual([])
    expect(overridden(server)).toEqual([])
  })

  it("says which are ignored, in the right number", () => {
    expect(overriddenNotice(["POSTGRES_HOST"])).toBe("DATABASE_URL is used; POSTGRES_HOST is set to something else and ignored (unset it, or DATABASE_URL)")
    expect(overriddenNotice(["POSTGRES_HOST", "POSTGRES_DB"])).toBe(
      "DATABASE_URL is used; POSTGRES_HOST, POSTGRES_DB are set to something else and ignored (unset them, or DATABASE_URL)",
    )
  })
})

describe("describeDatabase", () => {
  it("names where the database is, with no secret", () => {
    const settings = readDatabaseSettings({ DATABASE_URL: "postgres://u%20x:secret@db.example:6543/my%2Fdb?sslmode=require" }, cwd, [])
    expect(settings && describeDatabase(settings)).toBe("postgres://u%20x@db.example:6543/my%2Fdb (sslmode=require)")
    const v6 = readDatabaseSettings({ DATABASE_URL: "postgres://u@[::1]/d" }, cwd, [])
    expect(v6 && describeDatabase(v6)).toBe("postgres://u@[::1]:5432/d (sslmode=prefer)")
    expect(describeDatabase({ _tag: "Embedded", dataDir: "/d" })).toBe("embedded PostgreSQL (PGlite) in /d")
    // A URL pasted into POSTGRES_HOST by mistake is shown without its credentials.
    const pasted = readDatabaseSettings({ ...server, POSTGRES_HOST: "postgres://aim:hunter22@db" }, cwd, [])
    expect(pasted && describeDatabase(pasted)).not.toContain("hunter22")
  })
})

describe("properties with oracles", () => {
  // xn-- labels are punycode, which the URL parser rewrites.
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((l) => !l.startsWith("xn--"))
  const text = fc.string({ minLength: 1, maxLength: 24, unit: "grapheme" })

  it("a generated URL parses into exactly the parts it was built from", () => {
    fc.assert(
      fc.property(
        fc.record({
          scheme: fc.constantFrom("postgres", "postgresql"),
          host: fc.array(label, { minLength: 1, maxLength: 3 }),
          port: fc.integer({ min: 1, max: 65535 }),
        }),
        // A database named . or .. is a dot segment to the URL parser, whatever its encoding: not a name a URL can carry.
        fc.record({ user: text, password: text, database: text.filter((d) => d !== "." && d !== "..") }),
        ({ scheme, host, port }, { user, password, database }) => {
          const hostname = host.join(".")
          const url = `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${hostname}:${port}/${encodeURIComponent(database)}`
          const { settings, problems } = read({ DATABASE_URL: url })
          expect(problems).toEqual([])
          expect(settings).toMatchObject({ _tag: "Server", host: hostname, port, user, password, database })
        },
      ),
      { numRuns: 300 },
    )
  })

  it("a scheme other than postgres or postgresql is always refused", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9+.-]{0,10}$/).filter((s) => s !== "postgres" && s !== "postgresql"),
        label,
        (scheme, host) => {
          const { settings, problems } = read({ DATABASE_URL: `${scheme}://u:p@${host}/d` })
          expect(settings).toBeUndefined()
          expect(problems.map((p) => p.variable)).toEqual(["DATABASE_URL"])
        },
      ),
      { numRuns: 200 },
    )
  })
})
