import type { ShippedFilesShape } from "../source/ShippedFiles.js"

/**
 * The AIM migrations as this version of aim ships them (the guide's 15, then what the AIM backend's
 * current release needs) (file name → checksum). aim adopt runs a
 * file the deployed backend already applied only when it is one of these: they are idempotent and
 * converge a deployed database. Any other file the deployed backend applied (its own
 * 034_reset_admin_password.sql, say) is recorded without running it again. A test keeps this list
 * equal to migrations/.
 */
export const shippedMigrations: ReadonlyMap<string, string> = new Map([
  ["001_initial_schema.sql", "24cbcdf89a0f2f40117fb9b66b8f2c29a32e4f9127f47a75ee97ce4e990bf56f"],
  ["002_add_missing_user_columns.sql", "26626adaf894c70290cac021316e6b957c3c373986b07575308845631a57af6f"],
  ["003_add_missing_agent_columns.sql", "14df2c561be8571213e36932662c7af665c3c4b44e3e6dbbc7dd691931ec160c"],
  ["004_create_mcp_servers_table.sql", "fd6ea0420f2a50fed9d5793c86c0268e9e0d6b90f230c1e5f8cb50998cd676f4"],
  ["005_create_verification_events_table.sql", "cd0da46090d9f29246b222e7dd1d255ae6dde5001e0d478b655be237267514b6"],
  ["006_add_password_hash_column.sql", "a9c2364c9ae862cc5cec4d8241d416b2ee129ba11876bf9834c93322e7d26481"],
  ["007_create_system_config_table.sql", "8c14076a779acff0bb9c7f1173288402f80525c26ab1d08b5ee47c9145af21fd"],
  ["008_create_sdk_tokens_table.sql", "b57768ecdf93e0ca0b5d8dc630b7067db9dccd75eb24e1f05b43057d76825cb4"],
  ["009_create_security_policies_table.sql", "556b88a7e54f5a492dcf9e308ecc8b703096b2a7582916b5aa62f6e215fa8f3b"],
  ["010_create_analytics_tables.sql", "430e3144afa262258257fa860126e04f510f9d7b7729c8d0b57e7f00789c174a"],
  ["011_add_password_reset_fields.sql", "ad692876933d44f7351fe1889191d679c606eee347f9f81b328a061ae90eba2a"],
  ["012_create_user_registration_requests_table.sql", "5191adbb76b50ff46394844c584394d0ee6cf683d11582d0346af0bf10c7fb27"],
  ["013_create_default_admin_user.sql", "08a6ca867d106b49193b7922cde4925a183632bc4b3527cfd6c2a49ef31c8d85"],
  ["014_fix_alerts_schema.sql", "a3053bf58cc8b503bb29a79ddab8d27352cd0f52b28a9b2c7344b8369bcd213d"],
  ["015_add_default_security_policies.sql", "10e78d68f65363006583df29ef71eaf12d125451b001f365a654b1ea9ca7ce8f"],
  ["016_create_backend_metrics_tables.sql", "4c27c1eb0931a3c7c934d030d9ebf3f27006f550553d1de03b1fb1bd78be6f76"],
  ["017_create_backend_capability_tables.sql", "ee859f7367ba697a298f335df36c6b07d08c4ed7ea2b476bc090a0ca28046974"],
  ["018_create_backend_webhook_and_tag_tables.sql", "10544eaaa43aa47d9248aa942da10a225676ab6deec9904651673acd81a116d1"],
  ["019_create_backend_mcp_tables.sql", "8538ed93f81f89700ffa3067b1e32f1d392b8e2a871c141251c9ad4081594e5b"],
  ["020_align_columns_with_backend.sql", "81f7ee8bee3e05f505d4b6244c363dcb932c3ccbb1cbfb79b61fd77dca26e19d"],
  ["021_validate_audit_logs_user_fkey.sql", "9612b3f1e9d061429c840f854edebde39ffa7316b1935d5ace5d1a2dd244a79a"],
  ["022_converge_to_backend_schema.sql", "61276a5159a9496b466f86a08df5d3fbe6b215aa110b06edf425f9fee00bda80"],
  ["023_converge_audit_logs.sql", "fcd08b0b947c21a09477ee865b35e2db78e57ee0dd12f42518fc981f7974ffa4"],
  ["024_converge_audit_logs_user_fkey.sql", "69f0a55d8b200e87fb96950ebbe370fdbd042eff1c00ee85d3204da9814b7452"],
  ["025_validate_audit_logs_user_fkey.sql", "d01b94729c094aac1d6aee42ba341c87a0bb0050a1e685eb098cd3407e9c0dee"],
])

export const isShippedMigration = (name: string, checksum: string): boolean => shippedMigrations.get(name) === checksum

/**
 * Checksums the same files had in earlier releases of aim (0.1.0, 0.2.0). A database that applied one of
 * them is not refused as "changed": the file was revised by aim, it is idempotent, and running the
 * new version converges the database (its ledger row is then updated, method `revised`).
 */
