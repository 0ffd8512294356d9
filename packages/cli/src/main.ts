import { Command } from 'commander'
import { serverCommand } from './commands/server.js'
import { runCommand } from './commands/run.js'
import { experimentsCommand } from './commands/experiments.js'
import { runsCommand } from './commands/runs.js'
import { datastoresCommand } from './commands/datastores.js'
import { datasetsCommand } from './commands/datasets.js'
import { serveCommand } from './commands/serve.js'
import { gateCommand } from './gate/gate-command.js'
import { deployCommand, rollbackCommand, deploymentsCommand } from './gate/deploy-commands.js'
import { modelsCommand } from './commands/models.js'
import { gcCommand } from './commands/gc.js'
import { tokensCommand } from './commands/tokens.js'
import { trackingUriOption } from './client.js'
import { describeError } from './cli-errors.js'
import { handleClosedOutput } from './output.js'
import { helpConfig } from './help.js'

const program = new Command()
  .name('railyard')
  .description('Railyard: continuous delivery for machine learning (MLflow-compatible tracking server and tools)')
  .version('0.1.0')
  .addOption(trackingUriOption())
  // Options after `railyard run <command>` belong to that command, not to us.
  .enablePositionalOptions()
  .addHelpText('after', `
Examples:
  railyard server --port 5000
  railyard run --experiment churn -- python train.py --lr 0.01
  railyard runs ls --experiment churn --order-by "metrics.auc DESC"
  railyard runs logs <run-id> --follow

Exit codes: 0 success, 1 failure (including an unreachable server), 2 wrong usage (including a
value the server rejects).
\`railyard run\` exits with the command's own exit code.`)

program.addCommand(serverCommand())
program.addCommand(runCommand())
program.addCommand(experimentsCommand())
program.addCommand(runsCommand())
program.addCommand(datastoresCommand())
program.addCommand(datasetsCommand())
program.addCommand(serveCommand())
program.addCommand(gateCommand())
program.addCommand(deployCommand())
program.addCommand(rollbackCommand())
program.addCommand(deploymentsCommand())
program.addCommand(modelsCommand())
program.addCommand(gcCommand())
program.addCommand(tokensCommand())

// Every command throws instead of exiting, so one place picks the exit code (2 for usage errors).
const configure = (cmd: Command) => {
  cmd.exitOverride().showHelpAfterError('(add --help for usage)').configureHelp(helpConfig)
  cmd.commands.forEach(configure)
}
configure(program)

handleClosedOutput()

try {
  // No process.exit here: `railyard server` keeps running after its action returns.
  await program.parseAsync(process.argv)
} catch (err) {
  const leaf = lastCommand(program)
  let trackingUri: string | undefined
  try {
    trackingUri = (leaf.optsWithGlobals() as { trackingUri?: string }).trackingUri ?? (await import('@railyard/sdk')).trackingUriFromEnv()
  } catch {
    trackingUri = undefined
  }
  const { message, code } = describeError(err, trackingUri)
  if (message) process.stderr.write(`railyard: ${message}\n`)
  process.exit(code)
}

/** The subcommand that was running, to read its options (the tracking URI) for error messages. */
function lastCommand(cmd: Command): Command {
  const args = process.argv.slice(2)
  let current = cmd
  for (const a of args) {
    const next = current.commands.find((c) => c.name() === a || c.aliases().includes(a))
    if (next) current = next
  }
  return current
}
