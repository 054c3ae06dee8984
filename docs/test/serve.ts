import { existsSync, readFileSync, statSync } from "node:fs"
import { type Server, createServer } from "node:http"
import { extname, join, normalize } from "node:path"

const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
}

/**
 * The built file a URL path is served from, with clean URLs (`/a/b` → `a/b.html`, `/a/` →
 * `a/index.html`), or undefined (a 404). The server and the link check share it.
 */
export const siteFile = (dist: string, pathname: string): string | undefined => {
  const path = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, "")
  const candidates = [join(dist, path), join(dist, `${path}.html`), join(dist, path, "index.html")]
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}

/** Serves the built site through siteFile, with real 404s. */
export const serveSite = (dist: string): Promise<{ url: string; server: Server }> =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      const file = siteFile(dist, new URL(req.url ?? "/", "http://x").pathname)
      if (file === undefined) {
        res.writeHead(404, { "content-type": "text/html" }).end(existsSync(join(dist, "404.html")) ? readFileSync(join(dist, "404.html")) : "not found")
        return
      }
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file))
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve({ url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`, server })
    })
  })
