import { catalogEntries } from "@aim/core"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { siteFile } from "./serve.js"

const dist = resolve(import.meta.dirname, "../.vitepress/dist")

const htmlFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? htmlFiles(join(dir, entry.name)) : entry.name.endsWith(".html") ? [join(dir, entry.name)] : [],
  )

/** The text a browser shows for a piece of HTML: tags dropped, the entities VitePress writes decoded. */
const text = (html: string) =>
  html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")

/**
 * The pages as built, read from the files the server serves: what every page holds and where every
 * link goes does not need a browser (the browser test keeps what only a browser shows: the rendered
 * diagram, the search box, the client-side router).
 */
describe("the built docs site", () => {
  const pages = htmlFiles(dist).filter((file) => !file.endsWith("404.html"))

  it("has one page per troubleshooting entry, showing its code, cause and fix", () => {
    for (const entry of catalogEntries) {
      const file = siteFile(dist, `/troubleshooting/${entry.slug}`)
      expect(file, entry.slug).toBeDefined()
      const html = readFileSync(file ?? "", "utf8")
      expect(text(html.match(/<h1[^>]*>([\s\S]*?)<\/h1>/)?.[1] ?? ""), entry.slug).toContain(entry.code)
      const main = text(html.slice(html.indexOf("<main")))
      expect(main, entry.slug).toContain(entry.fix.replace(/`/g, "").slice(0, 30))
    }
  })

  it("every internal link of every page resolves to a built file (no 404)", () => {
    const broken: Array<string> = []
    for (const file of pages) {
      const page = `/${relative(dist, file)
        .replace(/\.html$/, "")
        .replace(/(^|\/)index$/, "$1")}`
      for (const [, href] of readFileSync(file, "utf8").matchAll(/<a [^>]*href="([^"]*)"/g)) {
        if (href === undefined || href.startsWith("#") || /^[a-z]+:/.test(href)) continue
        const target = new URL(href.replace(/&amp;/g, "&"), `http://site${page}`).pathname
        if (siteFile(dist, target) === undefined) broken.push(`${page} → ${href}`)
      }
    }
    expect(broken).toEqual([])
    expect(pages.length).toBeGreaterThan(catalogEntries.length + 8)
  })
})
