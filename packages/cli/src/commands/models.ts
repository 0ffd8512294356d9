import { Command, InvalidArgumentError } from 'commander'
import { deliveryOf, registryOf, type ModelRegistryClient, type ModelVersion } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { CliError, UsageError } from '../cli-errors.js'
import { printJson } from '../output.js'
import { positiveInt } from './options.js'
import { takeAtMost } from './take-at-most.js'
import { printAudit, printComparison, printLineage, printModel, printModelsTable, printVersionsTable } from './model-views.js'
import { registerModel } from './model-register.js'

export function modelsCommand(): Command {
  const cmd = new Command('models')
    .alias('model')
    .description('The model registry: list models and versions, register, set aliases, trace lineage, compare, audit')
    .addHelpText('after', `
A VERSION argument is a version number, \`latest\`, or an alias (\`production\` or \`@production\`).

Examples:
  railyard models ls
  railyard models register runs:/3f2c9a…/model --name tweets-sentiment
  railyard models register ./model --name tweets-sentiment --experiment tweets
  railyard models alias tweets-sentiment production 3 --reason "beats v2 on val macro recall"
  railyard models lineage tweets-sentiment production
  railyard models compare tweets-sentiment 2 3
  railyard models audit tweets-sentiment --json | jq '.[] | select(.action == "alias.set")'`)

  cmd
    .command('ls')
    .alias('list')
    .description('List registered models with their newest version and aliases')
    .option('--filter <expr>', "MLflow filter, e.g. \"name LIKE 'tweets%'\"")
    .option('--max <n>', 'show at most this many', positiveInt, 1000)
    .option('--json', 'print a JSON array of registered models (MLflow wire format)')
    .addOption(trackingUriOption())
    .action(async (opts, self: Command) => {
      const registry = registryFor(self)
      const models = await takeAtMost(registry.searchAllModels({ filter: opts.filter, pageSize: Math.min(opts.max, 1000) }), opts.max)
      if (opts.json) return printJson(models)
      printModelsTable(models)
    })

  cmd
    .command('show')
    .description('Show a registered model: description, tags, aliases and its versions')
    .argument('<name>', 'registered model name')
    .option('--json', 'print {registered_model, model_versions}')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const registry = registryFor(self)
      const model = await registry.getModel(name)
      const versions = await allVersions(registry, name)
      if (opts.json) return printJson({ registered_model: model, model_versions: versions })
      printModel(model, versions)
    })

  cmd
    .command('versions')
    .description('List the versions of a model, newest first')
    .argument('<name>', 'registered model name')
    .option('--max <n>', 'show at most this many', positiveInt, 1000)
    .option('--json', 'print a JSON array of model versions (MLflow wire format)')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const registry = registryFor(self)
      await registry.getModel(name) // an unknown model is an error, not an empty list
      const versions = (await allVersions(registry, name)).slice(0, opts.max)
      if (opts.json) return printJson(versions)
      printVersionsTable(versions)
    })

  cmd
    .command('register')
    .description('Register a model as a new version: a runs:/ or models:/ URI, a run artifact location, or a local model directory')
    .argument('<source>', 'runs:/RUN_ID/path, models:/NAME/VERSION, mlflow-artifacts:/…, or a directory with an MLmodel')
    .requiredOption('-n, --name <name>', 'registered model name (created if missing)')
    .option('--description <text>', 'description of the new version')
    .option('--tag <key=value>', 'a tag of the new version; repeat for more', collectTag, {})
    .option('--run-id <id>', 'the run that logged the files (for mlflow-artifacts: sources)')
    .option('-e, --experiment <name|id>', 'local directory: the experiment of the run it is logged to (default: Default)')
    .option('--flavor <flavor>', 'local directory without an MLmodel: write one for this flavor (railyard_js, onnx)')
    .option('--reason <text>', 'why, for the audit log')
    .option('--no-wait', 'return at once instead of waiting until the version is READY')
    .option('--json', 'print the new model version (MLflow wire format)')
    .addOption(trackingUriOption())
    .action(async (source: string, opts, self: Command) => {
      const client = clientFor(trackingUriOf(self))
      const mv = await registerModel(client, source, {
        name: opts.name,
        description: opts.description,
        tags: opts.tag,
        runId: opts.runId,
        experiment: opts.experiment,
        flavor: opts.flavor,
        reason: opts.reason,
        wait: opts.wait,
      })
      if (mv.status === 'READY') await warnWithoutMLmodel(registryOf(client), mv)
      if (opts.json) return printJson(mv)
      console.log(`Registered ${mv.name} version ${mv.version} (${mv.status}) from ${mv.source}`)
    })

  cmd
    .command('alias')
    .description('Point an alias at a version, delete it (--delete), or show where it points')
    .argument('<name>', 'registered model name')
    .argument('<alias>', 'alias, e.g. production, staging, champion')
    .argument('[version]', 'version to point it at (omit to show where it points)')
    .option('--delete', 'remove the alias')
    .option('--reason <text>', 'why, for the audit log')
    .option('--force', 'move or delete an alias that `railyard deploy` manages, without a gate (needs --reason)')
    .option('--json', 'print {name, alias, version, previous_version}')
    .addOption(trackingUriOption())
    .addHelpText('after', `
An alias that has been deployed (\`railyard deploy\` or \`rollback\` moved it) is moved by those
commands, which check the gate; this command refuses to move or delete it without --force and a
--reason. MLflow clients' set-alias calls are not refused: the audit log records them.`)
    .action(async (name: string, alias: string, version: string | undefined, opts, self: Command) => {
      if (opts.delete && version !== undefined) throw new UsageError('give a version or --delete, not both')
      if (opts.force && !opts.reason) throw new UsageError('--force needs --reason "…": it is kept in the audit log')
      const registry = registryFor(self)
      const previous = (await registry.getModel(name)).aliases?.find((a) => a.alias === alias)?.version
      if ((opts.delete || version !== undefined) && !opts.force) await refuseDeployedAlias(self, name, alias, opts.delete ? undefined : version)
      if (opts.delete) {
        if (previous === undefined) throw new CliError(`${name} has no alias '${alias}'; nothing was deleted`)
        await registry.deleteAlias(name, alias, opts.reason)
        if (opts.json) return printJson({ name, alias, previous_version: previous })
        return console.log(`Deleted alias ${name}@${alias}${previous ? ` (was version ${previous})` : ''}`)
      }
      if (version === undefined) {
        const mv = await registry.getVersionByAlias(name, alias)
        if (opts.json) return printJson({ name, alias, version: mv.version })
        return console.log(mv.version)
      }
      const target = await versionOf(registry, name, version)
      await registry.setAlias(name, alias, target, opts.reason)
      if (opts.json) return printJson({ name, alias, version: target, previous_version: previous })
      const from = previous === undefined ? '(new)' : previous === target ? `${previous} (unchanged)` : previous
      console.log(`${name}@${alias}: ${from} → ${target}`)
    })

  cmd
    .command('lineage')
    .description('Trace a version to its run, code commit, params, metrics at registration and dataset versions')
    .argument('<name>', 'registered model name')
    .argument('<version>', 'version number, latest, or alias')
    .option('--json', 'print the lineage (Railyard wire format)')
    .addOption(trackingUriOption())
    .action(async (name: string, version: string, opts, self: Command) => {
      const registry = registryFor(self)
      const lineage = await registry.lineage(name, await versionOf(registry, name, version))
      if (opts.json) return printJson(lineage)
      printLineage(lineage)
    })

  cmd
    .command('compare')
    .description('Compare two versions: metrics with deltas (b − a), params, datasets, code and files')
    .argument('<name>', 'registered model name')
    .argument('<a>', 'the base version (number, latest, or alias)')
    .argument('<b>', 'the candidate version (number, latest, or alias)')
    .option('--json', 'print the comparison (Railyard wire format)')
    .addOption(trackingUriOption())
    .action(async (name: string, a: string, b: string, opts, self: Command) => {
      const registry = registryFor(self)
      const [va, vb] = await Promise.all([versionOf(registry, name, a), versionOf(registry, name, b)])
      const comparison = await registry.compare(name, va, vb)
      if (opts.json) return printJson(comparison)
      printComparison(comparison)
    })

  cmd
    .command('audit')
    .description('Show the audit log of a model, oldest first: alias moves, stage changes, deletions, descriptions')
    .argument('<name>', 'registered model name')
    .option('--max <n>', 'show at most the newest n entries', positiveInt)
    .option('--json', 'print a JSON array of audit entries')
    .addOption(trackingUriOption())
    .action(async (name: string, opts, self: Command) => {
      const registry = registryFor(self)
      const entries = []
      for await (const e of registry.auditAll(name)) entries.push(e)
      const shown = opts.max ? entries.slice(-opts.max) : entries
      if (opts.json) return printJson(shown)
      printAudit(shown)
    })

  return cmd
}

