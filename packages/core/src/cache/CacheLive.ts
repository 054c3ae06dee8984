import { Effect, Layer } from "effect"
import { AimConfig } from "../config/AimConfig.js"
import type { Cache } from "./Cache.js"
import { MemoryCacheLive } from "./MemoryCache.js"
import { type RedisOptions, RedisCacheLive, describeRedis } from "./RedisCache.js"

/**
 * Chosen once at start-up: Redis when configured and reachable; otherwise the in-memory cache, with
 * one warning line when Redis was configured but did not answer (the guide: Redis is optional).
 */
export const CacheLive = (options: RedisOptions = {}): Layer.Layer<Cache, never, AimConfig> =>
  Layer.unwrapEffect(
    Effect.map(AimConfig, (config) => {
      const redis = config.redis
      if (redis === undefined) return MemoryCacheLive("not configured")
      return RedisCacheLive(redis, options).pipe(
        Layer.catchAll((error) =>
          Layer.effectDiscard(Effect.logWarning(`Redis unavailable (optional) at ${describeRedis(redis)}: ${error.message}; using the in-memory cache`)).pipe(
            Layer.provideMerge(MemoryCacheLive("unavailable (optional)")),
          ),
        ),
      )
    }),
  )
