import { catalog, catalogEntries, diagnose, entryDocument, findEntry } from "@aim/core"
import { z } from "zod"
import { type McpContext, answerable } from "../context.js"

/** explain_error: a troubleshooting entry by code or by a pasted message. */
export const registerExplain = ({ server, ok, refuse, checked }: McpContext) => {
  server.registerTool(
    "explain_error",
    {
      title: "Explain an error",
      description: "A troubleshooting entry by code (e.g. AIM-DB-004) or by a pasted error message.",
      inputSchema: answerable({ code: z.string().optional(), message: z.string().optional() }),
      outputSchema: z.object({ code: z.string(), title: z.string(), cause: z.string(), fix: z.string(), docs: z.string() }).passthrough(),
      annotations: { readOnlyHint: true },
    },
    checked(async ({ code, message }) => {
      const entry = code !== undefined ? findEntry(code) : message !== undefined ? diagnose(message).entry : undefined
      if (entry === undefined) {
        return refuse(
          // The argument is echoed only in a code's own shape: an agent may paste anything here (a
          // password=… line, a bearer token), and a refusal must not hand it back.
          code === undefined
            ? "give a code or a message"
            : /^AIM-[A-Z]{2,5}-[0-9]{3}$/.test(code)
              ? `unknown code ${code}`
              : "unknown code (not in the AIM-AREA-NNN form)",
          `Known codes: ${catalogEntries.map((e) => e.code).join(", ")}`,
          catalog.unknownCode.code,
        )
      }
      return ok(`${entry.code} ${entry.title}. Cause: ${entry.cause} Fix: ${entry.fix}`, entryDocument(entry))
    }),
  )
}
