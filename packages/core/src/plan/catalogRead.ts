// What aim plan reads off the target's catalog in one round trip: the facts its lock rules need
// (indexes, foreign keys, partitions, triggers, views, function bodies, column types) and the live
// size of every relation, each row decoded with Schema rather than cast.
import { Effect } from "effect"
import * as v from "valibot"
import { type ProceduralBody, functionBody } from "../sql/sqlAnalysis.js"
import { countRows } from "../database/catalogSnapshot.js"
import { withFilesSearchPath } from "../database/catalogText.js"
import type { DatabaseShape } from "../database/Database.js"
import type { SqlError } from "../database/SqlError.js"
import type { CatalogFacts, ForeignKey } from "./catalogFacts.js"

/** A relation's live size on the target database. */
export interface RelationSize {
  readonly name: string
  /** Estimated rows (pg_class.reltuples), or counted up to a cap when the table was never analysed. */
  readonly rows: number
  /** Table, indexes and TOAST (pg_total_relation_size). */
  readonly bytes: number
}

// The facts query's rows and the JSON some of them carry, decoded (not cast): a catalog that answers
// another shape is a defect found here, by name, not a wrong lock plan. valibot, not effect's Schema:
// any use of Schema bundles all of it (and fast-check) into the start of every command (measured:
// +10 MB and +60 ms for aim status); valibot's parts are a few kB, in this command's chunk.
const FactRow = v.object({
  kind: v.picklist(["index", "fk", "column", "check", "size", "reads", "partition", "function", "sequence", "version", "trigger", "nextval", "partkey"]),
  a: v.string(),
  b: v.nullable(v.string()),
  c: v.nullable(v.string()),
  n: v.nullable(v.number()),
  m: v.nullable(v.number()),
})
type FactRows = v.InferOutput<typeof FactRow>
const FactRowsSchema = v.array(FactRow)

const referentialAction = v.picklist(["a", "r", "c", "n", "d"])
/** A foreign key's row: json_agg of no columns is null. */
const ForeignKeyFacts = v.object({
  referenced: v.string(),
  onDelete: referentialAction,
  onUpdate: referentialAction,
  columns: v.nullable(v.array(v.string())),
  referencedColumns: v.nullable(v.array(v.string())),
})
const PartitionKey = v.array(v.object({ name: v.string(), position: v.number() }))
const FunctionParts = v.object({ source: v.nullable(v.string()), signature: v.nullable(v.string()) })
/** JSON text the facts query built, decoded against `schema`. */
const fromJson = <S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> => v.parse(schema, JSON.parse(text))

