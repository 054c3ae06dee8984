import { describe, expect, it } from "vitest"
import { type CatalogObject, catalogOf, keyOf } from "../src/drift/catalog.js"
import { compareCatalogs, driftOk, type KnownDifference, knownDifference } from "../src/drift/Drift.js"
import { ident } from "../src/database/sqlText.js"
import { repairScript, steps } from "../src/drift/repair.js"
import { backendOwnedDefinitions, deployedDifferences, deployedShapes } from "../src/verify/expectations.js"

// The comparison and its repairs on catalogs built by hand; driftRepair.test.ts runs the repairs on a server.

const column = (table: string, name: string, dataType: string, more: Partial<Extract<CatalogObject, { kind: "column" }>> = {}): CatalogObject => ({
  kind: "column",
  table,
  name,
  position: 1,
  dataType,
  collation: null,
  default: null,
  identity: "",
  generated: null,
  notNull: false,
  ...more,
})
const table = (name: string): CatalogObject => ({ kind: "table", name, unlogged: false, rowSecurity: false, forceRowSecurity: false })
const constraint = (t: string, name: string, type: string, definition: string, references: string | null = null): CatalogObject => ({
  kind: "constraint",
  table: t,
  name,
  type,
  definition,
  references,
})

const expectedObjects: ReadonlyArray<CatalogObject> = [
  table("users"),
  column("users", "id", "uuid", { notNull: true, default: "gen_random_uuid()" }),
  column("users", "email", "character varying(255)", { notNull: true, position: 2 }),
  column("users", "score", "numeric(5,2)", { default: "0", position: 3 }),
  constraint("users", "users_pkey", "p", "PRIMARY KEY (id)"),
  { kind: "index", table: "users", name: "idx_users_email", definition: "CREATE INDEX idx_users_email ON public.users USING btree (email)" },
  table("agents"),
  column("agents", "id", "uuid", { notNull: true }),
  column("agents", "owner", "uuid", { position: 2 }),
  constraint("agents", "agents_owner_fkey", "f", "FOREIGN KEY (owner) REFERENCES users(id)", "users"),
]
const expected = { catalog: catalogOf(expectedObjects), createdBy: new Map([["index:idx_users_email", "001_initial_schema.sql"]]) }
const none: KnownDifference = () => undefined
const compare = (live: ReadonlyArray<CatalogObject>, known: KnownDifference = none) => compareCatalogs(expected, catalogOf(live), known)
const without = (...keys: ReadonlyArray<string>) => expectedObjects.filter((o) => !keys.includes(keyOf(o)))
const replacing = (o: CatalogObject) => [...expectedObjects.filter((e) => keyOf(e) !== keyOf(o)), o]
const listed = (differences: ReturnType<typeof compare>) => differences.map((d) => `${d.kind} ${d.objectType} ${d.name}`)

describe("compareCatalogs", () => {
  it("an equal catalog has no difference; a numeric default compares by value and CURRENT_TIMESTAMP as now()", () => {
    expect(compare(expectedObjects)).toEqual([])
    expect(driftOk([])).toBe(true)
    expect(compare(replacing(column("users", "score", "numeric(5,2)", { default: "0.00", position: 3 })))).toEqual([])
    expect(listed(compare(replacing(column("users", "score", "numeric(5,2)", { default: "0.50", position: 3 }))))).toEqual(["changed column users.score"])
  })

  it("a missing table is one finding whose repair creates it with its columns, keys and indexes, foreign keys after keys", () => {
    const differences = compare(
      without("table:users", "column:users.id", "column:users.email", "column:users.score", "constraint:users.users_pkey", "index:idx_users_email"),
    )
    expect(listed(differences)).toEqual(["missing table users"])
    expect(driftOk(differences)).toBe(false)
    expect(repairScript(differences.flatMap((d) => d.repair))).toEqual([
      "BEGIN;",
      "CREATE TABLE users (id uuid DEFAULT gen_random_uuid() NOT NULL, email character varying(255) NOT NULL, score numeric(5,2) DEFAULT 0);",
      "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_pkey, ADD CONSTRAINT users_pkey PRIMARY KEY (id);",
      "CREATE INDEX idx_users_email ON public.users USING btree (email);",
      "COMMIT;",
    ])
  })

  it("a changed primary key is re-added with CASCADE, and the foreign keys that used it come back after it", () => {
    const differences = compare(replacing(constraint("users", "users_pkey", "p", "PRIMARY KEY (id, email)")))
    expect(listed(differences)).toEqual(["changed constraint users.users_pkey"])
    expect(differences[0]?.repair.map((r) => [r.step, r.sql])).toEqual([
      [steps.key, "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_pkey CASCADE, ADD CONSTRAINT users_pkey PRIMARY KEY (id)"],
      [
        steps.foreignKey,
        "ALTER TABLE agents DROP CONSTRAINT IF EXISTS agents_owner_fkey, ADD CONSTRAINT agents_owner_fkey FOREIGN KEY (owner) REFERENCES users(id)",
      ],
    ])
  })

  it("a column's changes in one ALTER TABLE, the default dropped around a type change", () => {
    const [d] = compare(replacing(column("users", "score", "numeric(6,2)", { default: "1", notNull: true, position: 3 })))
    expect(d?.repair.map((r) => r.sql)).toEqual([
      "ALTER TABLE users ALTER COLUMN score DROP DEFAULT, ALTER COLUMN score TYPE numeric(5,2) USING score::numeric(5,2), ALTER COLUMN score SET DEFAULT 0, ALTER COLUMN score DROP NOT NULL",
    ])
  })

  it("a missing and an extra object with the same definition is a rename; two look-alikes are not guessed", () => {
    const renamed = compare([...without("column:users.email"), column("users", "mail", "character varying(255)", { notNull: true, position: 2 })])
    // The index on the renamed column compares under the files' name once the rename is applied.
    expect(listed(renamed)).toEqual(["renamed column users.email"])
    expect(renamed[0]?.repair.map((r) => r.sql)).toEqual(["ALTER TABLE users RENAME COLUMN mail TO email"])
    const twins = compare([
      ...without("column:users.email"),
      column("users", "mail", "character varying(255)", { notNull: true }),
      column("users", "mail2", "character varying(255)", { notNull: true }),
    ])
    expect(listed(twins)).toEqual(["missing column users.email", "extra column users.mail", "extra column users.mail2"])
  })

  it("a renamed table takes its parts and the foreign keys naming it along", () => {
    const live = expectedObjects.map((o): CatalogObject => {
      if (o.kind === "table" && o.name === "users") return { ...o, name: "people" }
      if ((o.kind === "column" || o.kind === "constraint" || o.kind === "index") && o.table === "users")
        return { ...o, table: "people", ...(o.kind === "index" ? { definition: o.definition.replace("public.users", "public.people") } : {}) }
      if (o.kind === "constraint" && o.references === "users") return { ...o, references: "people", definition: "FOREIGN KEY (owner) REFERENCES people(id)" }
      return o
    })
    const differences = compare(live)
    expect(listed(differences)).toEqual(["renamed table users"])
    expect(differences[0]?.repair.map((r) => r.sql)).toEqual(["ALTER TABLE people RENAME TO users"])
  })

  it("an extra object has no repair (the files do not define it); an extra seed row is not drift", () => {
    const differences = compare([...expectedObjects, column("users", "nickname", "text"), { kind: "seed", name: "Mine", priorities: "1", row: "{}" }])
    expect(listed(differences)).toEqual(["extra column users.nickname"])
    expect(differences[0]?.repair).toEqual([])
    expect(driftOk(differences)).toBe(true)
  })
})

