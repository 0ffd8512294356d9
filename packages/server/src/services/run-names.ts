import { randomInt } from 'node:crypto'

const ADJECTIVES = ['amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fleet', 'gentle', 'glad', 'keen', 'lucid', 'merry', 'nimble', 'placid', 'quick', 'quiet', 'rapid', 'sage', 'serene', 'steady', 'swift', 'tidy', 'vivid', 'warm', 'wise', 'zesty']
const NOUNS = ['badger', 'bison', 'crane', 'dove', 'falcon', 'ferret', 'finch', 'fox', 'gull', 'hare', 'heron', 'ibis', 'lark', 'lynx', 'mole', 'newt', 'otter', 'owl', 'panda', 'quail', 'robin', 'seal', 'shrew', 'stork', 'swan', 'toad', 'vole', 'wren']

/** A readable run name like MLflow's (`swift-heron-412`) for runs created without one. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`
}