// One round trip: the catalog facts the analysis needs and the live size of every relation of `public`.
// Column b takes the type of the first row's, name (63 bytes): names go there, longer text in c.
const factsQuery = `
  SELECT 'index' AS kind, i.relname AS a, t.relname AS b, NULL AS c, NULL::float8 AS n, NULL::float8 AS m
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
   WHERE t.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'fk', t.relname, c.conname,
         json_build_object('referenced', r.relname, 'onDelete', c.confdeltype, 'onUpdate', c.confupdtype,
           'columns', (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k (n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
           'referencedColumns', (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k (n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n))::text,
         NULL, NULL
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
   WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'partition', p.relname, ch.relname, pg_get_partition_constraintdef(ch.oid),
         CASE WHEN pg_get_expr(ch.relpartbound, ch.oid) = 'DEFAULT' THEN 1 ELSE 0 END, NULL
    FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_class ch ON ch.oid = i.inhrelid
   WHERE p.relkind = 'p' AND p.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'partkey', c.relname, NULL,
         (SELECT json_agg(json_build_object('name', a.attname,
                   'position', (SELECT count(*) FROM pg_attribute b WHERE b.attrelid = a.attrelid AND b.attnum > 0 AND b.attnum <= a.attnum AND NOT b.attisdropped)) ORDER BY k.i)
            FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY k (n, i) JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = k.n)::text,
         -- 1 when the key's types, operator classes and collations are all built in (oid below 16384)
         CASE WHEN (SELECT bool_and(a.atttypid < 16384) FROM unnest(pt.partattrs::int2[]) k (n) JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = k.n)
                   AND (SELECT bool_and(o < 16384) FROM unnest(pt.partclass::oid[]) o)
                   AND (SELECT bool_and(o < 16384) FROM unnest(pt.partcollation::oid[]) o) THEN 1 ELSE 0 END, NULL
    FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid
   WHERE c.relnamespace = 'public'::regnamespace AND 0 <> ALL (pt.partattrs::int2[])
  UNION ALL
  SELECT 'function', p.proname, l.lanname,
         json_build_object('source', p.prosrc,
           'signature', quote_ident(p.proname) || '(' || pg_get_function_arguments(p.oid) || ') RETURNS ' || coalesce(pg_get_function_result(p.oid), 'void'))::text,
         NULL::float8, NULL::float8
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
   WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL
  SELECT 'trigger', c.relname, p.proname,
         concat_ws(',', CASE WHEN t.tgtype & 4 > 0 THEN 'INSERT' END, CASE WHEN t.tgtype & 16 > 0 THEN 'UPDATE' END,
                        CASE WHEN t.tgtype & 8 > 0 THEN 'DELETE' END, CASE WHEN t.tgtype & 32 > 0 THEN 'TRUNCATE' END),
         CASE WHEN t.tgenabled = 'D' THEN 0 ELSE 1 END, NULL
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
   WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'nextval', c.relname, a.attname,
         coalesce(pg_get_serial_sequence('public.' || quote_ident(c.relname), a.attname), substring(pg_get_expr(d.adbin, d.adrelid) from 'nextval\\(''([^'']+)''')), NULL, NULL
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
  UNION ALL
  SELECT 'version', current_setting('server_version_num'), NULL, NULL, NULL, NULL
  UNION ALL
  SELECT 'sequence', c.relname, NULL, NULL, NULL, NULL
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
  UNION ALL
  SELECT 'column', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NULL, NULL
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'check', t.relname, NULL, pg_get_constraintdef(c.oid), NULL, NULL
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
   WHERE c.contype = 'c' AND c.convalidated AND t.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT DISTINCT 'reads', v.relname, t.relname, a.attname::text, NULL::float8, NULL::float8
    FROM pg_rewrite r JOIN pg_class v ON v.oid = r.ev_class
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
    JOIN pg_class t ON t.oid = d.refobjid
    LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
   WHERE v.relnamespace = 'public'::regnamespace AND t.oid <> v.oid
  UNION ALL
  SELECT 'size', c.relname, NULL, c.relkind::text, c.reltuples::float8, pg_total_relation_size(c.oid)::float8
    FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'i', 'm', 'v')`

// A table never vacuumed or analysed has reltuples -1 (PostgreSQL 14+): count it, up to this many rows.
const countCap = 1_000_000

/** What the facts query's rows say, gathered one row at a time. */
const gathered = () => ({
  indexTable: new Map<string, string>(),
  foreignKeyTarget: new Map<string, string>(),
  columnType: new Map<string, string>(),
  notNullChecked: new Set<string>(),
  viewReads: new Map<string, Array<string>>(),
  references: [] as ForeignKey[],
  partitions: new Map<string, ReadonlyArray<string>>(),
  partitionOf: new Map<string, string>(),
  defaultPartition: new Map<string, string>(),
  // name, language, { source, signature }: read after the rows, with the parser.
  functionRows: [] as (readonly [string, string, string])[],
  plainViews: new Set<string>(),
  viewColumns: new Map<string, Array<string>>(),
  sequences: [] as string[],
  serverVersion: undefined as number | undefined,
  columnSequences: new Map<string, Array<{ column: string; sequence: string }>>(),
  triggers: new Map<string, Array<{ function: string; events: ReadonlyArray<string>; enabled: boolean }>>(),
  partitionKey: new Map<string, ReadonlyArray<{ name: string; position: number }>>(),
  builtinPartitionKey: new Set<string>(),
  partitionBound: new Map<string, string>(),
  sizes: new Map<string, RelationSize>(),
  uncounted: [] as string[],
})

