import { Context } from "effect"

/**
 * The files a product ships with the engine, as far as the engine's rules depend on them: a shipped
 * file that fails, unchanged, is the database's problem rather than the file's; a shipped file whose
 * applied checksum is an earlier release's is a revision that runs again, not an edit to refuse; a
 * ledger row of a shipped file without its file is a deletion, never a newer release's; and a file
 * that writes seed rows is recorded, not run, when adopting a database that already ran it. The
 * engine alone ships nothing (`nothingShipped`); AIM's files are in `aim/shipped.ts`.
 */
export interface ShippedFilesShape {
  /** File name → checksum of each file as this release ships it. */
  readonly checksums: ReadonlyMap<string, string>
  /** Is `appliedChecksum` an earlier release's version of the shipped file `name` (now `fileChecksum`)? */
  readonly isRevision: (name: string, fileChecksum: string, appliedChecksum: string) => boolean
  /** Files that write seed rows (recorded, never run again, where another runner applied them). */
  readonly seeds: ReadonlySet<string>
}

export class ShippedFiles extends Context.Tag("@aim/core/ShippedFiles")<ShippedFiles, ShippedFilesShape>() {}

export const nothingShipped: ShippedFilesShape = { checksums: new Map(), isRevision: () => false, seeds: new Set() }

/** Is this file one of the shipped files, unchanged? */
export const isShipped = (shipped: ShippedFilesShape, name: string, checksum: string): boolean => shipped.checksums.get(name) === checksum
