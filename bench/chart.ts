import type { ReplicaRow } from "./replicas.js"
import type { ScaleRow } from "./scale.js"

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;")

/** Two bar panels as a standalone SVG: per-migration cost by count, and boot wall time by replicas. */
export const scalingChart = (scale: ReadonlyArray<ScaleRow>, replicas: ReadonlyArray<ReplicaRow>): string => {
  const width = 760
  const height = 300
  const panel = (
    x0: number,
    title: string,
    bars: ReadonlyArray<{ label: string; values: ReadonlyArray<{ v: number; color: string }> }>,
    unit: string,
    legend: ReadonlyArray<[string, string]>,
  ) => {
    const max = Math.max(...bars.flatMap((b) => b.values.map((v) => v.v)), 0.001)
    const plotH = 165
    const base = 240
    const groupW = 300 / Math.max(bars.length, 1)
    const parts = [`<text x="${x0 + 170}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`]
    parts.push(`<line x1="${x0 + 20}" y1="${base}" x2="${x0 + 330}" y2="${base}" stroke="#999"/>`)
    bars.forEach((bar, i) => {
      const gx = x0 + 30 + i * groupW
      const bw = (groupW - 20) / bar.values.length
      bar.values.forEach((value, j) => {
        const h = (value.v / max) * plotH
        const x = gx + j * bw
        parts.push(`<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${value.color}"/>`)
        parts.push(
          `<text x="${(x + bw / 2 - 2).toFixed(1)}" y="${(base - h - 4).toFixed(1)}" text-anchor="middle" font-size="10">${value.v < 10 ? value.v.toFixed(2) : Math.round(value.v)}</text>`,
        )
      })
      parts.push(`<text x="${(gx + (groupW - 20) / 2).toFixed(1)}" y="${base + 16}" text-anchor="middle" font-size="12">${esc(bar.label)}</text>`)
    })
    parts.push(`<text x="${x0 + 170}" y="${base + 36}" text-anchor="middle" font-size="11" fill="#555">${esc(unit)}</text>`)
    legend.forEach(([name, color], i) => {
      parts.push(
        `<rect x="${x0 + 30 + i * 150}" y="40" width="10" height="10" fill="${color}"/><text x="${x0 + 44 + i * 150}" y="49" font-size="11">${esc(name)}</text>`,
      )
    })
    return parts.join("\n")
  }
  const left = panel(
    0,
    "Cost per migration (ms)",
    scale.map((r) => ({
      label: `${r.n.toLocaleString("en")}`,
      values: [
        { v: r.perMigrationMs, color: "#3366cc" },
        { v: r.floorMs / r.n, color: "#aaaaaa" },
      ],
    })),
    "migrations applied (fresh)",
    [
      ["aim in-process", "#3366cc"],
      ["psql floor", "#aaaaaa"],
    ],
  )
  const right = panel(
    380,
    "Replicas booting at once (ms to all ready)",
    replicas.map((r) => ({ label: `${r.replicas}`, values: [{ v: r.wallMs, color: "#dc7633" }] })),
    "replicas on a fresh database",
    [["wall time", "#dc7633"]],
  )
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${left}\n${right}\n</svg>\n`
}
