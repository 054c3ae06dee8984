import { describe, expect, it } from "vitest"
import { compareCatalogs, driftOk, type KnownDifference } from "../src/drift/Drift.js"

const expectedSnapshot = new Map([
  ["table:users", "users"],
  ["column:users.email", "character varying(255) NOT NULL"],
  ["column:users.score", "numeric(5,2) DEFAULT 0 NULL"],
  ["column:users.created_at", "timestamp with time zone DEFAULT now() NULL"],
  ["constraint:users.users_pkey", "PRIMARY KEY (id)"],
  ["index:idx_users_email", "CREATE INDEX idx_users_email ON public.users USING btree (email)"],
  ["trigger:users.users_touch", "CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()"],
  ["function:touch()", "BEGIN RETURN NEW; END"],
  ["table:agents", "agents"],
  ["column:agents.name", "text NOT NULL"],
  ["constraint:agents.agents_pkey", "PRIMARY KEY (id)"],
  ["index:idx_agents_name", "CREATE INDEX idx_agents_name ON public.agents USING btree (name)"],
  ["seed:security_policies/Default", "priority 100"],
])
const createdBy = new Map([
  ["index:idx_users_email", "001_initial_schema.sql"],
  ["constraint:users.users_pkey", "001_initial_schema.sql"],
  ["trigger:users.users_touch", "002_triggers.sql"],
])
const none: KnownDifference = () => undefined
const compare = (live: Map<string, string>, known: KnownDifference = none) => compareCatalogs({ snapshot: expectedSnapshot, createdBy }, live, known)
const liveWith = (changes: Record<string, string | null>) => {
  const live = new Map(expectedSnapshot)
  for (const [key, value] of Object.entries(changes)) value === null ? live.delete(key) : live.set(key, value)
  return live
}

