import { Duration, Effect } from "effect"
import type { Env } from "../config/env.js"
import { withoutUrlCredentials } from "../output/redact.js"
import { readTelemetrySettings } from "../config/TelemetryConfig.js"
import type { ParsedConfig } from "../config/AimConfig.js"
import type { ConfigProblem } from "../config/ConfigError.js"
import { describeDatabase } from "../config/DatabaseConfig.js"
import { invalidSettings } from "../config/ServicesConfig.js"
import { connectRedis, describeRedis } from "../cache/RedisCache.js"
import { Database } from "../database/Database.js"
import { databaseFor } from "../database/databases.js"
import { describeSmtp, makeMailer } from "../mail/Mailer.js"
import { type CatalogEntry, catalog } from "../errors/catalog.js"
import { type AimError, type Diagnosis, explain } from "../diagnose/diagnose.js"
import { type Check, type VerifyReport, summarise } from "../verify/VerifyReport.js"

export interface DoctorOptions {
  /** Bound on each check (default 8 s). */
  readonly timeout?: Duration.DurationInput
  /** Send the welcome and the approval email to this address. */
  readonly sendTestEmailTo?: string
  /** The environment, for the OTEL_* variables (the telemetry check). */
  readonly env?: Env
}

/** Where traces and metrics go, if anywhere: the OTEL_* variables as aim reads them; their problems go with the others. */
const telemetry = (env: Env): { readonly checks: ReadonlyArray<Check>; readonly problems: ReadonlyArray<ConfigProblem> } => {
  const problems: Array<ConfigProblem> = []
  const settings = readTelemetrySettings(env, "aim", problems)
  if (problems.length > 0) return { checks: [], problems }
  const detail =
    settings === undefined
      ? "off (OTEL_EXPORTER_OTLP_ENDPOINT is not set)"
      : `traces to ${withoutUrlCredentials(settings.tracesUrl)}, metrics to ${withoutUrlCredentials(settings.metricsUrl)} (${settings.protocol}, service ${settings.serviceName}, timeout ${settings.timeoutMs} ms)`
  return { checks: [{ id: "telemetry", group: "Telemetry", title: "OpenTelemetry export", status: "pass", detail }], problems }
}

/** A failed check: aim's own error by its tag, or what doctor itself found (a timeout, no answer) with its entry. */
const failure = (status: "warn" | "fail", id: string, group: string, title: string, error: AimError | Diagnosis): Check => {
  const { entry, message } = "entry" in error ? error : explain(error)
  return { id, group, title, status, detail: message, code: entry.code, fix: entry.fix }
}

/** A probe that did not answer within --timeout: said with its entry, not dressed up as a Node error to be sorted again. */
const timedOut = (what: string, entry: CatalogEntry): Diagnosis => ({ entry, message: `${what} did not answer in time` })

const configChecks = (problems: ReadonlyArray<ConfigProblem>): ReadonlyArray<Check> => {
  if (problems.length === 0) return [{ id: "config", group: "Config", title: "Environment variables are valid", status: "pass", detail: "no problem found" }]
  return problems.map((p, i) => {
    const entry = p.entry ?? catalog.configInvalid
    // Without a database nothing runs; with an invalid OTEL_* variable every command refuses to start.
    const database = /^(POSTGRES_|DATABASE_URL|OTEL_)/.test(p.variable)
    return {
      id: `config-${i + 1}`,
      group: "Config",
      title: `${p.variable}`,
      status: database ? "fail" : "warn",
      detail: `${p.problem} (fix: ${p.fix})`,
      code: entry.code,
      fix: p.fix,
    } satisfies Check
  })
}

interface ServerFacts {
  readonly version_num: number
  readonly version: string
  readonly ssl: boolean | null
  readonly ssl_version: string | null
  readonly can_create_schema: boolean
  readonly can_create_in_public: boolean
  readonly [key: string]: unknown
}