/**
 * An alias that deploy or rollback has moved is guarded by the gate: moving it here would step
 * around the check that `railyard deploy` makes (the server allows it, as MLflow's set-alias does).
 */
async function refuseDeployedAlias(cmd: Command, name: string, alias: string, version: string | undefined): Promise<void> {
  const history = await deliveryOf(clientFor(trackingUriOf(cmd))).deployments(name, { alias, maxResults: 200 })
  if (!history.items.some((d) => d.kind === 'deploy' || d.kind === 'forced' || d.kind === 'rollback')) return
  const how = version === undefined ? 'delete it' : `move it with \`railyard deploy --model ${name} --version ${version} --alias ${alias}\``
  throw new CliError(`${name}@${alias} is deployed through \`railyard deploy\`, which checks the gate: ${how}, or add --force --reason "…" to do it without a gate`)
}

/** A version without an MLmodel is a folder of files: serve and gate cannot load it, so say so now. */
async function warnWithoutMLmodel(registry: ModelRegistryClient, mv: ModelVersion): Promise<void> {
  const { files } = await registry.files(mv.name, mv.version)
  if (files?.some((f) => f.path === 'MLmodel')) return
  process.stderr.write(
    `railyard: warning: ${mv.name} version ${mv.version} has no MLmodel file, so \`railyard serve\` and \`railyard gate\` cannot load it ` +
      '(save the model with the SDK\'s saveModel, or register a local folder with --flavor)\n',
  )
}

function registryFor(cmd: Command): ModelRegistryClient {
  return registryOf(clientFor(trackingUriOf(cmd)))
}

async function allVersions(registry: ModelRegistryClient, name: string): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = []
  for await (const v of registry.searchAllVersions({ filter: `name = '${name.replace(/'/g, "\\'")}'` })) versions.push(v)
  return versions.sort((a, b) => Number(b.version) - Number(a.version))
}

/** A version argument: a number as is; `latest` or an alias (with or without `@`) asked of the server. */
export async function versionOf(registry: ModelRegistryClient, name: string, ref: string): Promise<string> {
  if (/^\d+$/.test(ref)) return String(Number(ref))
  if (ref === '') throw new UsageError('a version must not be empty')
  const uri = ref.toLowerCase() === 'latest' ? `models:/${name}/latest` : `models:/${name}@${ref.replace(/^@/, '')}`
  return (await registry.resolve(uri)).version
}

function collectTag(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE')
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) }
}
