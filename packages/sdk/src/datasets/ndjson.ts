/**
 * The lines of an NDJSON body as they arrive, without holding the body: only the unfinished last
 * line is buffered. `onBytes` sees every byte in order (to hash the body as it streams). A final
 * line without its `\n` is yielded too.
 */
export async function* ndjsonLines(
  body: ReadableStream<Uint8Array> | null,
  onBytes?: (chunk: Uint8Array) => void,
): AsyncGenerator<string> {
  if (!body) return
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let rest = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      onBytes?.(value)
      const text = rest + decoder.decode(value, { stream: true })
      const last = text.lastIndexOf('\n')
      if (last < 0) {
        rest = text
        continue
      }
      rest = text.slice(last + 1)
      let start = 0
      for (let end = text.indexOf('\n'); end >= 0 && end <= last; end = text.indexOf('\n', start)) {
        if (end > start) yield text.slice(start, end)
        start = end + 1
      }
    }
    rest += decoder.decode()
    if (rest.trim() !== '') yield rest
  } finally {
    // A consumer that stops early (break, an error) must not leave the connection open.
    await reader.cancel().catch(() => {})
  }
}
