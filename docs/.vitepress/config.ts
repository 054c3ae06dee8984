import { defineConfig } from "vitepress"
import generated from "./sidebar.json" with { type: "json" }

export default defineConfig({
  title: "aim-migrate",
  description: "Deploy, check and repair the PostgreSQL database of the Agent Identity Management (AIM) platform",
  cleanUrls: true,
  lastUpdated: false,
  themeConfig: {
    nav: [
      { text: "Guide", link: "/guide/fresh-deployment" },
      { text: "CLI", link: "/reference/cli" },
      { text: "Migrations", link: "/reference/migrations" },
      { text: "Troubleshooting", link: "/troubleshooting/" },
    ],
    sidebar: [
      {
        text: "Guide",
        items: [
          { text: "Fresh deployment", link: "/guide/fresh-deployment" },
          { text: "Environment", link: "/guide/environment" },
          { text: "Running migrations", link: "/guide/migrating" },
          { text: "Verification", link: "/guide/verification" },
          { text: "Production deployment", link: "/guide/production" },
          { text: "Deploy: Docker Compose", link: "/guide/deploy-docker-compose" },
          { text: "Deploy: Kubernetes", link: "/guide/deploy-kubernetes" },
          { text: "Deploy: Azure Container Apps", link: "/guide/deploy-azure" },
          { text: "Locks and drift (plan, drift)", link: "/guide/plan-and-drift" },
          { text: "Rolling back (rollback)", link: "/guide/rollback" },
          { text: "Running the AIM backend on an aim database", link: "/guide/backend" },
          { text: "Adding migrations", link: "/guide/adding-migrations" },
          { text: "AI agents (MCP)", link: "/guide/mcp" },
          { text: "Security", link: "/guide/security" },
          { text: "Traces and metrics", link: "/guide/telemetry" },
          { text: "Architecture", link: "/guide/architecture" },
        ],
      },
      {
        text: "Reference",
        items: [
          { text: "CLI", link: "/reference/cli" },
          { text: "Migrations", link: "/reference/migrations" },
          { text: "The AIM schema", link: "/reference/schema" },
          { text: "Benchmarks", link: "/benchmarks" },
          { text: "Mutation testing", link: "/reference/mutation-testing" },
        ],
      },
      { text: "Troubleshooting", link: "/troubleshooting/", collapsed: true, items: generated.troubleshooting },
    ],
    search: { provider: "local" },
  },
})
