import { afterAll, afterEach, beforeAll } from "vitest"
import { type TestDatabase, createTestDatabase, testPostgresUrl } from "./postgres.js"
import { createMigratedDatabase } from "./template.js"

/** One database for the whole test file: created before its tests, dropped after them. */
export const useTestDatabase = (prefix: string): (() => TestDatabase) => {
  let db: TestDatabase | undefined
  beforeAll(async () => {
    db = await createTestDatabase(testPostgresUrl(), prefix)
  })
  afterAll(async () => {
    await db?.drop()
  })
  return () => {
    if (db === undefined) throw new Error("useTestDatabase: the database exists only inside tests")
    return db
  }
}

/** Databases made by `create`, any number per test; every one is dropped after that test. */
const useDatabases = (create: () => Promise<TestDatabase>): (() => Promise<TestDatabase>) => {
  const created: Array<TestDatabase> = []
  afterEach(async () => {
    await Promise.all(created.splice(0).map((db) => db.drop()))
  })
  return async () => {
    const db = await create()
    created.push(db)
    return db
  }
}

/** A fresh database per call inside a test; every one is dropped after that test. */
export const useFreshDatabases = (prefix: string): (() => Promise<TestDatabase>) => useDatabases(() => createTestDatabase(testPostgresUrl(), prefix))

/** Like useFreshDatabases, but each database already holds the shipped files as migrated (a copy of the run's template). */
export const useMigratedDatabases = (prefix: string): (() => Promise<TestDatabase>) => useDatabases(() => createMigratedDatabase(prefix))
