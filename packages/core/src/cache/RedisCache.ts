import { Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import type { Redis } from "ioredis"
import { readFileSync } from "node:fs"
import type { RedisSettings } from "../config/ServicesConfig.js"
import { Cache, type CacheShape, RedisError } from "./Cache.js"
import { makeMemoryCache } from "./MemoryCache.js"

export const describeRedis = (settings: RedisSettings): string => `redis${settings.tls ? "s" : ""}://${settings.host}:${settings.port}/${settings.db}`

const toRedisError = (cause: unknown, target: string): RedisError => {
  const e = typeof cause === "object" && cause !== null ? (cause as { message?: unknown; code?: unknown }) : {}
  const message = typeof e.message === "string" ? e.message : String(cause)
  const code = typeof e.code === "string" ? e.code : /^(WRONGPASS|NOAUTH)/.exec(message)?.[1]
  // ioredis reports a refused password in the server's words (WRONGPASS, NOAUTH) and a TLS failure in Node's.
  const failure =
    /^(WRONGPASS|NOAUTH)/.test(code ?? "") || /WRONGPASS|NOAUTH|invalid password/i.test(message)
      ? "auth"
      : /ECONNRESET|EPROTO|TLS|SSL|Connection is closed/i.test(`${code ?? ""} ${message}`)
        ? "tls"
        : "unavailable"
  return new RedisError({ message, code, target, failure })
}

export interface RedisOptions {
  readonly connectTimeoutMs?: number
  /** Bound on each command after start-up; past it the in-memory cache answers. */
  readonly commandTimeoutMs?: number
}

/**
 * Connects once at start-up with a bounded timeout and no reconnect loop; fails with RedisError if
 * Redis does not answer. Once connected, reconnects in the background with backoff.
 */
export const connectRedis = (settings: RedisSettings, options: RedisOptions = {}): Effect.Effect<Redis, RedisError, Scope.Scope> => {
  const target = describeRedis(settings)
  let started = false
  return Effect.acquireRelease(
    // Interruptible, so SIGTERM ends a start that waits on Redis at once; an interrupted attempt
    // disconnects its own client (the signal), since release only runs for a completed acquire.
    Effect.interruptible(
      Effect.tryPromise({
        try: async (signal) => {
          // ioredis loads only when Redis is configured.
          const { Redis } = await import("ioredis")
          const client = new Redis({
            host: settings.host,
            port: settings.port,
            db: settings.db,
            ...(settings.password === undefined ? {} : { password: Redacted.value(settings.password) }),
            ...(settings.tls
              ? { tls: { servername: settings.host, ...(settings.caFile === undefined ? {} : { ca: readFileSync(settings.caFile, "utf8") }) } }
              : {}),
            lazyConnect: true,
            connectTimeout: options.connectTimeoutMs ?? settings.connectTimeoutMs,
            maxRetriesPerRequest: 1,
            enableOfflineQueue: false,
            // disconnect() half-closes and waits this long for the server to close before destroying the
            // socket (ioredis: 2 s); a server that never answers would hold every exit that long.
            disconnectTimeout: 200,
            // No endless reconnect loop at start-up; after it, back off up to 5 s.
            retryStrategy: (times) => (started ? Math.min(times * 200, 5000) : null),
          })
          let lastError: unknown
          client.on("error", (error) => {
            lastError = error
          })
          signal.addEventListener("abort", () => client.disconnect(), { once: true })
          // The bound is kept here, not by an Effect timeout around it: acquireRelease runs its acquire
          // uninterruptibly, so a server that accepts and never answers (connect resolves, PING never
          // does) held doctor and the backend's start forever. The timer disconnects and rejects.
          const limitMs = options.connectTimeoutMs ?? settings.connectTimeoutMs
          let timer: NodeJS.Timeout | undefined
          const timedOut = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(Object.assign(new Error("timed out connecting"), { code: "ETIMEDOUT" })), limitMs)
          })
          try {
            await Promise.race([
              (async () => {
                await client.connect()
                await client.ping()
              })(),
              timedOut,
            ])
          } catch (error) {
            client.disconnect()
            throw (error as { code?: string }).code === "ETIMEDOUT" ? error : (lastError ?? error)
          } finally {
            clearTimeout(timer)
          }
          started = true
          return client
        },
        catch: (cause) => tlsMismatch(settings, toRedisError(cause, target)),
      }),
    ),
    (client) => Effect.sync(() => client.disconnect()),
  )
}

/**
 * A TLS client talking to a plain Redis gets no handshake back (a timeout or a closed connection),
 * which would otherwise read as "Redis is down": name the likely cause instead.
 */
const tlsMismatch = (settings: RedisSettings, error: RedisError): RedisError =>
  settings.tls && /ETIMEDOUT|ECONNRESET|closed|timed out/i.test(`${error.code ?? ""} ${error.message}`)
    ? new RedisError({
        message: `no TLS handshake from ${error.target} (${error.message}): TLS is on (REDIS_TLS, port 6380 or rediss://) but the server may be a plain Redis`,
        code: "TLS_NO_HANDSHAKE",
        target: error.target,
        failure: "tls",
      })
    : error

/** Redis with the in-memory cache behind it: any command error after start-up is answered from memory. */
export const makeRedisCache = (client: Redis, options: RedisOptions = {}): CacheShape => {
  const memory = makeMemoryCache("unavailable (optional)")
  const timeout = Duration.millis(options.commandTimeoutMs ?? 500)
  let degraded = false
  const fallback =
    <A>(onMemory: Effect.Effect<A>) =>
    (error: unknown) =>
      Effect.gen(function* () {
        if (!degraded) {
          degraded = true
          yield* Effect.logWarning(`Redis unavailable (optional): using the in-memory cache (${error instanceof Error ? error.message : String(error)})`)
        }
        return yield* onMemory
      })
  const run = <A>(command: () => Promise<A>) =>
    Effect.tryPromise(command).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error("Redis command timed out") }),
      Effect.tap(() =>
        Effect.sync(() => {
          degraded = false
        }),
      ),
    )
  return {
    backend: Effect.sync(() => (client.status === "ready" && !degraded ? "redis" : "memory")),
    status: Effect.sync(() => (client.status === "ready" && !degraded ? "connected" : "unavailable (optional)")),
    get: (key) => run(() => client.get(key)).pipe(Effect.map(Option.fromNullable), Effect.catchAll(fallback(memory.get(key)))),
    set: (key, value, ttl) =>
      memory
        .set(key, value, ttl)
        .pipe(
          Effect.andThen(run(() => client.set(key, value, "PX", Math.max(1, Duration.toMillis(Duration.decode(ttl)))))),
          Effect.asVoid,
          Effect.catchAll(fallback(Effect.void)),
        ),
  }
}

export const RedisCacheLive = (settings: RedisSettings, options: RedisOptions = {}): Layer.Layer<Cache, RedisError> =>
  Layer.scoped(
    Cache,
    Effect.map(connectRedis(settings, options), (client) => makeRedisCache(client, options)),
  )
