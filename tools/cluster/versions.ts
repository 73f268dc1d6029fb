// What the production topology runs, in one place: `npm run cluster` builds and starts exactly these,
// docker-compose.yml names the same (test/compose.test.ts keeps the two in step).
//
// The Temporal server is the one the CLI's dev server embeds (`temporal --version`: Server 1.32.0,
// UI 2.54.1), so that the tests on the dev server and the cluster tier run the same server. It builds
// with the machine's Go 1.26; 1.32.2 would ask for a newer Go (docs/decisions/).
export const TEMPORAL_SERVER_VERSION = '1.32.0';
export const TEMPORAL_UI_VERSION = '2.54.1';
/** Debian's PostgreSQL on the machines, and the compose file's image. */
export const POSTGRES_MAJOR = 15;

/** The Go packages built from their modules (go install …@version): the server and its SQL schema tool. */
export const SERVER_PACKAGES = {
  'temporal-server': `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
  'temporal-sql-tool': `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
} as const;
export const UI_PACKAGE = `github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`;

/** How long a closed case's history stays in the cluster's namespace (the audit export keeps it longer). */
export const NAMESPACE_RETENTION_DAYS = 30;

/** The server configuration kept in the repository (rendered by the server from CLUSTER_* variables). */
export const SERVER_CONFIG = 'cluster/temporal.yaml';
