import { Command } from 'commander'
import { serverCommand } from './commands/server.js'

const program = new Command()
  .name('railyard')
  .description('Railyard: continuous delivery for machine learning (MLflow-compatible tracking server and tools)')
  .version('0.1.0')
  .showHelpAfterError()

program.addCommand(serverCommand())

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`railyard: ${err.message}`)
  process.exit(1)
})
