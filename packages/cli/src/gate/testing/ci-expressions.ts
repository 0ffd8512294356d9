/**
 * Just enough of the two CI expression languages to run our templates' conditions faithfully:
 * GitHub Actions' `${{ … }}` (`==`, `!=`, `&&`, `||`, `!`, parentheses, context paths such as
 * `steps.register.outputs.version`, and `always()`, `success()`, `failure()`, `cancelled()`) and
 * Azure Pipelines' `and(…)`, `or(…)`, `not(…)`, `eq(…)`, `ne(…)`, `variables['X']`,
 * `succeeded()`, `failed()`, `succeededOrFailed()`, `always()`. Anything else throws, so a
 * template using a construct this does not know fails the test instead of being misread.
 */

type Token = { kind: 'str' | 'num' | 'id' | 'op'; text: string }

function tokenize(src: string): Token[] {
  const tokens: Token[] = []
  const re = /\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w.\-]*)|(==|!=|&&|\|\||[!(),[\]]))/y
  let at = 0
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break
    re.lastIndex = at
    const m = re.exec(src)
    if (!m) throw new Error(`cannot read the expression at '${src.slice(at)}' in: ${src}`)
    at = re.lastIndex
    if (m[1] !== undefined) tokens.push({ kind: 'str', text: m[1].replace(/''/g, "'") })
    else if (m[2] !== undefined) tokens.push({ kind: 'num', text: m[2] })
    else if (m[3] !== undefined) tokens.push({ kind: 'id', text: m[3] })
    else tokens.push({ kind: 'op', text: m[4] })
  }
  return tokens
}

type Value = string | number | boolean | null

class Parser {
  private i = 0
  constructor(
    private readonly tokens: Token[],
    private readonly lookup: (path: string) => Value,
    private readonly call: (name: string, args: Value[]) => Value,
  ) {}

  parse(): Value {
    const v = this.or()
    if (this.i < this.tokens.length) throw new Error(`unexpected '${this.tokens[this.i].text}'`)
    return v
  }

  private peek(text: string): boolean {
    return this.tokens[this.i]?.kind === 'op' && this.tokens[this.i].text === text
  }

  private expect(text: string): void {
    if (!this.peek(text)) throw new Error(`expected '${text}'`)
    this.i++
  }

  private or(): Value {
    let v = this.and()
    while (this.peek('||')) {
      this.i++
      const r = this.and()
      v = truthy(v) ? v : r
    }
    return v
  }

  private and(): Value {
    let v = this.compare()
    while (this.peek('&&')) {
      this.i++
      const r = this.compare()
      v = truthy(v) ? r : v
    }
    return v
  }

  private compare(): Value {
    let v = this.unary()
    while (this.peek('==') || this.peek('!=')) {
      const op = this.tokens[this.i++].text
      const r = this.unary()
      v = op === '==' ? looseEqual(v, r) : !looseEqual(v, r)
    }
    return v
  }

  private unary(): Value {
    if (this.peek('!')) {
      this.i++
      return !truthy(this.unary())
    }
    return this.primary()
  }

  private primary(): Value {
    const t = this.tokens[this.i++]
    if (!t) throw new Error('the expression ends too early')
    if (t.kind === 'str') return t.text
    if (t.kind === 'num') return Number(t.text)
    if (t.kind === 'op' && t.text === '(') {
      const v = this.or()
      this.expect(')')
      return v
    }
    if (t.kind !== 'id') throw new Error(`unexpected '${t.text}'`)
    if (t.text === 'true' || t.text === 'false') return t.text === 'true'
    if (t.text === 'null') return null
    if (this.peek('(')) {
      this.i++
      const args: Value[] = []
      while (!this.peek(')')) {
        args.push(this.or())
        if (this.peek(',')) this.i++
      }
      this.expect(')')
      return this.call(t.text, args)
    }
    let path = t.text
    while (this.peek('[')) {
      this.i++
      const key = this.tokens[this.i++]
      if (key?.kind !== 'str') throw new Error(`expected a quoted key after '${path}['`)
      this.expect(']')
      path += `.${key.text}`
    }
    return this.lookup(path)
  }
}

function truthy(v: Value): boolean {
  return v !== null && v !== false && v !== 0 && v !== ''
}

function looseEqual(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase()
  return a === b
}

/** A GitHub Actions expression (without `${{ }}`), evaluated against the run's contexts. */
export function evalGithub(expr: string, ctx: { lookup: (path: string) => Value; status: { failed: boolean } }): Value {
  return new Parser(tokenize(expr), ctx.lookup, (name, args) => {
    if (name === 'always') return true
    if (name === 'success') return !ctx.status.failed
    if (name === 'failure') return ctx.status.failed
    if (name === 'cancelled') return false
    throw new Error(`function ${name}(${args.length} args) is not supported here`)
  }).parse()
}

/** Replaces every `${{ … }}` in `text` by its value. */
export function interpolateGithub(text: string, ctx: Parameters<typeof evalGithub>[1]): string {
  return text.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, expr: string) => {
    const v = evalGithub(expr, ctx)
    return v === null ? '' : String(v)
  })
}

/** An Azure Pipelines condition, against the pipeline's variables (names compared case-insensitively). */
export function evalAzure(expr: string, ctx: { variables: Map<string, string>; status: { failed: boolean } }): boolean {
  const lookup = (path: string): Value => {
    const m = /^variables\.(.+)$/.exec(path)
    if (!m) throw new Error(`unknown name '${path}' in: ${expr}`)
    return ctx.variables.get(m[1].toLowerCase()) ?? ''
  }
  return truthy(
    new Parser(tokenize(expr), lookup, (name, args) => {
      switch (name) {
        case 'and':
          return args.every(truthy)
        case 'or':
          return args.some(truthy)
        case 'not':
          return !truthy(args[0])
        case 'eq':
          return looseEqual(String(args[0] ?? ''), String(args[1] ?? ''))
        case 'ne':
          return !looseEqual(String(args[0] ?? ''), String(args[1] ?? ''))
        case 'succeeded':
          return !ctx.status.failed
        case 'failed':
          return ctx.status.failed
        case 'succeededOrFailed':
        case 'always':
          return true
        default:
          throw new Error(`function ${name}() is not supported here`)
      }
    }).parse(),
  )
}