export const earlierShippedChecksums: ReadonlyMap<string, ReadonlyArray<string>> = new Map([
  // Each file's checksums in aim 0.1.0 and 0.2.0, oldest first. 0.3.0 rewrote 001-020 from the backend's own
  // database (the contract); 022-025 converge a database those releases built.
  [
    "001_initial_schema.sql",
    [
      "dde4caf284e2e0f64ba4732967b93218e2396ceca77041c69cf46cac7aef2afd",
      "7b1d0a54b12a57ae63be06333a779ee23a1fc58b2418c39aaf30e423e5db0931",
      "e67f584673b81c7f113654adf1d37303cf74fac3c146f059fd2874cdaf613fb5",
    ],
  ],
  ["002_add_missing_user_columns.sql", ["829b5ce31d2dbf6e8d50dd830e0fb594dddccbb29f0ae8ba61b80d1779e14179"]],
  ["003_add_missing_agent_columns.sql", ["98656f13e41b3a02f63832290f88041407623591469a546a50d0321fe119e19e"]],
  ["004_create_mcp_servers_table.sql", ["f9ed5024a2f7ac924331c9fed21d05103d4ead9d652dbacd41fb3c0039505628"]],
  ["005_create_verification_events_table.sql", ["36c163cb2e248bbd0c1fe5ea4f2b659f1c1b80c3d23b05cd150f507578364bdb"]],
  ["006_add_password_hash_column.sql", ["1077776750144e5a649359b0e0e69c6bb3c9b16ee5d5f1f9ce8c850ca20840df"]],
  ["007_create_system_config_table.sql", ["a20e4819856e4423604bd66823d25a98b485328377d2f4c001e9c94f6d3b776c"]],
  ["008_create_sdk_tokens_table.sql", ["172d343ca6cf57fb9b8cae9afaaab466958cddff64e1682fcc45168a0554f60c"]],
  [
    "009_create_security_policies_table.sql",
    ["706ce54002cb152f4a337cc1e005901b14e95a77063175be4345d2733d3eb5a2", "80540181ea472a1620dbb4c1e7c725eb345827e72147fff50cd72d4dcddc9e06"],
  ],
  ["010_create_analytics_tables.sql", ["a3ce9eef6d21e6795fc94871fad50e2544cd1ead0712bde3b9d3b67063c0d200"]],
  ["011_add_password_reset_fields.sql", ["5a8bf90578ab23aa4e4b1b63f3725b65610b19baed92331adb0e67f106078069"]],
  [
    "012_create_user_registration_requests_table.sql",
    ["72384865363cdf80ff98da8d7a1c6dc87c58a4ce834089b2517d76761574e259", "302b7f8cf798e1840a29c34e2de4598c2d649cd78ab60b0884b01ea75c9b117a"],
  ],
  [
    "013_create_default_admin_user.sql",
    ["fbca8198228feacc404770c012d9fb858d7275bdd8e3b0e494c8eca7a50ea57c", "00b04e71d4e475d12f764abd1d37a86b060593af28fd2b7aaa7ace4193d38c3b"],
  ],
  ["014_fix_alerts_schema.sql", ["32f5b98b74614366ab58bf10951c22c9d0d190f85d9c09e938781f360d394197"]],
  ["015_add_default_security_policies.sql", ["bcdafaa6d559bb97d0d3f1c1dbc3948aafdabe71bbca983cfbbd274d0437eed4"]],
  ["016_create_backend_metrics_tables.sql", ["70abd728573103714817f4df1704640254af58267e52812e4a64945fe989878c"]],
  ["017_create_backend_capability_tables.sql", ["f4b7df92fedacc57b733c3574bad9a5398495acd39321c7ce8e1b0811007a3e8"]],
  ["018_create_backend_webhook_and_tag_tables.sql", ["1521e385858a323b4b79847df536f90f476a0e449e522dfdff0b308520f30484"]],
  ["019_create_backend_mcp_tables.sql", ["8ea7ba8904378c132d5837c0dc5fd5d6eee3c197a699a721d3832943194e408a"]],
  ["020_align_columns_with_backend.sql", ["a69b4df8a52af9d567956b354f5a75a639209136bc504a3b419f92a9e2f0ea8a"]],
])

/** True when `file` is aim's current shipped version and `applied` an earlier release of it. */
export const isRevisionOfShipped = (name: string, fileChecksum: string, appliedChecksum: string): boolean =>
  isShippedMigration(name, fileChecksum) && (earlierShippedChecksums.get(name) ?? []).includes(appliedChecksum)

/**
 * Files that write seed rows (the default admin, the default policies). aim adopt records them
 * without running them where the deployed backend applied them: running them again would bring back
 * an admin or a policy an operator deleted.
 */
export const seedMigrations: ReadonlySet<string> = new Set(["013_create_default_admin_user.sql", "015_add_default_security_policies.sql"])

/** AIM's files as the engine's rules need them (source/ShippedFiles.ts). */
export const aimShippedFiles: ShippedFilesShape = { checksums: shippedMigrations, isRevision: isRevisionOfShipped, seeds: seedMigrations }
