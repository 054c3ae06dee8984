import { Layer } from "effect"
import { CoLedger } from "../ledger/CoLedger.js"
import { ShippedFiles } from "../source/ShippedFiles.js"
import { aimCoLedger } from "./backendLedger.js"
import { aimShippedFiles } from "./shipped.js"

/**
 * What the AIM product adds to the migration engine: the backend runner's ledger as the co-ledger,
 * and AIM's shipped files. AimLive composes it with the engine; the engine runs without it.
 */
export const AimProductLive: Layer.Layer<CoLedger | ShippedFiles> = Layer.merge(
  Layer.succeed(CoLedger, aimCoLedger),
  Layer.succeed(ShippedFiles, aimShippedFiles),
)
