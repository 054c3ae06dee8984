// The import boundaries of packages/*/src and apps/*/src, checked by dependency-cruiser with
// TypeScript's own module resolution (packages/core/test/boundaries.test.ts runs it, and proves each
// rule by breaking it; `pnpm boundaries` prints the same report). Two rules need the syntax tree, not
// the import graph, and live in that test: no `export *`, no import() of a computed path.

/**
 * The core's rooms, each with the rooms it may import: the graph as designed, written out, so a new
 * direction is a decision made here, not an accident a total order lets through. Each room is a
 * folder of packages/core/src: the error catalog (errors/) is data at the bottom that every room may
 * name an entry of; diagnosing an error (diagnose/) knows most rooms and sits high.
 */
export const rooms = {
  output: [],
  errors: [],
  // The SQL text and its parse tree: the splitter, libpg-query's parser, column types. Knows no room.
  sql: [],
  config: ["output", "errors"],
  database: ["config", "errors"],
  telemetry: ["config", "errors"],
  mail: ["config", "errors"],
  cache: ["config", "errors"],
  // The migration files: reading a directory, names, checksums, header checks, what a product ships.
  source: ["errors", "database", "sql"],
  // aim's ledger, the co-ledger interface (another runner's ledger, known only through it), and the
  // plan of a directory against them: a pure function of files and rows.
  ledger: ["errors", "database", "source"],
  // The AIM product: the backend runner's ledger as the co-ledger, its releases, AIM's shipped files.
  // The engine below (sql, source, ledger, migrator) never imports it; AimLive composes the two.
  aim: ["errors", "database", "source", "ledger"],
  migrator: ["config", "database", "telemetry", "errors", "sql", "source", "ledger"],
  authoring: ["config", "database", "migrator", "errors", "sql", "source"],
  plan: ["database", "migrator", "errors", "sql", "source"],
  diagnose: ["authoring", "cache", "errors", "config", "database", "plan", "mail", "migrator", "sql", "source", "ledger"],
  verify: ["errors", "config", "database", "migrator", "diagnose", "ledger", "aim"],
  health: ["cache", "errors", "database", "migrator", "diagnose", "verify", "source", "ledger", "aim"],
  drift: ["errors", "config", "database", "migrator", "verify", "source"],
  workload: ["errors", "config", "database", "drift", "plan", "sql", "source"],
  rollback: ["errors", "config", "database", "drift", "plan", "migrator", "source", "ledger", "aim"],
  doctor: ["cache", "errors", "config", "database", "mail", "output", "diagnose", "verify"],
  runtime: ["cache", "errors", "config", "database", "health", "mail", "migrator", "telemetry", "diagnose", "verify", "source", "aim"],
}

const core = "^packages/core/src/"
/** Where a room's modules are: its folder. */
const roomPath = (room) => `${core}${room}/`

/** The core's public entries: the package's `exports`, what the front ends may import. */
const entries = [`${core}index\\.ts$`, `${core}shippedFiles\\.ts$`, `${core}(drift|workload|doctor|authoring|rollback)/index\\.ts$`]
/** The test-only entry: for the apps' tests, never for their sources. */
const testingEntry = `${core}testing\\.ts$`

export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A circle of imports: no module of it can be understood, loaded or tested first.",
      from: {},
      to: { circular: true },
    },
    ...Object.entries(rooms).map(([room, allowed]) => ({
      name: `core-room-${room}`,
      severity: "error",
      comment: `${room} may import its own room and ${allowed.length === 0 ? "nothing else of the core" : allowed.join(", ")}; a new direction is added to .dependency-cruiser.mjs on purpose.`,
      from: { path: roomPath(room), pathNot: entries },
      // An entry is core-not-through-its-entries' to name.
      to: { path: core, pathNot: [roomPath(room), ...allowed.map(roomPath), ...entries, testingEntry] },
    })),
    {
      name: "core-not-through-its-entries",
      severity: "error",
      comment:
        "A module of the core imports the core's modules themselves, never an entry (index.ts, testing.ts, a room's index.ts, or @aim/core by name): through an entry it imports every room, its own above it included.",
      from: { path: core, pathNot: [...entries, testingEntry] },
      to: { path: [...entries, testingEntry] },
    },
    {
      name: "core-no-self-import-by-name",
      severity: "error",
      comment: "`@aim/core` inside the core is the whole package importing itself.",
      from: { path: core },
      to: { path: "^@aim/core" },
    },
    {
      name: "entries-only-from-the-apps",
      severity: "error",
      comment: "The apps use the core through its public entries (`@aim/core`, `@aim/core/drift`, …), never a module path inside it, nor the test-only entry.",
      from: { path: "^apps/[^/]+/src/" },
      to: { path: core, pathNot: entries },
    },
    {
      name: "apps-apart",
      severity: "error",
      comment: "The CLI and the health endpoint stand alone; the backend's start-up step serves the health endpoint (apps/backend → apps/health) and nothing else crosses.",
      from: { path: "^apps/(cli|health)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "backend-uses-health-only",
      severity: "error",
      from: { path: "^apps/backend/" },
      to: { path: "^apps/(?!backend/|health/)" },
    },
    {
      name: "packages-never-import-apps",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import the resolver cannot find is an import no check can place.",
      from: { path: "^(packages|apps)/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "default"], extensions: [".ts", ".js", ".mjs"] },
  },
}
