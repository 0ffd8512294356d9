import fs from 'node:fs'
import path from 'node:path'
import { Command } from 'commander'
import { clientFor, trackingUriOf, trackingUriOption } from '../client.js'
import { printJson } from '../output.js'
import { runGate } from './run-gate.js'
import type { GateOutcome } from './outcome.js'

/** `railyard gate`: decides whether a candidate version may replace what an alias points to. */
export function gateCommand(): Command {
  return new Command('gate')
    .description('Compare a candidate model version with the one an alias points to, under a policy; record the verdict on the candidate')
    .requiredOption('--model <name>', 'registered model')
    .requiredOption('--candidate <version>', 'the candidate: a version number, latest, or an alias (staging or @staging)')
    .option('--against <alias>', 'the alias holding the champion (and that deploy will move)', 'production')
    .option('--first-deployment', 'the --against alias is new: check the floors only, though the model has other aliases or was deployed before')
    .requiredOption('--policy <file>', 'the gate policy (YAML; see examples/ci/gate.yaml)')
    .option('--report <file>', 'write the Markdown report (for a pull-request comment) here')
    .option('--json', 'print the JSON result instead of a summary')
    .addOption(trackingUriOption())
    .addHelpText('after', `
Exit codes: 0 pass, 1 fail (the candidate is worse or breaks a limit), 2 error (the gate could not
decide: mismatched evaluation data, a bad policy, an unknown version, an unreachable server).
The gate never moves an alias; \`railyard deploy\` does, and only after a pass.

When the --against alias is not set, the gate checks a first deployment (the policy's floors only)
if the model has no aliases and no deployment history; otherwise an unset alias is taken for a typo
and is an error naming the aliases that exist, unless --first-deployment says the alias is new.
Errors in the input (policy, flags, named data or metrics) are not recorded on the candidate.

Examples:
  railyard gate --model tweets --candidate 7 --policy gate.yaml --report gate-report.md
  railyard gate --model tweets --candidate 7 --against staging --policy gate.yaml --json > gate.json`)
    .action(async (opts, self: Command) => {
      // Pipelines run the gate right after training; a short hiccup of the server should not fail them.
      const client = clientFor(trackingUriOf(self), { retries: 4, baseDelayMs: 250 })
      const { outcome, markdown, exitCode } = await runGate({
        client,
        model: opts.model,
        candidate: opts.candidate,
        against: opts.against,
        firstDeployment: opts.firstDeployment === true,
        policyFile: opts.policy,
        log: opts.json ? undefined : (line) => process.stderr.write(`${line}\n`),
      })
      let code = exitCode
      if (opts.report) {
        try {
          fs.mkdirSync(path.dirname(path.resolve(opts.report)), { recursive: true })
          fs.writeFileSync(opts.report, markdown)
        } catch (err) {
          process.stderr.write(`railyard: cannot write the report to ${opts.report}: ${(err as Error).message}\n`)
          code = 2
        }
      }
      if (opts.json) printJson(outcome)
      else printSummary(outcome)
      // No throw: 1 and 2 here are verdicts, not failures of the command line.
      process.exitCode = code
    })
}

function printSummary(o: GateOutcome): void {
  if (o.verdict === 'error') {
    console.log(`ERROR  ${o.model} version ${o.candidate} against ${o.against}: the gate could not decide`)
    console.log(`  ${o.error}`)
  } else {
    const vs = o.champion ? `${o.against} (version ${o.champion})` : `nothing at ${o.against} (first deployment)`
    console.log(`${o.verdict.toUpperCase()}  ${o.model} version ${o.candidate} vs ${vs}`)
  }
  for (const c of o.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.detail}`)
  for (const w of o.warnings ?? []) console.log(`warning: ${w}`)
  if (o.gate_result_id) console.log(`recorded on ${o.model} version ${o.candidate} as gate result #${o.gate_result_id}`)
}
