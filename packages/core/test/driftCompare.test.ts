import { describe, expect, it } from "vitest"
import { compareCatalogs, driftOk, type KnownDifference, knownDifference } from "../src/drift/Drift.js"
import { backendOwnedDefinitions, deployedShapes } from "../src/verify/expectations.js"

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

  it("numbers compare by value only where a column default has them, and only whole numbers", () => {
    expect(compare(liveWith({ "column:users.score": "numeric(5,2) DEFAULT 10.00 NULL" }))).toHaveLength(1)
    const ten = compareCatalogs(
      {
        snapshot: new Map([
          ["column:t.a", "numeric DEFAULT 10 NULL"],
          ["index:i", "CREATE INDEX i ON public.t USING btree (a) WHERE a > 0.5 AND b"],
        ]),
        createdBy,
      },
      new Map([
        ["column:t.a", "numeric DEFAULT 10.00 NULL"],
        ["index:i", "CREATE INDEX i ON public.t USING btree (a) WHERE a > 0.50 AND b"],
      ]),
      none,
    )
    expect(ten.map((d) => d.name)).toEqual(["i"])
  })

  it("each object type's fix: create, replace, or the words when it cannot be written", () => {
    const differences = compare(
      liveWith({
        "index:idx_users_email": "CREATE INDEX idx_users_email ON public.users USING btree (lower(email))",
        "constraint:users.users_pkey": "PRIMARY KEY (email)",
        "trigger:users.users_touch": null,
      }),
    )
    expect(Object.fromEntries(differences.map((d) => [d.name, d.fix]))).toEqual({
      idx_users_email:
        "put back the definition 001_initial_schema.sql gives (DROP INDEX idx_users_email; CREATE INDEX idx_users_email ON public.users USING btree (email);), or, if the change is wanted, make it a migration (aim new) so the files say so",
      "users.users_pkey":
        "put back the definition 001_initial_schema.sql gives (ALTER TABLE users DROP CONSTRAINT users_pkey, ADD CONSTRAINT users_pkey PRIMARY KEY (id);), or, if the change is wanted, make it a migration (aim new) so the files say so",
      "users.users_touch":
        "CREATE TRIGGER users_touch BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION touch(); (002_triggers.sql creates it; the files are idempotent, so psql -f migrations/002_triggers.sql recreates what is missing)",
    })
    // A constraint or trigger whose name has no table part cannot be restated: the fix says so in words.
    const odd = compareCatalogs(
      {
        snapshot: new Map([
          ["constraint:loose", "CHECK (true)"],
          ["trigger:loose", "CREATE TRIGGER loose"],
          ["index:gone", "CREATE INDEX gone ON t USING btree (a)"],
        ]),
        createdBy: new Map(),
      },
      new Map([["constraint:loose", "CHECK (false)"]]),
      none,
    )
    expect(odd.map((d) => [d.name, d.fix])).toEqual([
      ["loose", "put back the definition the files give, or, if the change is wanted, make it a migration (aim new) so the files say so"],
      ["gone", "CREATE INDEX gone ON t USING btree (a);"],
      ["loose", "recreate it"],
    ])
  })

  it("an index of a missing table written without public. is that table's part too", () => {
    const expected = new Map([
      ["table:gone", "gone"],
      ["index:gone_a", "CREATE INDEX gone_a ON gone USING btree (a)"],
    ])
    expect(compareCatalogs({ snapshot: expected, createdBy }, new Map(), none).map((d) => `${d.kind} ${d.objectType} ${d.name}`)).toEqual([
      "missing table gone",
    ])
  })

  it("only an extra table named like the backend's is the backend's; an extra index of that name is not", () => {
    const live = liveWith({
      "table:agent_capabilities": "agent_capabilities",
      "index:agent_capabilities": "CREATE INDEX agent_capabilities ON public.users USING btree (score)",
      "table:mine": "mine",
    })
    expect(compare(live).map((d) => [d.name, d.fix])).toEqual([
      ["agent_capabilities", "no migration file defines it: if it is wanted, add it in a migration (aim new) so the files say so; if not, drop it"],
      ["agent_capabilities", "the AIM backend's own table, which aim's files 016-020 also create: leave it"],
      ["mine", "no migration file defines it: if it is wanted, add it in a migration (aim new) so the files say so; if not, drop it"],
    ])
  })
})

describe("knownDifference", () => {
  const found = [
    { title: "whole table", fix: "fix a", keys: ["constraint:verification_events.*"] },
    { title: "one key", fix: "fix b", keys: ["column:agents.trust_score", "index:x"] },
  ]
  const known = knownDifference(found)

  it("a found difference covers its exact keys and, with .*, every object of its table", () => {
    expect(known("constraint:verification_events.one_subject", "CHECK (x)")?.title).toBe("whole table")
    expect(known("constraint:verification_events_extra.c", "CHECK (x)")).toBeUndefined()
    expect(known("column:agents.trust_score", undefined)?.title).toBe("one key")
    expect(known("index:x", "anything")?.title).toBe("one key")
    expect(known("column:agents.trust_score_extra", "numeric")).toBeUndefined()
    expect(knownDifference([])("column:agents.trust_score", "numeric")).toBeUndefined()
  })

  it("a deployed shape only when the live object is exactly the deployed one; a backend-owned definition whenever it is there", () => {
    const shape = deployedShapes[0]
    const [key, value] = Object.entries(shape?.objects ?? {})[0] ?? ["", ""]
    expect(known(key, value)?.title).toBe(shape?.title)
    expect(known(key, `${value} `)).toBeUndefined()
    expect(known(key, undefined)).toBeUndefined()
    const owned = backendOwnedDefinitions[0]
    const ownedKey = owned?.keys[0] ?? ""
    expect(known(ownedKey, "BEGIN whatever END")?.title).toBe(owned?.title)
    expect(known(ownedKey, undefined)).toBeUndefined()
    expect(known("function:not_owned()", "BEGIN END")).toBeUndefined()
  })
})
