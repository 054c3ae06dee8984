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

/** The service the health endpoint's liveness names, as the deployed AIM backend's `/health` does. */
export const aimService = { service: "aim-backend", version: "0.3.0" } as const
