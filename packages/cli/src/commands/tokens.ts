import { Command, Option } from 'commander'
import { localUser, tokensOf, type ApiToken, type TokenRole } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { formatTime, printJson, printTable } from '../output.js'
import { parseDuration } from './gc.js'

const ROLES: TokenRole[] = ['read', 'write', 'admin']

/** The token operations, through the server's API or straight on its database. */
interface TokenAdmin {
  create(user: string, role: TokenRole, opts: { description?: string; expiresAt?: number }): Promise<{ token: ApiToken; value: string }>
  list(includeRevoked: boolean): Promise<ApiToken[]>
  revoke(id: string): Promise<ApiToken>
  close(): Promise<void>
  /** The SQLite file opening the database made (create only): see OpenedTokenAdmin.createdFile. */
  createdFile?: string
}

export function tokensCommand(): Command {
  const cmd = new Command('tokens')
    .alias('token')
    .description('API tokens for a server started with --auth: create, list, revoke')
    .addHelpText('after', `
Roles: read (GETs and searches), write (also tracking, registry, datasets, gates, deploy and
rollback), admin (also tokens, webhooks and datastores). Only a token's SHA-256 is stored: its value
is printed once, by create. Through the API these commands need an admin token in
MLFLOW_TRACKING_TOKEN. With --backend-store-uri they work on the server's database directly, with
no server and no token: that is how the first admin token is made.

Examples:
  railyard tokens create --user alice --role admin --backend-store-uri sqlite:///srv/railyard/railyard.db
  export MLFLOW_TRACKING_TOKEN=<the printed token>
  railyard tokens create --user ci --role write --expires 90d --description "GitHub Actions"
  railyard tokens ls --json
  railyard tokens revoke <id>`)

  cmd
    .command('create')
    .description('Create a token and print it (only this once) on stdout')
    .requiredOption('--user <name>', 'the user the token authenticates as (audit log, Basic user name)')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES).makeOptionMandatory())
    .addOption(new Option('--expires <duration>', 'expire after this long (30d, 12h, 1w)').argParser(parseDuration))
    .option('--description <text>', 'what the token is for')
    .option('--json', 'print { token, value } as JSON')
    .addOption(storeOption())
    .addOption(trackingUriOption())
    .action(async (opts: { user: string; role: TokenRole; expires?: number; description?: string; json?: boolean; backendStoreUri?: string }, self: Command) => {
      const admin = await openAdmin(opts.backendStoreUri, self, true)
      try {
        if (admin.createdFile) {
          process.stderr.write(
            `There was no database at ${admin.createdFile}, so a new one was made. Start the server with the same --backend-store-uri, or the token will not work there.\n`,
          )
        }
        const created = await admin.create(opts.user, opts.role, {
          description: opts.description,
          expiresAt: opts.expires === undefined ? undefined : Date.now() + opts.expires,
        })
        if (opts.json) return printJson(created)
        const expiry = created.token.expires_at ? `, expires ${formatTime(created.token.expires_at)}` : ''
        process.stderr.write(`Created token ${created.token.id} for ${created.token.user} (${created.token.role}${expiry}). It is shown only this once:\n`)
        console.log(created.value)
      } finally {
        await admin.close()
      }
    })

  cmd
    .command('ls')
    .alias('list')
    .description('List tokens (never their values), oldest first')
    .option('--all', 'include revoked tokens')
    .option('--json', 'print a JSON array of tokens')
    .addOption(storeOption())
    .addOption(trackingUriOption())
    .action(async (opts: { all?: boolean; json?: boolean; backendStoreUri?: string }, self: Command) => {
      const admin = await openAdmin(opts.backendStoreUri, self)
      try {
        const tokens = await admin.list(!!opts.all)
        if (opts.json) return printJson(tokens)
        printTable(
          ['ID', 'USER', 'ROLE', 'CREATED', 'BY', 'LAST USED', 'EXPIRES', ...(opts.all ? ['REVOKED'] : []), 'DESCRIPTION'],
          tokens.map((t) => [
            t.id,
            t.user,
            t.role,
            formatTime(t.created_at),
            t.created_by,
            formatTime(t.last_used_at),
            formatTime(t.expires_at),
            ...(opts.all ? [formatTime(t.revoked_at)] : []),
            t.description ?? '',
          ]),
        )
      } finally {
        await admin.close()
      }
    })

  cmd
    .command('revoke')
    .description('Revoke a token: requests with it are refused from now on')
    .argument('<id>', 'token id (from tokens ls)')
    .addOption(storeOption())
    .addOption(trackingUriOption())
    .action(async (id: string, opts: { backendStoreUri?: string }, self: Command) => {
      const admin = await openAdmin(opts.backendStoreUri, self)
      try {
        const token = await admin.revoke(id)
        console.log(`Revoked token ${token.id} of ${token.user} (${token.role})`)
      } finally {
        await admin.close()
      }
    })
  return cmd
}

function storeOption(): Option {
  return new Option('--backend-store-uri <uri>', "work on the server's database directly (as `railyard server` takes it) instead of through the API")
}

async function openAdmin(backendStoreUri: string | undefined, self: Command, mayCreate = false): Promise<TokenAdmin> {
  if (backendStoreUri === undefined) {
    const tokens = tokensOf(clientFor(trackingUriOf(self)))
    return {
      create: (user, role, opts) => tokens.create(user, role, opts),
      list: (includeRevoked) => tokens.list({ includeRevoked }),
      revoke: (id) => tokens.revoke(id),
      close: async () => {},
    }
  }
  // The server's code is TypeScript source, loaded only here (as `railyard gc` does).
  if (!(globalThis as { __railyardTsx?: boolean }).__railyardTsx) (await import('tsx/esm/api')).register()
  const { openTokenAdmin } = await import('@railyard/server')
  // Only create may make a database (the first token, before the server's first start); ls and
  // revoke on a mistyped path are refused instead of leaving an empty database there.
  const opened = await openTokenAdmin(backendStoreUri, process.env, { mayCreate })
  const createdBy = `${localUser() ?? 'unknown'} (on the database)`
  return {
    create: async (user, role, opts) => opened.tokens.create({ user, role, description: opts.description, expires_at: opts.expiresAt }, createdBy),
    list: async (includeRevoked) => (await opened.tokens.list(includeRevoked)).tokens,
    revoke: async (id) => (await opened.tokens.revoke(id)).token,
    close: () => opened.close(),
    createdFile: opened.createdFile,
  }
}
