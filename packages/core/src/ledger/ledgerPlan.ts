import { type AppliedMigration, type Migration, versionLabel } from "../source/Migration.js"
import type { ShippedFilesShape } from "../source/ShippedFiles.js"

export type RefusalKind = "changed" | "missing" | "out-of-order" | "not-adopted" | "not-approved" | "foreign-ledger"

/** A reason the migrator will apply nothing until a person acts. */
export interface Refusal {
  readonly kind: RefusalKind
  readonly version: number
  readonly name: string
  readonly detail: string
}

export interface PendingMigration {
  readonly version: number
  readonly name: string
  readonly checksum: string
  readonly transactional: boolean
  readonly reason: string
  /** Applied before in an earlier release's version; runs again and its ledger row is updated. */
  readonly revision?: true
}

export interface AppliedEntry extends AppliedMigration {
  /** `ok`, or how the file on disk disagrees with what was applied. */
  readonly state: "ok" | "changed" | "missing" | "revised"
}

/**
 * What the applied files give the other runner, as a plan reports it: the newest of its releases
 * they provide every file of, and what its ledger lacks or holds beyond them.
 */
export interface CoLedgerServing {
  /** The newest release of the other runner served; `none` while none is. */
  readonly release: string
  /** Provided by an applied file but not recorded in the co-ledger (a run records them). */
  readonly unrecorded: ReadonlyArray<string>
  /** Recorded by the other runner but of no release the co-ledger knows (a newer release). */
  readonly unknown: ReadonlyArray<string>
  /** The co-ledger's rows as read, sorted (undefined: there is none), for the checks that follow the read. */
  readonly recorded: ReadonlyArray<string> | undefined
}

/** The files against the engine's ledger alone. */
export interface FilesPlan {
  readonly applied: ReadonlyArray<AppliedEntry>
  readonly pending: ReadonlyArray<PendingMigration>
  readonly refusals: ReadonlyArray<Refusal>
  /**
   * Of `refusals`, the rows a newer release applied (aheadOfFiles): not this release's to refuse. The
   * migrator, the verification and the health report all read it here, decided once with the files.
   */
  readonly ahead: ReadonlyArray<Refusal>
}

export interface Plan extends FilesPlan {
  /** What the applied files give the runner whose ledger is the co-ledger, and what it still lacks. */
  readonly coLedger: CoLedgerServing
}

/** A plan's `coLedger` where there is no other runner. */
export const servingNone: CoLedgerServing = { release: "none", unrecorded: [], unknown: [], recorded: undefined }

const short = (checksum: string) => checksum.slice(0, 12)

/**
 * The refusals for ledger rows newer than every file this release has: a newer release applied them
 * (a rolling update in progress, or this replica is the old one). Replicas of this release still have
 * every file of theirs applied and keep serving; a file missing inside their own range is drift.
 */
const aheadOfFiles = (plan: Omit<FilesPlan, "ahead">, shipped: ShippedFilesShape): ReadonlyArray<Refusal> => {
  const known = [...plan.applied.filter((a) => a.state !== "missing").map((a) => a.version), ...plan.pending.map((p) => p.version)]
  const newest = known.reduce((max, v) => Math.max(max, v), Number.NEGATIVE_INFINITY)
  // A file this release ships is never another release's: its row without its file is a deletion.
  return plan.refusals.filter((r) => r.kind === "missing" && r.version > newest && !shipped.checksums.has(r.name))
}

/** Compares the ledger with the files: one pass over each, by version (no quadratic step). */
export const computePlan = (migrations: ReadonlyArray<Migration>, ledger: ReadonlyArray<AppliedMigration>, shipped: ShippedFilesShape): FilesPlan => {
  const files = new Map(migrations.map((m) => [m.version, m]))
  const recorded = new Map(ledger.map((row) => [row.version, row]))
  const refusals: Array<Refusal> = []
  const applied: Array<AppliedEntry> = []
  const revised: Array<PendingMigration> = []
  let newestApplied = Number.NEGATIVE_INFINITY
  for (const row of ledger) {
    newestApplied = Math.max(newestApplied, row.version)
    const file = files.get(row.version)
    if (file === undefined) {
      applied.push({ ...row, state: "missing" })
      refusals.push({
        kind: "missing",
        version: row.version,
        name: row.name,
        detail: `${row.name} was applied on ${row.appliedAt} but its file is gone from the migrations directory`,
      })
    } else if (file.name === row.name && file.checksum !== row.checksum && shipped.isRevision(file.name, file.checksum, row.checksum)) {
      applied.push({ ...row, state: "revised" })
      revised.push({
        version: file.version,
        name: file.name,
        checksum: file.checksum,
        transactional: file.transactional,
        reason: `revised by aim since it was applied (checksum ${short(row.checksum)}, an earlier release): runs again to converge`,
        revision: true,
      })
    } else if (file.checksum !== row.checksum || file.name !== row.name) {
      applied.push({ ...row, state: "changed" })
      refusals.push({
        kind: "changed",
        version: row.version,
        name: file.name,
        detail:
          file.name !== row.name
            ? `${file.name} has version ${row.version}, which was applied as ${row.name}`
            : `${file.name} changed after it was applied (checksum ${short(file.checksum)}, applied ${short(row.checksum)})`,
      })
    } else applied.push({ ...row, state: "ok" })
  }
  const pending: Array<PendingMigration> = [...revised]
  for (const file of migrations) {
    if (recorded.has(file.version)) continue
    if (file.version < newestApplied) {
      refusals.push({
        kind: "out-of-order",
        version: file.version,
        name: file.name,
        detail: `${file.name} is pending but numbered below ${versionLabel(newestApplied)}, which is already applied (a new file: renumber it after ${versionLabel(newestApplied)}; a file applied before whose ledger row was deleted: aim baseline ${file.version} records it once its objects are found, aim adopt runs it again when they are gone)`,
      })
    }
    pending.push({
      version: file.version,
      name: file.name,
      checksum: file.checksum,
      transactional: file.transactional,
      reason: "not recorded in the ledger",
    })
  }
  // Revisions of aim's own files run in version order with the new files.
  pending.sort((a, b) => a.version - b.version)
  return { applied, pending, refusals, ahead: aheadOfFiles({ applied, pending, refusals }, shipped) }
}
