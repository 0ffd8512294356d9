// CSI sequences (colours, cursor moves, erase line: ESC [ … final byte), OSC sequences (window
// titles, hyperlinks: ESC ] … BEL or ESC \), character set choices (ESC ( B, which `tput sgr0`
// prints), and the remaining two-byte escapes.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_]/g

/**
 * A line of terminal output as text: the escape sequences that colour it or move the cursor
 * (Python's coloured logging, tqdm, rich, Keras progress bars) would otherwise show as stray
 * characters such as `[1;32m`. Other control characters but tabs are dropped too.
 */
export function plainText(line: string): string {
  if (!/[\x00-\x08\x0b-\x1f\x7f]/.test(line)) return line
  return line.replace(ESCAPES, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
}