const postgresChecks = (parsed: ParsedConfig, timeout: Duration.DurationInput): Effect.Effect<ReadonlyArray<Check>> => {
  const settings = parsed.config?.database
  const group = "PostgreSQL"
  if (settings === undefined) {
    return Effect.succeed([
      {
        id: "postgres",
        group,
        title: "PostgreSQL reachable",
        status: "fail",
        detail: "not checked: the database configuration is invalid",
        code: catalog.configInvalid.code,
        fix: catalog.configInvalid.fix,
      },
    ])
  }
  const layer = databaseFor(settings, { connectTimeoutMs: Duration.toMillis(Duration.decode(timeout)) })
  return Effect.gen(function* () {
    const db = yield* Database
    const rows = yield* db.query<ServerFacts>(
      `SELECT current_setting('server_version_num')::int AS version_num, current_setting('server_version') AS version,
              (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl,
              (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl_version,
              has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
              has_schema_privilege('public', 'CREATE') AS can_create_in_public`,
    )
    const facts = rows[0]
    if (facts === undefined)
      return [
        failure("fail", "postgres", group, "PostgreSQL reachable", {
          entry: catalog.connectionLost,
          message: "the server returned no answer to the probe query",
        }),
      ]
    const checks: Array<Check> = [
      { id: "postgres", group, title: "PostgreSQL reachable and authenticated", status: "pass", detail: describeDatabase(settings) },
    ]
    if (settings._tag === "Server") {
      const sslOn = facts.ssl === true
      const required = settings.sslMode !== "disable" && settings.sslMode !== "prefer"
      // prefer and require encrypt but accept any certificate: whoever answers on the host's address
      // (a DNS or network attacker) receives the password. Only verify-full checks who the server is.
      const verified = settings.sslMode === "verify-full" || settings.sslMode === "verify-ca"
      checks.push(
        sslOn
          ? verified
            ? {
                id: "postgres-ssl",
                group,
                title: "SSL in effect",
                status: "pass",
                detail: `SSL on (${facts.ssl_version ?? "TLS"}), sslmode=${settings.sslMode}`,
              }
            : {
                id: "postgres-ssl",
                group,
                title: "SSL in effect",
                status: "warn",
                detail: `SSL on (${facts.ssl_version ?? "TLS"}), but sslmode=${settings.sslMode} accepts any certificate: a server impersonating this host would receive the password`,
                code: catalog.sslCertificate.code,
                fix: "Set POSTGRES_SSL_MODE=verify-full with POSTGRES_SSL_ROOT_CERT=system (a public CA, as on Azure) or the server's CA file",
              }
          : {
              id: "postgres-ssl",
              group,
              title: "SSL in effect",
              status: required ? "fail" : "warn",
              detail: `SSL off (sslmode=${settings.sslMode}): traffic and credentials are not encrypted`,
              code: catalog.sslRequired.code,
              fix: "Set POSTGRES_SSL_MODE=verify-full with POSTGRES_SSL_ROOT_CERT (system, or the server's CA file) for any server outside this machine",
            },
      )
    } else {
      checks.push({ id: "postgres-ssl", group, title: "SSL in effect", status: "pass", detail: "embedded database: no network" })
    }
    checks.push(
      facts.version_num >= 150000
        ? { id: "postgres-version", group, title: "Server version ≥ 15", status: "pass", detail: `PostgreSQL ${facts.version}` }
        : {
            id: "postgres-version",
            group,
            title: "Server version ≥ 15",
            status: "fail",
            detail: `PostgreSQL ${facts.version}`,
            code: catalog.serverTooOld.code,
            fix: catalog.serverTooOld.fix,
          },
      facts.can_create_schema && facts.can_create_in_public
        ? { id: "postgres-privileges", group, title: "Privileges to create tables", status: "pass", detail: "CREATE on the database and on schema public" }
        : {
            id: "postgres-privileges",
            group,
            title: "Privileges to create tables",
            status: "fail",
            detail: `missing: ${[facts.can_create_schema ? undefined : "CREATE on the database", facts.can_create_in_public ? undefined : "CREATE on schema public"].filter(Boolean).join(", ")}`,
            code: catalog.permissionDenied.code,
            fix: catalog.permissionDenied.fix,
          },
    )
    return checks
  }).pipe(
    Effect.provide(layer),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => timedOut("PostgreSQL", catalog.connectionTimeout) }),
    Effect.catchAll((error) => Effect.succeed([failure("fail", "postgres", group, "PostgreSQL reachable and authenticated", error)])),
  )
}