const gather = (row: FactRows, into: ReturnType<typeof gathered>): void => {
  switch (row.kind) {
    case "index":
      if (row.b !== null) into.indexTable.set(row.a, row.b)
      break
    case "fk":
      if (row.b !== null && row.c !== null) {
        const fk = fromJson(ForeignKeyFacts, row.c)
        into.foreignKeyTarget.set(`${row.a}.${row.b}`, fk.referenced)
        into.references.push({ ...fk, table: row.a, columns: fk.columns ?? [], referencedColumns: fk.referencedColumns ?? [] })
      }
      break
    case "partition":
      if (row.b !== null) {
        into.partitions.set(row.a, [...(into.partitions.get(row.a) ?? []), row.b])
        into.partitionOf.set(row.b, row.a)
        if (row.c !== null) into.partitionBound.set(row.b, row.c)
        if (Number(row.n) === 1) into.defaultPartition.set(row.a, row.b)
      }
      break
    case "function":
      into.functionRows.push([row.a, row.b ?? "?", row.c ?? "{}"])
      break
    case "sequence":
      into.sequences.push(row.a)
      break
    case "trigger":
      if (row.b !== null)
        into.triggers.set(row.a, [...(into.triggers.get(row.a) ?? []), { function: row.b, events: (row.c ?? "").split(","), enabled: Number(row.n) === 1 }])
      break
    case "nextval":
      if (row.b !== null && row.c !== null) {
        // As the catalog prints it (public.seq, "Seq"): the bare name, as the plan names relations.
        const sequence = row.c.replace(/^public\./, "").replace(/^"(.*)"$/, "$1")
        into.columnSequences.set(row.a, [...(into.columnSequences.get(row.a) ?? []), { column: row.b, sequence }])
      }
      break
    case "version":
      into.serverVersion = Number(row.a)
      break
    case "partkey":
      if (row.c !== null) into.partitionKey.set(row.a, fromJson(PartitionKey, row.c))
      if (Number(row.n) === 1) into.builtinPartitionKey.add(row.a)
      break
    case "reads":
      if (row.b !== null) {
        const reads = into.viewReads.get(row.a) ?? []
        if (!reads.includes(row.b)) reads.push(row.b)
        into.viewReads.set(row.a, reads)
        if (row.c !== null) {
          const key = `${row.b}.${row.c}`
          into.viewColumns.set(key, [...(into.viewColumns.get(key) ?? []), row.a])
        }
      }
      break
    case "column":
      // As the files write it: format_type qualifies a type of public with aim's search_path.
      if (row.b !== null && row.c !== null) into.columnType.set(`${row.a}.${row.b}`, withFilesSearchPath(row.c))
      break
    case "check": {
      const column = /^CHECK \(\(?"?([a-z_][a-z0-9_]*)"? IS NOT NULL\)?\)$/i.exec(row.c ?? "")?.[1]
      if (column !== undefined) into.notNullChecked.add(`${row.a}.${column}`)
      break
    }
    case "size": {
      const estimated = Number(row.n ?? -1)
      into.sizes.set(row.a, { name: row.a, rows: Math.max(0, Math.round(estimated)), bytes: Number(row.m ?? 0) })
      if (row.c === "v") into.plainViews.add(row.a)
      if (estimated < 0 && (row.c === "r" || row.c === "p")) into.uncounted.push(row.a)
      break
    }
  }
}

/** What the analysis needs from the target's catalog, and the live sizes of its relations. */
export const readCatalogFacts = (db: Pick<DatabaseShape, "query">): Effect.Effect<{ facts: CatalogFacts; sizes: Map<string, RelationSize> }, SqlError> =>
  Effect.gen(function* () {
    const into = gathered()
    for (const row of v.parse(FactRowsSchema, yield* db.query(factsQuery))) gather(row, into)
    const { functionRows, sequences, sizes, uncounted, ...facts } = into
    const functionBodies = new Map<string, Array<ProceduralBody>>()
    for (const [name, language, parts] of functionRows) {
      const { source, signature } = fromJson(FunctionParts, parts)
      const body = yield* functionBody(name, language, source ?? "", signature ?? `${name}() RETURNS void`)
      functionBodies.set(name, [...(functionBodies.get(name) ?? []), body])
    }
    if (uncounted.length > 0) {
      for (const { t, n } of yield* countRows(db, uncounted, countCap)) {
        const size = sizes.get(t)
        if (size !== undefined) sizes.set(t, { ...size, rows: Number(n) })
      }
    }
    return { facts: { ...facts, functionBodies, relations: new Set([...sizes.keys(), ...sequences]), routes: new Map() }, sizes }
  })
