import { Data } from "effect"
import type { CatalogEntry } from "../errors/catalog.js"

/** One thing wrong with the environment, with the variable it concerns and how to fix it. */
export interface ConfigProblem {
  readonly variable: string
  readonly problem: string
  readonly fix: string
  /** Its troubleshooting entry, where it has one of its own (Azure's SSL rule); otherwise AIM-CFG-001. */
  readonly entry?: CatalogEntry
}

/** Every configuration problem found, reported together rather than one at a time. */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly problems: ReadonlyArray<ConfigProblem>
}> {
  override get message(): string {
    const names = [...new Set(this.problems.map((p) => p.variable))]
    return `${this.problems.length} configuration problem${this.problems.length === 1 ? "" : "s"} (${names.join(", ")})`
  }
}
