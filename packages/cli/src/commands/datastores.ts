import path from 'node:path'
import { Command, InvalidArgumentError, Option } from 'commander'
import { DATASTORE_KINDS, type Datastore } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { UsageError } from '../cli-errors.js'
import { formatTime, printJson, printSection, printTable } from '../output.js'

interface AddOptions {
  kind: string
  root?: string
  bucket?: string
  account?: string
  container?: string
  prefix?: string
  region?: string
  endpoint?: string
  pathStyle?: boolean
  credentialEnv: Record<string, string>
  storeSecret: Record<string, string>
  secretsFile?: string
  description?: string
  verify: boolean
  json?: boolean
}

export function datastoresCommand(): Command {
  const cmd = new Command('datastores')
    .alias('datastore')
    .description('Register the places data lives (a folder, an S3 bucket, an Azure Blob container)')
    .addHelpText('after', `
Datasets select files in a datastore; the data stays where it is. Credentials are never sent back by
the server: name the environment variables of the server that hold them (--credential-env), a JSON
secrets file on the server (--secrets-file), or have the server store them encrypted (--store-secret
reads the value from this shell's environment, so it never appears on a command line).

Examples:
  railyard datastores add tweets-raw --kind local --root /data/tweets
  railyard datastores add lake --kind s3 --bucket ml-data --prefix raw/ --region eu-west-1 \\
      --credential-env access_key_id=LAKE_KEY_ID --credential-env secret_access_key=LAKE_SECRET
  railyard datastores add minio --kind s3 --bucket data --endpoint http://127.0.0.1:9000 --path-style \\
      --store-secret access_key_id=MINIO_USER --store-secret secret_access_key=MINIO_PASSWORD
  railyard datastores add blobs --kind azure-blob --account acme --container datasets \\
      --credential-env connection_string=AZURE_STORAGE_CONNECTION_STRING
  railyard datastores ls --json`)

  cmd
    .command('add')
    .alias('create')
    .description('Register a datastore; the server lists it once first, so a wrong endpoint, credential or bucket fails here')
    .argument('<name>', 'datastore name')
    .addOption(new Option('--kind <kind>', 'where the data lives').choices(DATASTORE_KINDS).makeOptionMandatory())
    .option('--root <dir>', 'local: the folder, on the server\'s machine (made absolute against the current folder)')
    .option('--bucket <bucket>', 's3: the bucket')
    .option('--account <account>', 'azure-blob: the storage account')
    .option('--container <container>', 'azure-blob: the container')
    .option('--prefix <prefix>', 's3, azure-blob: only keys below this prefix')
    .option('--region <region>', 's3: the region')
    .option('--endpoint <url>', 's3: any S3-compatible endpoint (http(s)://host:port); azure-blob: the blob service URL')
    .option('--path-style', 's3: path-style addressing (most non-AWS servers need it)')
    .option('--credential-env <field=VAR>', 'a credential field read from the server\'s environment variable VAR; repeat for more', collectPair, {})
    .option('--store-secret <field=VAR>', 'a credential field stored encrypted by the server, its value read from this shell\'s $VAR; repeat for more', collectPair, {})
    .option('--secrets-file <path>', 'a JSON file on the server holding the credential fields')
    .option('--description <text>', 'what this datastore holds')
    .option('--no-verify', 'register without listing the datastore first')
    .option('--json', 'print the datastore as JSON')
    .addOption(trackingUriOption())
    .action(async (name: string, opts: AddOptions, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const datastore = await client.datasets.createDatastore({
        name,
        kind: opts.kind,
        config: {
          root: opts.root === undefined ? undefined : path.resolve(opts.root),
          bucket: opts.bucket,
          account: opts.account,
          container: opts.container,
          prefix: opts.prefix,
          region: opts.region,
          endpoint: opts.endpoint,
          path_style: opts.pathStyle,
        },
        credentials: credentialsOf(opts),
        description: opts.description,
        verify: opts.verify,
      })
      if (opts.json) return printJson(datastore)
      console.log(`Added datastore ${datastore.name} (${datastore.kind}) at ${datastore.uri}`)
    })

  cmd
    .command('ls')
    .alias('list')
    .description('List datastores by name')
    .option('--json', 'print a JSON array of datastores')
    .addOption(trackingUriOption())
    .action(async (opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const all: Datastore[] = []
      for await (const d of client.datasets.allDatastores()) all.push(d)
      if (opts.json) return printJson(all)
      printTable(
        ['NAME', 'KIND', 'LOCATION', 'CREDENTIALS', 'CREATED'],
        all.map((d) => [d.name, d.kind, d.uri, d.credentials.type, formatTime(d.creation_timestamp)]),
        '(no datastores)',
      )
    })

  cmd
    .command('show')
    .description('Show a datastore: location, where its credentials come from (never their values)')
    .argument('<name>', 'datastore name')
    .option('--json', 'print the datastore as JSON')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const d = await clientFor(trackingUriOf(self)).datasets.getDatastore(name)
      if (opts.json) return printJson(d)
      const creds = d.credentials
      const from =
        creds.type === 'env' ? `environment: ${Object.entries(creds.env ?? {}).map(([f, v]) => `${f}=$${v}`).join(', ')}`
        : creds.type === 'secrets_file' ? `secrets file ${creds.secrets_file}`
        : creds.type === 'encrypted' ? `stored encrypted: ${(creds.fields ?? []).join(', ')}`
        : 'none (the default chain of the server)'
      printSection(`Datastore ${d.name}`, [
        ['kind', d.kind],
        ['location', d.uri],
        ['credentials', from],
        ['created', `${formatTime(d.creation_timestamp)}${d.created_by ? ` by ${d.created_by}` : ''}`],
        ...(d.description ? [['description', d.description] as [string, string]] : []),
      ])
    })

  cmd
    .command('rm')
    .alias('delete')
    .description('Remove a datastore (refused while datasets use it); its data is not touched')
    .argument('<name>', 'datastore name')
    .addOption(trackingUriOption())
    .action(async (name: string, _opts, self: Command) => {
      await clientFor(trackingUriOf(self)).datasets.deleteDatastore(name)
      console.log(`Removed datastore ${name}`)
    })

  return cmd
}

function credentialsOf(opts: AddOptions) {
  const given = [Object.keys(opts.credentialEnv).length > 0, Object.keys(opts.storeSecret).length > 0, opts.secretsFile !== undefined]
  if (given.filter(Boolean).length > 1) throw new UsageError('give credentials one way: --credential-env, --store-secret or --secrets-file')
  if (given[0]) return { env: opts.credentialEnv }
  if (given[2]) return { secrets_file: path.resolve(opts.secretsFile!) }
  if (!given[1]) return undefined
  const secret: Record<string, string> = {}
  for (const [field, variable] of Object.entries(opts.storeSecret)) {
    const value = process.env[variable]
    if (value === undefined) throw new UsageError(`--store-secret ${field}=${variable}: $${variable} is not set in this shell`)
    secret[field] = value
  }
  return { secret }
}

function collectPair(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=')
  if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError('expected FIELD=VARIABLE')
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) }
}
