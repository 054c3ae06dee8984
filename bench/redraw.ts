/** `pnpm --filter @aim/bench redraw`: redraws scaling.svg from results/latest.json without re-measuring. */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { scalingChart } from "./chart.js"
import type { ReplicaRow } from "./replicas.js"
import type { ScaleRow } from "./scale.js"

const dir = join(import.meta.dirname, "results")
const results = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as { scale: Array<ScaleRow>; replicas: Array<ReplicaRow> }
writeFileSync(join(dir, "scaling.svg"), scalingChart(results.scale, results.replicas))
