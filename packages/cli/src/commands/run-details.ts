import type { Experiment, Metric, Run } from '@railyard/sdk'
import { clip, formatDuration, formatTime, printSection } from '../output.js'

/** `railyard runs show` for people: the run's facts first, then what it logged. */
export function printRun(run: Run, experiment: Experiment | undefined): void {
  const { info, data, inputs } = run
  printSection('Run', [
    ['id', info.run_id],
    ['name', info.run_name ?? ''],
    ['experiment', experiment ? `${info.experiment_id} (${experiment.name})` : info.experiment_id],
    ['status', info.lifecycle_stage === 'deleted' ? `${info.status} (deleted)` : info.status],
    ['user', info.user_id || '-'],
    ['started', formatTime(info.start_time)],
    ['ended', formatTime(info.end_time)],
    ['duration', formatDuration(durationOf(run))],
    ['artifacts', info.artifact_uri],
  ])
  console.log()
  printSection('Params', (data.params ?? []).map((p) => [p.key, clip(p.value)]))
  console.log()
  printSection('Metrics (latest)', (data.metrics ?? []).map((m) => [m.key, metricText(m)]))
  console.log()
  printSection('Tags', (data.tags ?? []).map((t) => [t.key, clip(t.value)]))
  const datasets = inputs.dataset_inputs ?? []
  if (datasets.length) {
    console.log()
    printSection('Inputs', datasets.map((d) => [d.dataset.name, `${d.dataset.digest} (${d.dataset.source_type})`]))
  }
}

function metricText(m: Metric): string {
  return `${m.value}  (step ${m.step}, ${formatTime(m.timestamp)})`
}

/** A live run's duration so far; a run that ended without an end time has none. */
export function durationOf(r: Run): number | undefined {
  if (r.info.end_time !== undefined) return r.info.end_time - r.info.start_time
  return r.info.status === 'RUNNING' ? Date.now() - r.info.start_time : undefined
}
