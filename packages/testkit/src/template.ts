import { createTestDatabase, testPostgresUrl } from "./postgres.js"

/**
 * A database migrated once per test run, that tests copy instead of migrating the shipped files into
 * each of their own databases. A package's global setup builds it with its own migrator
 * (`migratedTemplate`), so the copies hold exactly what that code writes; workers find its name in
 * the environment.
 */
const templateVariable = "AIM_TEST_MIGRATED_TEMPLATE"

/** For a package's global setup: builds the template with `migrate(url)` and drops it at the end of the run. */
export const migratedTemplate = async (serverUrl: string, migrate: (url: string) => Promise<void>): Promise<() => Promise<void>> => {
  const template = await createTestDatabase(serverUrl, "aim_template")
  try {
    await migrate(template.url)
  } catch (error) {
    await template.drop()
    throw error
  }
  process.env[templateVariable] = template.name
  return () => template.drop()
}

/** The migrated template's name (inside a test worker). */
export const migratedTemplateName = (): string => {
  const name = process.env[templateVariable]
  if (name === undefined) throw new Error(`${templateVariable} is not set: the package's global setup builds the migrated template`)
  return name
}

/** A database holding the shipped files as migrated, of its own; drop it after. */
export const createMigratedDatabase = (prefix: string) => createTestDatabase(testPostgresUrl(), prefix, migratedTemplateName())
