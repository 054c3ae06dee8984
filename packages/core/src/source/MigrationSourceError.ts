import { Data } from "effect"

export interface SourceProblem {
  readonly file: string
  readonly problem: string
}

/** The migrations directory holds files the migrator will not run; each one is named. */
export class MigrationSourceError extends Data.TaggedError("MigrationSourceError")<{
  readonly directory: string
  readonly problems: ReadonlyArray<SourceProblem>
}> {
  override get message(): string {
    return this.problems.map((p) => `${p.file}: ${p.problem}`).join("; ")
  }
}

export class MigrationsDirectoryMissing extends Data.TaggedError("MigrationsDirectoryMissing")<{
  readonly directory: string
  /** The path exists but is a file, not a directory. */
  readonly isFile?: boolean
}> {
  override get message(): string {
    return this.isFile === true ? `migrations directory ${this.directory} is a file, not a directory` : `migrations directory ${this.directory} does not exist`
  }
}
