import type { Server } from "node:http"
import { resolve } from "node:path"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium } from "./browser.js"
import { serveSite } from "./serve.js"

// What only a browser shows: the diagram decoded, the search box, the client-side router. What every
// page holds and where every link goes is read from the built files (built.test.ts).
describe("the docs site in a real browser (system or npm-packaged Chromium via playwright-core)", () => {
  let browser: Browser
  let server: Server
  let base: string
  beforeAll(async () => {
    const site = await serveSite(resolve(import.meta.dirname, "../.vitepress/dist"))
    server = site.server
    base = site.url
    browser = (await launchChromium()).browser
  })
  afterAll(async () => {
    await browser?.close()
    server?.close()
  })

  it("renders the AIM schema page with its ER diagram and a section per table", async () => {
    const page = await browser.newPage()
    const response = await page.goto(`${base}/reference/schema`)
    expect(response?.status()).toBe(200)
    const image = page.locator('img[alt="ER diagram of the AIM schema"]')
    await image.waitFor()
    // The SVG loaded and has a size: the browser decoded it.
    expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 400 && img.naturalHeight > 100)).toBe(true)
    const headings = await page.locator("main h2").allTextContents()
    for (const table of ["organizations", "users", "trust_scores", "webhooks", "mcp_attestations"]) expect(headings.join(" ")).toContain(table)
    expect(headings.length).toBeGreaterThan(39)
    await page.close()
  })

  it("finds a troubleshooting page through the search box", async () => {
    const page = await browser.newPage()
    await page.goto(`${base}/`)
    await page.locator(".VPNavBarSearch button").first().click()
    const input = page.locator("input.search-input, #localsearch-input").first()
    await input.fill("password authentication failed")
    const hit = page.locator(".result", { hasText: "AIM-DB-004" }).first()
    await hit.waitFor({ timeout: 10_000 })
    await hit.click()
    await page.waitForURL(/\/troubleshooting\/password-authentication-failed/)
    // The router changes the URL before it renders the page: wait for the heading, then check it.
    await page.locator("h1", { hasText: "AIM-DB-004" }).first().waitFor({ timeout: 10_000 })
    expect(await page.locator("h1").first().textContent()).toContain("AIM-DB-004")
    await page.close()
  })
})
