// StrykerJS over one target of targets.json at a time (run.mjs sets AIM_MUTATION_TARGET and
// AIM_MUTATION_TESTS). In place: the tests find the repository's migrations/ and the test kit by
// paths relative to the package, which a sandbox copy would break; Stryker restores the file after.
const target = process.env.AIM_MUTATION_TARGET
if (target === undefined) throw new Error("run through mutation/run.mjs (pnpm mutation), which names the target")
const name = target.replace(/^src\//, "").replace(/\.ts$/, "").replaceAll("/", "-")

export default {
  testRunner: "vitest",
  plugins: [import.meta.resolve("@stryker-mutator/vitest-runner").replace(/^file:\/\//, "")],
  vitest: { configFile: "mutation/vitest.config.ts", related: false },
  mutate: [target],
  inPlace: true,
  coverageAnalysis: "perTest",
  concurrency: Number(process.env.AIM_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  incremental: process.env.AIM_MUTATION_FRESH !== "1",
  incrementalFile: `.stryker-tmp/incremental-${name}.json`,
  reporters: ["json", "progress"],
  jsonReporter: { fileName: `.stryker-tmp/report-${name}.json` },
  tempDirName: ".stryker-tmp",
  cleanTempDir: false,
  thresholds: { high: 90, low: 80, break: null },
}
