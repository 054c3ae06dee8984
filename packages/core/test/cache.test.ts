import { type RedisServer, makeCertificates, startRedis } from "@aim/testkit"
import { Effect, Layer, Logger, Option } from "effect"
import { describe, expect, it } from "vitest"
import { ServicesConfig } from "../src/config/AimConfig.js"
import { Cache } from "../src/cache/Cache.js"
import { CacheLive } from "../src/runtime/CacheLive.js"
import { RedisCacheLive } from "../src/cache/RedisCache.js"
import { diagnose } from "../src/diagnose/diagnose.js"

const withCache = <A>(env: Record<string, string>, f: (cache: Cache["Type"]) => Effect.Effect<A>, connectTimeoutMs = 1000, commandTimeoutMs = 300) => {
  const logs: Array<string> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ message }) => logs.push(String(message))),
  )
  const layer = CacheLive({ connectTimeoutMs, commandTimeoutMs }).pipe(Layer.provide(ServicesConfig.fromEnv({ env })))
  return Effect.runPromise(Effect.flatMap(Cache, f).pipe(Effect.provide(layer), Effect.provide(logger))).then((result) => ({ result, logs }))
}

/** The troubleshooting code of a plain, password-less Redis connection to `port` (which must fail). */
const plainConnectionCode = async (port: number) => {
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(Cache, (c) => c.status).pipe(
      Effect.provide(RedisCacheLive({ host: "127.0.0.1", port, db: 0, tls: false, password: undefined, connectTimeoutMs: 1000 })),
      Effect.flip,
    ),
  )
  if (exit._tag !== "Success") throw new Error("expected a RedisError")
  return diagnose(exit.value).entry.code
}

describe("cache with Redis fallback", () => {
  it("uses Redis when configured and reachable (the local server)", async () => {
    const { result } = await withCache({ REDIS_HOST: "127.0.0.1", REDIS_PORT: "6379" }, (cache) =>
      Effect.gen(function* () {
        yield* cache.set("aim:test:key", "value-1", "5 seconds")
        return { value: yield* cache.get("aim:test:key"), backend: yield* cache.backend, status: yield* cache.status }
      }),
    )
    expect(result).toEqual({ value: Option.some("value-1"), backend: "redis", status: "connected" })
  })

  it("not configured: in-memory, no warning", async () => {
    const { result, logs } = await withCache({}, (cache) => Effect.all({ backend: cache.backend, status: cache.status }))
    expect(result).toEqual({ backend: "memory", status: "not configured" })
    expect(logs).toEqual([])
  })

  it("REDIS_PORT=63a9: no connection anywhere (not even the default port), one coded warning, status unavailable", async () => {
    // A Redis does answer on 6379 here: an invalid port must not fall back to it.
    const { result, logs } = await withCache({ REDIS_HOST: "127.0.0.1", REDIS_PORT: "63a9" }, (cache) =>
      Effect.all({ backend: cache.backend, status: cache.status }),
    )
    expect(result).toEqual({ backend: "memory", status: "unavailable (optional)" })
    expect(logs).toEqual([expect.stringMatching(/^Redis settings are invalid \(REDIS_PORT: "63a9" is not a port number\): Redis is not used/)])
  })

  it("REDIS_TLS=true against a plain Redis is AIM-REDIS-003 (no TLS handshake), not 'start Redis', within the connect timeout", async () => {
    const t0 = Date.now()
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(Cache, (c) => c.status).pipe(
        Effect.provide(RedisCacheLive({ host: "127.0.0.1", port: 6379, db: 0, tls: true, password: undefined, connectTimeoutMs: 1000 })),
        Effect.flip,
      ),
    )
    if (exit._tag !== "Success") throw new Error("expected a RedisError")
    expect(Date.now() - t0).toBeLessThan(4000)
    expect(exit.value.message).toMatch(/no TLS handshake from rediss:\/\/127\.0\.0\.1:6379/)
    expect(diagnose(exit.value).entry.code).toBe("AIM-REDIS-003")
  })

  it("configured but stopped: in-memory with one warning line, within the connect timeout", async () => {
    const server = await startRedis()
    await server.stop()
    const t0 = Date.now()
    const { result, logs } = await withCache({ REDIS_HOST: "127.0.0.1", REDIS_PORT: String(server.port) }, (cache) =>
      Effect.gen(function* () {
        yield* cache.set("k", "v", "5 seconds")
        return { value: yield* cache.get("k"), status: yield* cache.status }
      }),
    )
    expect(Date.now() - t0).toBeLessThan(4000)
    expect(result).toEqual({ value: Option.some("v"), status: "unavailable (optional)" })
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/Redis unavailable \(optional\)/)
  })

  it("a wrong password is a Redis auth error (AIM-REDIS-002) and never leaks the password", async () => {
    const server = await startRedis({ password: "right-redis-pw" })
    try {
      expect(await plainConnectionCode(server.port)).toBe("AIM-REDIS-002")
      const { result } = await withCache(
        { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(server.port), REDIS_PASSWORD: "wrong-redis-pw" },
        (cache) => cache.status,
      )
      expect(result).toBe("unavailable (optional)")
    } finally {
      await server.stop()
    }
  })

  it("Redis dying after start-up degrades to memory instead of failing the caller", async () => {
    const server: RedisServer = await startRedis()
    const { result } = await withCache({ REDIS_HOST: "127.0.0.1", REDIS_PORT: String(server.port) }, (cache) =>
      Effect.gen(function* () {
        const before = yield* cache.backend
        yield* Effect.promise(() => server.stop())
        yield* cache.set("after", "still-works", "5 seconds")
        return { before, value: yield* cache.get("after"), after: yield* cache.backend, status: yield* cache.status }
      }),
    )
    expect(result).toEqual({ before: "redis", value: Option.some("still-works"), after: "memory", status: "unavailable (optional)" })
  })

  it("Redis over TLS (as Azure on 6380): connected with REDIS_TLS and the CA; a plain connection to it is AIM-REDIS-003", async () => {
    const certs = makeCertificates()
    const server = await startRedis({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } })
    try {
      // A TLS handshake on a busy 2-core machine can take a while: a generous connect timeout here.
      const tls = await withCache(
        { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(server.port), REDIS_TLS: "true", REDIS_TLS_CA_FILE: certs.caFile },
        (cache) =>
          Effect.gen(function* () {
            yield* cache.set("over-tls", "yes", "5 seconds")
            return { status: yield* cache.status, backend: yield* cache.backend, value: yield* cache.get("over-tls") }
          }),
        5000,
        3000,
      )
      expect(tls.logs).toEqual([])
      expect(tls.result).toEqual({ status: "connected", backend: "redis", value: Option.some("yes") })
      expect(await plainConnectionCode(server.port)).toBe("AIM-REDIS-003")
    } finally {
      await server.stop()
    }
  })
})
