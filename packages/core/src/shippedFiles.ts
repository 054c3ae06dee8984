/**
 * The light entry of the core (`@aim/core/shipped`): which migration files this aim ships, and the
 * checksum aim gives a file. Nothing here loads Effect or a driver, so the CLI's entry can tell, before
 * the rest loads, whether a directory holds exactly the shipped files.
 */
export { checksumOf } from "./source/checksum.js"
export { shippedMigrations } from "./aim/shipped.js"
export { isMigrationCandidate } from "./source/candidates.js"