describe("compareCatalogs", () => {
  it("an equal catalog has no difference", () => {
    expect(compare(new Map(expectedSnapshot))).toEqual([])
    expect(driftOk([])).toBe(true)
  })

  it("a numeric default compares by value and CURRENT_TIMESTAMP as now(), for columns only", () => {
    expect(
      compare(
        liveWith({
          "column:users.score": "numeric(5,2) DEFAULT 0.00 NULL",
          "column:users.created_at": "timestamp with time zone DEFAULT CURRENT_TIMESTAMP NULL",
        }),
      ),
    ).toEqual([])
    expect(compare(liveWith({ "column:users.score": "numeric(5,2) DEFAULT 0.50 NULL" })).map((d) => d.kind)).toEqual(["changed"])
    expect(compare(liveWith({ "function:touch()": "BEGIN RETURN NEW; END " })).map((d) => d.name)).toEqual(["touch()"])
    expect(compare(liveWith({ "index:idx_users_email": "CREATE INDEX idx_users_email ON public.users USING btree (email) WHERE 1.50 > 0" }))).toHaveLength(1)
  })

  it("each kind of difference with its fix, sorted by key", () => {
    const differences = compare(
      liveWith({
        "index:idx_users_email": null,
        "trigger:users.users_touch": "CREATE TRIGGER users_touch AFTER UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()",
        "constraint:users.users_pkey": null,
        "column:users.email": "text NOT NULL",
        "index:idx_extra": "CREATE INDEX idx_extra ON public.users USING btree (score)",
        "seed:security_policies/Default": "priority 5",
        "seed:security_policies/Custom": "priority 1",
        "function:touch()": null,
      }),
    )
    expect(differences).toMatchInlineSnapshot(`
      [
        {
          "actual": "text NOT NULL",
          "expected": "character varying(255) NOT NULL",
          "fix": "put back the definition the files give, or, if the change is wanted, make it a migration (aim new) so the files say so",
          "kind": "changed",
          "name": "users.email",
          "objectType": "column",
        },
        {
          "actual": null,
          "expected": "PRIMARY KEY (id)",
          "fix": "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id); (001_initial_schema.sql creates it; the files are idempotent, so psql -f migrations/001_initial_schema.sql recreates what is missing)",
          "kind": "missing",
          "name": "users.users_pkey",
          "objectType": "constraint",
        },
        {
          "actual": null,
          "expected": "BEGIN RETURN NEW; END",
          "fix": "recreate it",
          "kind": "missing",
          "name": "touch()",
          "objectType": "function",
        },
        {
          "actual": "CREATE INDEX idx_extra ON public.users USING btree (score)",
          "expected": null,
          "fix": "no migration file defines it: if it is wanted, add it in a migration (aim new) so the files say so; if not, drop it",
          "kind": "extra",
          "name": "idx_extra",
          "objectType": "index",
        },
        {
          "actual": null,
          "expected": "CREATE INDEX idx_users_email ON public.users USING btree (email)",
          "fix": "CREATE INDEX idx_users_email ON public.users USING btree (email); (001_initial_schema.sql creates it; the files are idempotent, so psql -f migrations/001_initial_schema.sql recreates what is missing)",
          "kind": "missing",
          "name": "idx_users_email",
          "objectType": "index",
        },
        {
          "actual": "priority 5",
          "expected": "priority 100",
          "fix": "put back the definition the files give, or, if the change is wanted, make it a migration (aim new) so the files say so",
          "kind": "changed",
          "name": "security_policies/Default",
          "objectType": "seed",
        },
        {
          "actual": "CREATE TRIGGER users_touch AFTER UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()",
          "expected": "CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch()",
          "fix": "put back the definition 002_triggers.sql gives (DROP TRIGGER users_touch ON users; CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch();), or, if the change is wanted, make it a migration (aim new) so the files say so",
          "kind": "changed",
          "name": "users.users_touch",
          "objectType": "trigger",
        },
      ]
    `)
    expect(driftOk(differences)).toBe(false)
  })

  it("a missing table is one difference, not one per part; so is an extra table; a changed part of a present table is its own", () => {
    const live = liveWith({
      "table:agents": null,
      "column:agents.name": null,
      "constraint:agents.agents_pkey": null,
      "index:idx_agents_name": null,
      "table:extra": "extra",
      "column:extra.x": "int NULL",
      "constraint:extra.extra_pkey": "PRIMARY KEY (x)",
      "index:idx_extra_x": "CREATE INDEX idx_extra_x ON public.extra USING btree (x)",
      "trigger:extra.extra_touch": "CREATE TRIGGER extra_touch BEFORE UPDATE ON public.extra FOR EACH ROW EXECUTE FUNCTION touch()",
    })
    expect(compare(live).map((d) => `${d.kind} ${d.objectType} ${d.name}`)).toEqual(["missing table agents", "extra table extra"])
    // An index of a present table whose own table name is quoted in its definition is still its table's part.
    const quoted = liveWith({ "table:agents": null, "column:agents.name": null, "constraint:agents.agents_pkey": null, "index:idx_agents_name": null })
    quoted.set("table:Odd", "Odd")
    quoted.set("index:idx_odd", 'CREATE INDEX idx_odd ON public."Odd" USING btree (x)')
    expect(compare(quoted).map((d) => `${d.kind} ${d.objectType} ${d.name}`)).toEqual(["extra table Odd", "missing table agents"])
  })

  it("only missing or changed objects fail drift; extras pass, and so do known shapes", () => {
    const extraOnly = compare(liveWith({ "index:idx_extra": "CREATE INDEX idx_extra ON public.users USING btree (score)" }))
    expect(extraOnly.map((d) => d.kind)).toEqual(["extra"])
    expect(driftOk(extraOnly)).toBe(true)
    const known: KnownDifference = (key, actual) =>
      key === "column:users.score" && actual === "numeric(3,2) DEFAULT 0 NULL"
        ? { title: "the deployed backend's trust score scale", fix: "run aim migrate" }
        : undefined
    const deployed = compare(liveWith({ "column:users.score": "numeric(3,2) DEFAULT 0 NULL" }), known)
    expect(deployed).toEqual([
      {
        kind: "changed",
        objectType: "column",
        name: "users.score",
        expected: "numeric(5,2) DEFAULT 0 NULL",
        actual: "numeric(3,2) DEFAULT 0 NULL",
        fix: "run aim migrate",
        known: "the deployed backend's trust score scale",
      },
    ])
    expect(driftOk(deployed)).toBe(true)
    expect(driftOk([...deployed, ...compare(liveWith({ "column:users.email": "text NOT NULL" }))])).toBe(false)
  })

  it("the backend's own extra tables are named as its own", () => {
    const live = liveWith({ "table:agent_capabilities": "agent_capabilities" })
    expect(compare(live).map((d) => d.fix)).toEqual(["the AIM backend's own table, which aim's files 016-020 also create: leave it"])
  })
})
