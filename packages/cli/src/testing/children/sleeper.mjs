// A long job: prints a tick every 50 ms, until SIGTERM (then it cleans up and exits 143 as a
// well-behaved program does) or, when given a count, until it has printed that many (then exit 0).
// Usage: sleeper.mjs [ticks]
const limit = Number(process.argv[2] ?? Infinity)
let n = 0
const timer = setInterval(() => {
  console.log(`tick ${n++}`)
  if (n >= limit) {
    clearInterval(timer)
    console.log('finished all ticks')
  }
}, 50)
process.on('SIGTERM', () => {
  clearInterval(timer)
  console.log('got SIGTERM, saving checkpoint')
  setTimeout(() => process.exit(143), 50)
})
