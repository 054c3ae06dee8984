/**
 * `@aim/core/testing`: the test-only entry, for the apps' tests (never their sources, which the
 * boundary check holds to the public entries). What a test of a front end needs that no front end
 * does: the advisory-lock keys aim takes, so a test can hold the migration lock as another deploy
 * would. The core's own tests import its modules directly.
 */
export { lockKeys } from "./migrator/MigrationLock.js"
