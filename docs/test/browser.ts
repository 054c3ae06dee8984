import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"

// Flags that keep a headless Chromium off the network this machine closes (and quiet about it).
const quiet = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

/**
 * A real Chromium with nothing installed by hand: CHROMIUM_PATH, else the system's (Debian's
 * /usr/bin/chromium), else the one that ships inside the @sparticuz/chromium npm package.
 */
export const launchChromium = async (): Promise<{ browser: Browser; source: string }> => {
  const system = process.env.CHROMIUM_PATH ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p))
  if (system !== undefined) return { browser: await chromium.launch({ executablePath: system, args: quiet }), source: system }
  const packaged = (await import("@sparticuz/chromium")).default
  const executablePath = await packaged.executablePath()
  return {
    browser: await chromium.launch({
      executablePath, // --single-process ends the whole browser when its first page closes; the tests open several.
      args: [...packaged.args.filter((a) => a !== "--single-process"), ...quiet],
      headless: true,
    }),
    source: `@sparticuz/chromium (${executablePath})`,
  }
}
