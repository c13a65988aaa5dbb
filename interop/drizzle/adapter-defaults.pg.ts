// The adapter's own default tables, for gen-ddl.sh's consistency check only.
import { defineTables } from "../node_modules/@auth/drizzle-adapter/lib/pg.js"
export const { usersTable, accountsTable, sessionsTable, verificationTokensTable, authenticatorsTable } = defineTables()
