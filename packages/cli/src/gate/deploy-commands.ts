import { Command } from 'commander'
import { deliveryOf, type Deployment } from '@railyard/sdk'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { UsageError } from '../cli-errors.js'
import { clip, formatTime, printJson, printTable } from '../output.js'
import { positiveInt } from '../commands/options.js'
import { takeAtMost } from '../commands/take-at-most.js'

/** `railyard deploy`: moves an alias to a version that passed the gate (or forced, with a reason). */
export function deployCommand(): Command {
  return new Command('deploy')
    .description('Point an alias (default production) at a version whose gate result passed')
    .requiredOption('--model <name>', 'registered model')
    .requiredOption('--version <version>', 'the version to deploy')
    .option('--alias <alias>', 'the alias to move', 'production')
    .option('--force', 'deploy without a passing gate result (needs --reason; audited)')
    .option('--reason <text>', 'why; kept in the audit log')
    .option('--json', 'print the deployment as JSON')
    .addOption(trackingUriOption())
    .addHelpText('after', `
The version needs a passing gate result against the alias, recorded while the alias pointed where it
points now (run \`railyard gate\` again after the alias moved). Every move is in the registry's
audit log; \`railyard rollback\` undoes it.

Examples:
  railyard deploy --model tweets --version 7
  railyard deploy --model tweets --version 6 --force --reason "hotfix for incident 42"`)
    .action(async (opts, self: Command) => {
      if (opts.force && !opts.reason?.trim()) throw new UsageError('--force needs --reason "…": the reason is kept in the audit log')
      const delivery = deliveryOf(clientFor(trackingUriOf(self)))
      // A refused deploy exits 1, as the README's exit code table promises CI.
      // A refusal is RESOURCE_CONFLICT (exit 1); a bad value INVALID_PARAMETER_VALUE (exit 2).
      const res = await delivery.deploy(opts.model, opts.version, { alias: opts.alias, force: opts.force, reason: opts.reason })
      if (opts.json) return printJson(res)
      const d = res.deployment
      if (!res.changed) return console.log(`${opts.model}@${opts.alias} already points to version ${d.version ?? opts.version}; nothing changed`)
      console.log(aliasMove(d, d.kind === 'forced' ? 'forced' : `gate #${d.gate_id} passed`))
    })
}

/** `railyard rollback`: moves an alias back to the version it pointed to before. */
export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('Move an alias (default production) back to the version it pointed to before')
    .argument('<model>', 'registered model')
    .option('--alias <alias>', 'the alias to move back', 'production')
    .option('--reason <text>', 'why; kept in the audit log')
    .option('--json', 'print the deployment as JSON')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Repeated rollbacks walk further back (7 → 6 → 5). Versions deleted since are skipped.

Examples:
  railyard rollback tweets --reason "p95 latency doubled"
  railyard rollback tweets --alias staging`)
    .action(async (model: string, opts, self: Command) => {
      const delivery = deliveryOf(clientFor(trackingUriOf(self)))
      const d = await delivery.rollback(model, { alias: opts.alias, reason: opts.reason })
      if (opts.json) return printJson(d)
      console.log(aliasMove(d, 'rolled back'))
    })
}

/** `railyard deployments`: the history of an alias. */
export function deploymentsCommand(): Command {
  return new Command('deployments')
    .description('List the moves of an alias (every alias unless --alias), newest first: version, when, who, gate verdict, reason')
    .argument('<model>', 'registered model')
    .option('--alias <alias>', 'only this alias')
    .option('--max <n>', 'show at most this many', positiveInt, 100)
    .option('--json', 'print a JSON array of deployments')
    .addOption(trackingUriOption())
    .action(async (model: string, opts, self: Command) => {
      const delivery = deliveryOf(clientFor(trackingUriOf(self)))
      const list = await takeAtMost(delivery.allDeployments(model, { alias: opts.alias, pageSize: Math.min(opts.max, 1000) }), opts.max)
      if (opts.json) return printJson(list)
      printTable(
        ['WHEN', 'ALIAS', 'VERSION', 'FROM', 'KIND', 'GATE', 'WHO', 'REASON'],
        list.map((d) => [
          formatTime(d.timestamp),
          d.alias,
          d.version ?? '(unset)',
          d.previous_version ?? '-',
          d.kind,
          d.gate_verdict ? `${d.gate_verdict} #${d.gate_id}` : '-',
          d.who,
          clip(d.reason ?? '', 60),
        ]),
        `(no deployments of ${model}${opts.alias ? `@${opts.alias}` : ''})`,
      )
    })
}

/** `tweets@production → version 7 (was version 6): how` */
function aliasMove(d: Deployment, how: string): string {
  const was = d.previous_version ? ` (was version ${d.previous_version})` : ''
  return `${d.name}@${d.alias} → version ${d.version}${was}: ${how}`
}
