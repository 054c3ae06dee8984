import { Effect } from "effect"
import type { Migration } from "../source/Migration.js"
import type { KnownPrefix } from "../migrator/replay.js"
import type { Catalog, CatalogObject } from "./catalog.js"
import digestArtifact from "./shippedCatalogDigest.json" with { type: "json" }

/**
 * What the shipped files build, as drift reads it: computed once by replaying them (`pnpm --filter
 * @aim/core shipped-catalog`) and kept beside them, so that `aim drift` on a database that applied
 * exactly the shipped files reads only the live catalog, with no scratch database (no initdb, no
 * replay). Tests compare it with a real replay on PostgreSQL 15 and on PGlite (PostgreSQL 18): a
 * changed shipped file without a new artifact fails them, and meanwhile drift replays (the checksums
 * below no longer match).
 *
 * Two files: the small one (the files and the digest of what drift compares) is loaded with drift;
 * the catalog itself (about 270 kB of source, 16 ms to load on Node 20, then its maps and the
 * comparison) only when the live catalog's digest is not the artifact's, that is when there is a
 * difference to report, or when an operator's own files are replayed on top of the shipped ones.
 */
export interface ShippedCatalog {
  /** File name → checksum of the files it was computed from, in order. */
  readonly files: ReadonlyArray<readonly [string, string]>
  /** `comparedDigest` of the catalog (Drift.ts): equal for two catalogs drift finds no difference between. */
  readonly digest: string
  readonly catalog: ReadonlyArray<readonly [string, CatalogObject]>
  readonly createdBy: ReadonlyArray<readonly [string, string]>
}

/** shippedCatalogDigest.json */
export type ShippedCatalogDigest = Pick<ShippedCatalog, "files" | "digest">
/** shippedCatalog.json */
export type ShippedCatalogObjects = Pick<ShippedCatalog, "catalog" | "createdBy">

const shipped = digestArtifact as unknown as ShippedCatalogDigest

/** The catalog and each object's file, loaded on first use (a chunk of its own in the CLI's bundle). */
const objects = Effect.promise(() => import("./shippedCatalog.json", { with: { type: "json" } })).pipe(
  Effect.map((module) => module.default as unknown as ShippedCatalogObjects),
)

/** Whether `applied` begins with exactly the files the artifact was computed from, by name and checksum. */
const beginsWithShipped = (applied: ReadonlyArray<Migration>): boolean =>
  applied.length >= shipped.files.length && shipped.files.every(([name, checksum], i) => applied[i]?.name === name && applied[i]?.checksum === checksum)

const isShipped = (applied: ReadonlyArray<Migration>): boolean => applied.length === shipped.files.length && beginsWithShipped(applied)

/** The digest of what drift compares in the catalog `applied` build, when they are exactly the files the artifact was computed from. */
export const shippedDigestOf = (applied: ReadonlyArray<Migration>): string | undefined => (isShipped(applied) ? shipped.digest : undefined)

/** The expected catalog of `applied`, when they are exactly the files the artifact was computed from. */
export const shippedCatalogOf = (
  applied: ReadonlyArray<Migration>,
): Effect.Effect<{ readonly catalog: Catalog; readonly createdBy: ReadonlyMap<string, string> } | undefined> =>
  isShipped(applied) ? Effect.map(objects, (loaded) => ({ catalog: new Map(loaded.catalog), createdBy: new Map(loaded.createdBy) })) : Effect.succeed(undefined)

/**
 * The prepared embedded cluster with the artifact's files applied, as the replay runs them (`pnpm
 * --filter @aim/core pglite-cluster` writes it beside the empty one; embedded.test.ts checks that it
 * holds this artifact's catalog and what a real replay leaves in its tables and sequences).
 */
export const shippedClusterFile = "pglite-cluster-shipped.tar.gz"

/**
 * When `applied` begins with exactly the files the artifact was computed from (an operator's own files
 * on top of the shipped ones): which of them created each object, so a replay of `applied` takes no
 * snapshot until the operator's first file, and the prepared cluster that already holds them, so an
 * in-memory replay runs only the operator's files (the shipped files' replay was 1.1 s of 2.7 s).
 */
export const shippedPrefixOf = (applied: ReadonlyArray<Migration>): Effect.Effect<KnownPrefix | undefined> =>
  beginsWithShipped(applied)
    ? Effect.map(objects, (loaded) => ({ files: shipped.files.length, createdBy: new Map(loaded.createdBy), cluster: shippedClusterFile }))
    : Effect.succeed(undefined)
