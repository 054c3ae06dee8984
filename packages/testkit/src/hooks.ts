import { afterAll, afterEach, beforeAll } from "vitest"
import { type TestDatabase, createTestDatabase, testPostgresUrl } from "./postgres.js"

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

/** A fresh database per call inside a test; every one is dropped after that test. */
export const useFreshDatabases = (prefix: string): (() => Promise<TestDatabase>) => {
  const created: Array<TestDatabase> = []
  afterEach(async () => {
    await Promise.all(created.splice(0).map((db) => db.drop()))
  })
  return async () => {
    const db = await createTestDatabase(testPostgresUrl(), prefix)
    created.push(db)
    return db
  }
}
