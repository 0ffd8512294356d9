// A long job: prints a tick every 50 ms until SIGTERM, then cleans up and exits 143 as a well-behaved
// program does.
let n = 0
const timer = setInterval(() => console.log(`tick ${n++}`), 50)
process.on('SIGTERM', () => {
  clearInterval(timer)
  console.log('got SIGTERM, saving checkpoint')
  setTimeout(() => process.exit(143), 50)
})