const redisChecks = (parsed: ParsedConfig, timeout: Duration.DurationInput): Effect.Effect<ReadonlyArray<Check>> => {
  const settings = parsed.services.redis
  const group = "Redis"
  const title = "Redis (optional)"
  const invalid = invalidSettings("REDIS", parsed.problems)
  if (invalid !== undefined) {
    return Effect.succeed([
      {
        id: "redis",
        group,
        title,
        status: "warn",
        detail: `not used, its settings are invalid (${invalid.problems}): no connection was attempted; the in-memory cache is used`,
        code: catalog.configInvalid.code,
        fix: invalid.fix,
      },
    ])
  }
  if (settings === undefined) return Effect.succeed([{ id: "redis", group, title, status: "pass", detail: "not configured: the in-memory cache is used" }])
  // doctor's --timeout bounds every check; REDIS_CONNECT_TIMEOUT bounds Redis's when it is shorter.
  return Effect.scoped(connectRedis(settings, { connectTimeoutMs: Math.min(settings.connectTimeoutMs, Duration.toMillis(Duration.decode(timeout))) })).pipe(
    Effect.map(
      (): ReadonlyArray<Check> => [
        { id: "redis", group, title, status: "pass", detail: `connected to ${describeRedis(settings)}${settings.tls ? " over TLS" : ""}` },
      ],
    ),
    Effect.catchAll((error) => {
      const check = failure("warn", "redis", group, title, error)
      return Effect.succeed([{ ...check, detail: `unavailable (optional): ${check.detail}` }])
    }),
  )
}

const smtpChecks = (parsed: ParsedConfig, options: DoctorOptions, timeout: Duration.DurationInput): Effect.Effect<ReadonlyArray<Check>> => {
  const config = parsed.services
  const group = "SMTP"
  // Asked to send test emails, SMTP that cannot send is the command's failure, not a warning.
  const severity = options.sendTestEmailTo === undefined ? "warn" : "fail"
  const invalid = invalidSettings("SMTP", parsed.problems)
  if (invalid !== undefined) {
    return Effect.succeed([
      {
        id: "smtp",
        group,
        title: "SMTP for email notifications",
        status: severity,
        detail: `not used, its settings are invalid (${invalid.problems}): no connection was attempted`,
        code: catalog.configInvalid.code,
        fix: invalid.fix,
      },
    ])
  }
  if (config.smtp === undefined) {
    return Effect.succeed([
      {
        id: "smtp",
        group,
        title: "SMTP for email notifications",
        status: severity,
        detail: "not configured: welcome and approval emails cannot be sent",
        code: catalog.emailNotConfigured.code,
        fix: catalog.emailNotConfigured.fix,
      },
    ])
  }
  const smtp = config.smtp
  const mailer = makeMailer(smtp, config.app, { timeoutMs: Duration.toMillis(Duration.decode(timeout)) })
  return Effect.gen(function* () {
    const result = yield* mailer.check
    const checks: Array<Check> = [
      {
        id: "smtp",
        group,
        title: "SMTP reachable, TLS and authentication",
        status: "pass",
        detail: `${result.target}: ${result.tls}${result.authenticated ? ", authentication accepted" : ", no authentication configured"}`,
      },
    ]
    if (config.app.frontendUrl === undefined) {
      checks.push({
        id: "frontend-url",
        group,
        title: "FRONTEND_URL set for email links",
        status: "warn",
        detail: "emails will link to http://localhost:3000",
        code: catalog.emailNotConfigured.code,
        fix: "Set FRONTEND_URL to the public URL of the AIM frontend",
      })
    }
    if (options.sendTestEmailTo !== undefined) {
      const to = options.sendTestEmailTo
      yield* mailer.sendWelcome(to, "AIM test")
      yield* mailer.sendApproval(to, "AIM test")
      checks.push({ id: "smtp-send", group, title: "Test emails sent", status: "pass", detail: `welcome and approval emails sent to ${to}` })
    }
    return checks as ReadonlyArray<Check>
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.sum(Duration.decode(timeout), Duration.seconds(2)),
      onTimeout: () => timedOut(`SMTP ${describeSmtp(smtp)}`, catalog.smtpUnreachable),
    }),
    Effect.catchAll((error) => Effect.succeed([failure(severity, "smtp", group, "SMTP reachable, TLS and authentication", error)])),
  )
}

/**
 * The environment end to end: configuration, PostgreSQL (reachable, auth, SSL, version, privileges),
 * Redis and SMTP. Redis and SMTP problems are warnings: the guide makes Redis optional.
 */
export const runDoctor = (parsed: ParsedConfig, options: DoctorOptions = {}): Effect.Effect<VerifyReport> =>
  Effect.gen(function* () {
    const timeout = options.timeout ?? "8 seconds"
    const [postgres, redis, smtp] = yield* Effect.all([postgresChecks(parsed, timeout), redisChecks(parsed, timeout), smtpChecks(parsed, options, timeout)], {
      concurrency: "unbounded",
    })
    const target = parsed.config === undefined ? "unconfigured" : describeDatabase(parsed.config.database)
    const otel = options.env === undefined ? { checks: [], problems: [] } : telemetry(options.env)
    return summarise(target, [...configChecks([...parsed.problems, ...otel.problems]), ...postgres, ...redis, ...smtp, ...otel.checks])
  })
