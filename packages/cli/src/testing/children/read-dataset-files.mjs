// A training script in "another language" as `railyard run --dataset` sees one: it reads the
// exported file list and version of each dataset named on its command line and prints them.
// Usage: read-dataset-files.mjs NAME…
import fs from 'node:fs'

for (const name of process.argv.slice(2)) {
  const key = name.toUpperCase().replace(/[^A-Z0-9]/g, '_')
  const listPath = process.env[`RAILYARD_DATASET_${key}_FILES`]
  const version = process.env[`RAILYARD_DATASET_${key}_VERSION`]
  if (!listPath || !version) {
    console.error(`no RAILYARD_DATASET_${key}_* variables`)
    process.exit(3)
  }
  console.log(`dataset ${name} version=${version} list=${listPath}`)
  for (const line of fs.readFileSync(listPath, 'utf8').split('\n')) if (line) console.log(`file ${name} ${line}`)
}
