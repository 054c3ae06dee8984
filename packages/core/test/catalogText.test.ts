import { sql } from "@aim/testkit"
import { useMigratedDatabases } from "@aim/testkit/hooks"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { withFilesSearchPath } from "../src/database/catalogText.js"
import { aimSearchPath, filesSearchPath } from "../src/database/Database.js"

const migrated = useMigratedDatabases("aim_catalog_text")

// Every text PostgreSQL's deparsers print for public's objects, one row each.
const deparsed = `
SELECT 'default ' || c.relname || '.' || a.attname AS k, pg_get_expr(d.adbin, d.adrelid) AS v
  FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE c.relnamespace = 'public'::regnamespace
UNION ALL SELECT 'type ' || c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
UNION ALL SELECT 'constraint ' || conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL SELECT 'constraint key ' || conname, conrelid::regclass::text FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
UNION ALL SELECT 'index ' || x.relname, pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace
UNION ALL SELECT 'trigger ' || tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace AND NOT tgisinternal
UNION ALL SELECT 'view ' || relname, pg_get_viewdef(oid) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('v', 'm')
UNION ALL SELECT 'policy ' || policyname, coalesce(qual, '') || coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public'
UNION ALL SELECT 'function ' || proname, pg_get_functiondef(oid) || pg_get_function_identity_arguments(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace`

const read = async (url: string, searchPath: string) => {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${searchPath}` })
  await client.connect()
  try {
    return new Map((await client.query<{ k: string; v: string }>(deparsed)).rows.map((r) => [r.k, r.v]))
  } finally {
    await client.end()
  }
}

describe("catalog text read with aim's search_path", () => {
  it("is, after withFilesSearchPath, what PostgreSQL prints with the files' search_path: every definition of the shipped files and of tricky objects", async () => {
    const db = await migrated()
    // Names of public inside literals that are data, a regclass default, a type of public, a
    // function body and a quoted identifier that holds "public.".
    await sql(
      db.url,
      `CREATE TYPE public.mood AS ENUM ('ok', 'public.meh');
       CREATE SEQUENCE public.tricky_seq;
       CREATE TABLE public."public.tricky" (id int DEFAULT nextval('public.tricky_seq'::regclass), note text DEFAULT 'public.not_a_name',
                                          m public.mood DEFAULT 'public.meh', CHECK (note <> 'public.x'))`,
    )
    await sql(
      db.url,
      `CREATE FUNCTION public.tricky_fn(m public.mood) RETURNS text LANGUAGE sql IMMUTABLE AS $body$ SELECT 'public.' || m::text $body$;
       CREATE INDEX tricky_note ON public."public.tricky" (public.tricky_fn(m)) WHERE note <> 'public.y';
       CREATE VIEW public.tricky_view AS SELECT t.id, public.tricky_fn(t.m) FROM public."public.tricky" t;
       ALTER TABLE public."public.tricky" ENABLE ROW LEVEL SECURITY;
       CREATE POLICY tricky_policy ON public."public.tricky" USING (public.tricky_fn(m) <> 'public.z')`,
    )
    const asFiles = await read(db.url, filesSearchPath)
    const asAim = await read(db.url, aimSearchPath)
    expect(asAim.size).toBe(asFiles.size)
    expect(asAim.size).toBeGreaterThan(200)
    // Read with aim's path, public's names are qualified (so the two differ before the mapping)...
    expect([...asAim].filter(([k, v]) => v !== asFiles.get(k)).length).toBeGreaterThan(20)
    // ... and equal after it, key by key.
    const mismatches = [...asAim]
      .filter(([k, v]) => withFilesSearchPath(v) !== asFiles.get(k))
      .map(([k, v]) => `${k}: ${withFilesSearchPath(v)} ≠ ${asFiles.get(k)}`)
    expect(mismatches).toEqual([])
  })
})
