/** One server-sent event as a client sees it. */
export interface SseEvent {
  event: string
  data: string
  id?: string
}

/**
 * Reads a fetch Response as server-sent events (the parts of the format our streams use: event,
 * data, id; comments skipped). Ends when the server ends the response.
 */
export async function* readEvents(res: Response): AsyncGenerator<SseEvent> {
  if (!res.body) return
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = res.body.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event: SseEvent = { event: 'message', data: '' }
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue
          const colon = line.indexOf(':')
          const field = colon < 0 ? line : line.slice(0, colon)
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event.event = value
          else if (field === 'data') data.push(value)
          else if (field === 'id') event.id = value
        }
        if (data.length === 0 && event.event === 'message') continue
        event.data = data.join('\n')
        yield event
      }
    }
  } finally {
    reader.releaseLock()
    await res.body.cancel().catch(() => {})
  }
}