describe("knownDifference: exactly the deployed definition, never a table's other objects", () => {
  // Known differences of the shape 0.2.0 had (since 0.3.0 none ship: every deployed shape converges).
  const known = knownDifference([
    {
      title: "trust",
      fix: "a",
      objects: [
        { key: "column:agents.trust_score", deployed: (expected) => ["numeric(4,3)", "numeric(6,3)"].map((type) => expected.replace(/^numeric\(5,2\)/, type)) },
      ],
    },
    { title: "subject", fix: "b", objects: [{ key: "constraint:verification_events.verification_events_one_subject", deployed: () => [null] }] },
  ])

  it("agents.trust_score only as numeric(4,3) or 020's numeric(6,3)", () => {
    expect(known("column:agents.trust_score", "numeric(5,2) DEFAULT 0", "numeric(4,3) DEFAULT 0")?.title).toBe("trust")
    expect(known("column:agents.trust_score", "numeric(5,2) DEFAULT 0", "numeric(6,3) DEFAULT 0")?.title).toBe("trust")
    expect(known("column:agents.trust_score", "numeric(5,2) DEFAULT 0", "numeric(6,2) DEFAULT 0")).toBeUndefined()
    expect(known("column:agents.trust_score", "numeric(5,2) DEFAULT 0", "numeric(4,3)")).toBeUndefined()
  })

  it("the one-subject check missing, not another constraint of verification_events", () => {
    expect(known("constraint:verification_events.verification_events_one_subject", "CHECK (x)", undefined)?.title).toBe("subject")
    expect(known("constraint:verification_events.verification_events_one_subject", "CHECK (x)", "CHECK (y)")).toBeUndefined()
    expect(known("constraint:verification_events.verification_events_agent_id_fkey", "FOREIGN KEY (agent_id) REFERENCES agents(id)", undefined)).toBeUndefined()
  })

  it("none ship since 0.3.0: a database that differs from the backend's own schema is drift, whatever the backend once built", () => {
    expect(deployedDifferences).toEqual([])
    expect(deployedShapes).toEqual([])
    expect(backendOwnedDefinitions).toEqual([])
    const none = knownDifference([])
    expect(none("constraint:alerts.alerts_acknowledged_by_fkey", "FOREIGN KEY (acknowledged_by) REFERENCES users(id)", "x")).toBeUndefined()
    expect(none("function:log_trust_score_change()", "md5 a", "md5 bd13d005ffcabb33fa45af877fbef68c")).toBeUndefined()
  })
})

describe("repairScript and ident", () => {
  it("sorted by step, each statement once, ADD VALUE before the one transaction", () => {
    expect(
      repairScript([
        { step: steps.index, sql: "CREATE INDEX i ON t (a)" },
        { step: steps.column, sql: "ALTER TABLE t ADD COLUMN a int" },
        { step: steps.type, sql: "ALTER TYPE m ADD VALUE IF NOT EXISTS 'x'", outsideTransaction: true },
        { step: steps.index, sql: "CREATE INDEX i ON t (a)" },
      ]),
    ).toEqual(["ALTER TYPE m ADD VALUE IF NOT EXISTS 'x';", "BEGIN;", "ALTER TABLE t ADD COLUMN a int;", "CREATE INDEX i ON t (a);", "COMMIT;"])
    expect(repairScript([])).toEqual([])
  })

  it("quotes what PostgreSQL would not read back unchanged", () => {
    expect([ident("users"), ident("user"), ident("Users"), ident("a b"), ident('q"'), ident("order_id")]).toEqual([
      "users",
      '"user"',
      '"Users"',
      '"a b"',
      '"q"""',
      "order_id",
    ])
  })
})
